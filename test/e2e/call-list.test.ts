import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { CALLS_PER_PAGE } from "../../server/services/calls/queries";
import { signIn, type Agent } from "../support/app";
import { testDatabases } from "../support/db";
import { startManagerWorld } from "../support/journey";
import { defined } from "../support/defined";
import { followTwoPages } from "../support/pages";

/* The call list of a programme that has run for years: the latest opening first, a page at a time. */

const callIds = (html: string) => [...html.matchAll(/href="\/manager\/calls\/(\d+)"/g)].map((m) => Number(m[1]));

for (const engine of testDatabases()) {
  describe(`manager: the call list (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let manager: Agent;
    let expected: number[];

    before(async () => {
      const world = await startManagerWorld(engine);
      db = world.db;
      manager = await signIn(world.app, "manager@demo.test");
      const scheme = defined(await db("schemes").first("id"));
      const author = defined(await db("users").where({ email: "manager@demo.test" }).first("id"));
      // Closed calls of past years, written as rows; pairs open at the same moment, so the id decides between them.
      for (let i = 0; i < CALLS_PER_PAGE + 8; i++) {
        const opens = new Date(Date.UTC(2019, 0, 1 + 30 * Math.floor(i / 2), 8)).toISOString();
        await db("calls").insert({
          scheme_id: scheme.id, title: `Past call ${i}`, description: "", opens_at: opens, closes_at: new Date(Date.parse(opens) + 20 * 86_400_000).toISOString(),
          status: "closed", created_by: author.id, created_at: opens, updated_at: opens,
        });
      }
      expected = (await db("calls").orderBy([{ column: "opens_at", order: "desc" }, { column: "id", order: "desc" }]).select<{ id: number }[]>("id")).map((r) => Number(r.id));
      expect(expected.length).to.be.above(CALLS_PER_PAGE);
    });
    after(() => db.destroy());

    it("lists every call once, the latest opening first, a page at a time, and back again", async () => {
      const { first } = await followTwoPages(manager, "/manager/calls", callIds, expected, CALLS_PER_PAGE);
      expect(first).to.contain(`Calls, latest opening first: ${CALLS_PER_PAGE} of ${expected.length}`);
    });

    it("refuses a page link that is not one with a 4xx page", async () => {
      for (const bad of ["after=yesterday", "before=2019-01-01~3", `after=${"9".repeat(80)}`]) {
        expect((await manager.get(`/manager/calls?${bad}`)).status, bad).to.be.within(400, 499);
      }
    });
  });
}
