import { expect } from "chai";
import { lettersWritten } from "../../server/services/letters/letters";
import type { Db } from "../../server/db/connection";
import { buildApp, csrfFrom, signIn } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { insertDraft, insertSubmitted, seedCall } from "../support/journey";
import { raceGate } from "../support/overlap";

/*
 * An approval judges the company's other applications: R10 refuses a voucher while the company
 * holds another whose claim is open, R9 counts its earlier awards. Two managers approving two
 * applications of one company at the same moment (in different calls, so no budget ceiling
 * orders them) must not each judge without the other.
 */
for (const engine of testDatabases()) {
  describe(`approvals for one company at once (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    beforeEach(async () => {
      db = await engine.create();
      await seedDemoData(db, clock.now);
    });
    afterEach(async () => {
      await lettersWritten(db);
      await db.destroy();
    });

    it("two approvals of one company's applications at once: one is approved, the other refused by R10, nothing half-written", async () => {
      const ids: number[] = [];
      for (let i = 0; i < 2; i++) {
        const callId = await seedCall(db, clock.now, { totalCents: 10_000_000 });
        ids.push(await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" }));
      }
      const gate = raceGate(buildApp(db, { clock: clock.now }), ids.length, (req) => req.method === "POST" && req.path.endsWith("/approve"));
      const posts = await Promise.all(ids.map(async (id, i) => {
        const agent = await signIn(gate.app, i === 0 ? "manager@demo.test" : "manager2@demo.test");
        return { agent, id, token: csrfFrom((await agent.get(`/manager/applications/${id}`)).text) };
      }));
      const results = await Promise.all(posts.map(({ agent, id, token }) => agent.post(`/manager/applications/${id}/approve`).type("form").send({ _csrf: token })));
      expect(gate.maxInside(), "the approvals were inside the app at once").to.equal(2);

      const statuses = results.map((r) => r.status).sort();
      expect(statuses).to.deep.equal([303, 422]);
      const refused = results.find((r) => r.status === 422)!;
      expect(refused.text).to.include("R10");
      const states = await db("applications").whereIn("id", ids).orderBy("id").pluck("state");
      expect([...states].sort()).to.deep.equal(["approved", "submitted"]);
      const refusedId = ids[states.indexOf("submitted")]!;
      expect(await db("ledger_entries").where({ application_id: refusedId }).first()).to.equal(undefined);
      expect(await db("award_letters").where({ application_id: refusedId }).first()).to.equal(undefined);
      expect(await db("ledger_entries").whereIn("application_id", ids).pluck("kind")).to.deep.equal(["commit"]);
    });

    it("two drafts of one type in one call submitted at once from two sessions: one is submitted, the other refused by R10", async () => {
      const callId = await seedCall(db, clock.now, { totalCents: 10_000_000 });
      const ids = [await insertDraft(db, { email: "sme@demo.test", callId, type: "IN" }), await insertDraft(db, { email: "sme@demo.test", callId, type: "IN" })];
      // While the call is open (it closes at the end of February 2027).
      const open = new TestClock(new Date("2027-02-10T10:00:00Z"));
      const gate = raceGate(buildApp(db, { clock: open.now }), ids.length, (req) => req.method === "POST" && req.path.endsWith("/submit"));
      const posts = await Promise.all(ids.map(async (id) => {
        const agent = await signIn(gate.app, "sme@demo.test");
        return { agent, id, token: csrfFrom((await agent.get(`/applications/${id}/check`)).text) };
      }));
      const declared = { truthful: "on", smeStatus: "on", deMinimisComplete: "on", noDoubleFunding: "on" };
      const results = await Promise.all(posts.map(({ agent, id, token }) => agent.post(`/applications/${id}/submit`).type("form").send({ _csrf: token, ...declared })));
      expect(gate.maxInside(), "the submissions were inside the app at once").to.equal(2);
      expect(results.map((r) => r.status).sort()).to.deep.equal([303, 422]);
      expect(results.find((r) => r.status === 422)!.text).to.include("already has an application for the Insight voucher in this call");
      expect((await db("applications").whereIn("id", ids).pluck("state")).sort()).to.deep.equal(["draft", "submitted"]);
    });
  });
}
