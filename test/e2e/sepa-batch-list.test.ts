import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { BATCHES_PER_PAGE } from "../../server/services/finance/payment-queries";
import type { Agent } from "../support/app";
import { testDatabases } from "../support/db";
import { startFinanceWorld } from "../support/journey";
import { defined } from "../support/defined";
import { followTwoPages } from "../support/pages";

/* Every SEPA batch a programme prepared stays reachable: the batch list, newest first, a page at a time. */

const batchIds = (html: string) => [...html.matchAll(/href="\/finance\/sepa\/(\d+)"/g)].map((m) => Number(m[1]));

for (const engine of testDatabases()) {
  describe(`finance: the SEPA batch list (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let finance: Agent;
    let expected: number[];

    before(async () => {
      ({ db, finance } = await startFinanceWorld(engine, "2027-06-15T10:00:00.000Z"));
      const officer = defined(await db("users").where({ email: "finance@demo.test" }).first("id"));
      // Years of weekly batches, written as rows: the list reads them, it does not prepare them.
      for (let i = 0; i < BATCHES_PER_PAGE + 15; i++) {
        await db("sepa_batches").insert({
          message_id: `VD-LIST-${String(i).padStart(4, "0")}`, status: "cancelled", execution_date: "2027-05-03", total_cents: 100 * i, transaction_count: 0,
          xml: "<Document/>", created_by: officer.id, created_at: "2027-05-01T10:00:00.000Z", cancelled_at: "2027-05-02T10:00:00.000Z",
        });
      }
      expected = (await db("sepa_batches").orderBy("id", "desc").select<{ id: number }[]>("id")).map((r) => Number(r.id));
    });
    after(() => db.destroy());

    it("shows the newest batches on the payments page and leads to all of them", async () => {
      const home = await finance.get("/finance");
      expect(home.status).to.equal(200);
      expect(batchIds(home.text)).to.deep.equal(expected.slice(0, 10));
      expect(home.text).to.contain(`SEPA batches, newest first: 10 of ${expected.length}`);
      expect(home.text).to.contain(`<a href="/finance/sepa">All ${expected.length} SEPA batches</a>`);
    });

    it("lists every batch once, newest first, a page at a time, and back again", async () => {
      const { first } = await followTwoPages(finance, "/finance/sepa", batchIds, expected, BATCHES_PER_PAGE);
      expect(first).to.contain(`SEPA batches, newest first: ${BATCHES_PER_PAGE} of ${expected.length}`);
      // The oldest batch, beyond the newest page, opens.
      expect((await finance.get(`/finance/sepa/${defined(expected[expected.length - 1])}`)).status).to.equal(200);
    });

    it("refuses a page link that is not one with a 400 page", async () => {
      for (const bad of ["after=yesterday", "before=-3", `after=${"9".repeat(40)}`, "after=1&after=2"]) {
        const res = await finance.get(`/finance/sepa?${bad}`);
        expect(res.status, bad).to.equal(400);
      }
    });
  });
}
