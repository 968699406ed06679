import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { readCeilings, verifyLedgerTotals } from "../../server/services/finance/budget";
import { buildApp, csrfFrom, signIn } from "../support/app";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { approve } from "../../server/services/review/decisions";
import { rejectClaim } from "../../server/services/claims/verification";
import { runDailyJobs } from "../../server/services/platform/jobs";
import { insertClaim, insertSubmitted, seedCall } from "../support/journey";
import { lettersWritten } from "../../server/services/letters/letters";
import { defined } from "../support/defined";

for (const engine of testDatabases()) {
  describe(`manager decisions: approval race and daily expiry (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    beforeEach(async () => {
      db = await engine.create();
      await seedDemoData(db, clock.now);
    });
    afterEach(async () => {
      // Letters the approvals through HTTP are still writing are stored before the database closes.
      await lettersWritten(db);
      await db.destroy();
    });

    it("two managers approving the last EUR 500 at once: one succeeds, the other is told the budget is exhausted", async () => {
      const callId = await seedCall(db, clock.now, { totalCents: 450_000 });
      const app = buildApp(db, { clock: clock.now });
      const first = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
      await (await approve(testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now), first, {})).letterWritten;
      const a = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "MG", requestedCents: 50_000 });
      const b = await insertSubmitted(db, { email: "amager@demo.test", callId, type: "MG", requestedCents: 50_000 });
      const m1 = await signIn(app, "manager@demo.test");
      const m2 = await signIn(app, "manager2@demo.test");
      const t1 = csrfFrom((await m1.get(`/manager/applications/${a}`)).text);
      const t2 = csrfFrom((await m2.get(`/manager/applications/${b}`)).text);
      const [r1, r2] = await Promise.all([
        m1.post(`/manager/applications/${a}/approve`).type("form").send({ _csrf: t1, amount: "500.00" }),
        m2.post(`/manager/applications/${b}/approve`).type("form").send({ _csrf: t2, amount: "500.00" }),
      ]);
      const statuses = [r1.status, r2.status].sort();
      expect(statuses).to.deep.equal([303, 409]);
      const loser = r1.status === 409 ? r1 : r2;
      expect(loser.text).to.include("does not fit in the budget").and.include("short by");
      const states = (await db("applications").whereIn("id", [a, b]).pluck("state")).sort();
      expect(states).to.deep.equal(["approved", "submitted"]);
      const total = (await readCeilings(db, callId)).find((c) => c.key === "total")!;
      expect(total.committedCents - total.releasedCents).to.equal(450_000);
      expect((await verifyLedgerTotals(db, callId)).every((c) => c.ok)).to.equal(true);
      await lettersWritten(db);
      expect(await db("award_letters").count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(2);
    });

    it("a double-submitted approval of one application books once", async () => {
      const callId = await seedCall(db, clock.now, { totalCents: 10_000_000 });
      const app = buildApp(db, { clock: clock.now });
      const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "CO" });
      const m1 = await signIn(app, "manager@demo.test");
      const m2 = await signIn(app, "manager2@demo.test");
      const t1 = csrfFrom((await m1.get(`/manager/applications/${id}`)).text);
      const t2 = csrfFrom((await m2.get(`/manager/applications/${id}`)).text);
      const res = await Promise.all([
        m1.post(`/manager/applications/${id}/approve`).type("form").send({ _csrf: t1 }),
        m2.post(`/manager/applications/${id}/approve`).type("form").send({ _csrf: t2 }),
      ]);
      expect(res.map((r) => r.status).sort()).to.deep.equal([303, 409]);
      expect(await db("ledger_entries").where({ application_id: id, kind: "commit" }).count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(1);
      expect((await readCeilings(db, callId)).find((c) => c.key === "total")!.committedCents).to.equal(700_000);
    });

    it("the daily job closes calls past their closing moment and expires vouchers past the claim deadline without a claim, releasing the commitment (R12)", async () => {
      const callId = await seedCall(db, clock.now, { totalCents: 10_000_000 });
      const manager = testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now);
      const idle = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "MG", requestedCents: 50_000 });
      const claimed = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "MG", requestedCents: 30_000 });
      await (await approve(manager, idle, {})).letterWritten;
      await (await approve(manager, claimed, {})).letterWritten;
      const claimId = await insertClaim(db, claimed, [{ incurredOn: "2027-04-10", currency: "EUR", originalMinor: 30_000 }]);
      const row = defined(await db("applications").where({ id: idle }).first(), "row");
      expect([row.completion_deadline, row.claim_deadline]).to.deep.equal(["2027-05-30", "2027-06-29"]);

      const jobClock = new TestClock(new Date("2027-05-30T20:00:00Z")); // 22:00 in Copenhagen: the completion deadline day
      const system = testContext(db, null, jobClock.now);
      const onDeadline = await runDailyJobs(system);
      expect(onDeadline.callsClosed).to.equal(1);
      expect(onDeadline.vouchersExpired).to.equal(0);
      expect(defined(await db("calls").where({ id: callId }).first()).status).to.equal("closed");

      // Past the completion deadline but not the claim deadline: the voucher can still be claimed.
      jobClock.set("2027-05-30T22:30:00Z"); // 00:30 on 31 May in Copenhagen
      expect((await runDailyJobs(system)).vouchersExpired).to.equal(0);
      jobClock.set("2027-06-29T21:30:00Z"); // 23:30 on the claim deadline day in Copenhagen
      expect((await runDailyJobs(system)).vouchersExpired).to.equal(0);
      expect(defined(await db("applications").where({ id: idle }).first()).state).to.equal("approved");

      jobClock.set("2027-06-29T22:30:00Z"); // 00:30 on 30 June in Copenhagen
      expect((await runDailyJobs(system)).vouchersExpired).to.equal(1);
      expect(defined(await db("applications").where({ id: idle }).first()).state).to.equal("expired");
      expect(defined(await db("applications").where({ id: claimed }).first()).state).to.equal("claim-submitted");
      const total = (await readCeilings(db, callId)).find((c) => c.key === "total")!;
      expect([total.committedCents, total.releasedCents]).to.deep.equal([80_000, 50_000]);
      expect(await db("audit_events").where({ action: "application.expire", entity_id: String(idle), actor_label: "system" }).first()).to.not.equal(undefined);

      // A rejected claim not resubmitted before the claim deadline also ends the voucher.
      await rejectClaim(testContext(db, manager.actor, jobClock.now), claimId, "The report is missing.");
      jobClock.set("2027-06-30T12:00:00Z");
      expect((await runDailyJobs(system)).vouchersExpired).to.equal(1);
      expect(defined(await db("applications").where({ id: claimed }).first()).state).to.equal("expired");
      expect((await readCeilings(db, callId)).find((c) => c.key === "total")!.releasedCents).to.equal(80_000);

      const again = await runDailyJobs(system);
      expect([again.callsClosed, again.vouchersExpired]).to.deep.equal([0, 0]);
      expect((await readCeilings(db, callId)).find((c) => c.key === "total")!.releasedCents).to.equal(80_000);
      expect((await verifyLedgerTotals(db, callId)).every((c) => c.ok)).to.equal(true);
    });
  });
}
