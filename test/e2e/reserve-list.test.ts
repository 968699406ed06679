import { expect } from "chai";
import { lettersWritten } from "../../server/services/letters/letters";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { verifyLedgerTotals } from "../../server/services/finance/budget";
import { type Agent, postForm, signIn } from "../support/app";
import { type TestClock, testDatabases } from "../support/db";
import { insertSubmitted, seedCall, startManagerWorld } from "../support/journey";
import { defined } from "../support/defined";

for (const engine of testDatabases()) {
  describe(`reserve list order and decision records (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let clock: TestClock;
    let manager: Agent;

    beforeEach(async () => {
      ({ db, clock, app } = await startManagerWorld(engine));
      manager = await signIn(app, "manager@demo.test");
    });
    afterEach(async () => {
      // Letters the approvals through HTTP are still writing are stored before the database closes.
      await lettersWritten(db);
      await db.destroy();
    });

    const state = async (id: number) => defined(await db("applications").where({ id }).first("state")).state;

    it("offers the earliest reserve-listed application that fits; approving a later one needs a reason, stored with the decision and in the audit log", async () => {
      const callId = await seedCall(db, clock.now, { totalCents: 800_000 });
      const x = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN", submittedAt: "2027-02-09T10:00:00.000Z" });
      const y = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "IN", submittedAt: "2027-02-10T10:00:00.000Z" });
      const later = await insertSubmitted(db, { email: "hillerod@demo.test", callId, type: "MG", requestedCents: 50_000, submittedAt: "2027-02-12T10:00:00.000Z" });
      const earlier = await insertSubmitted(db, { email: "amager@demo.test", callId, type: "IN", submittedAt: "2027-02-11T10:00:00.000Z" });
      for (const id of [x, y]) expect((await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, {})).status).to.equal(303);
      for (const id of [later, earlier]) expect((await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/reserve`, {})).status).to.equal(303);

      // Displayed in submission order, even though the later one was reserve-listed first.
      let callPage = (await manager.get(`/manager/calls/${callId}`)).text;
      const reserveTable = callPage.slice(callPage.indexOf('id="reserve"'));
      expect(reserveTable.indexOf(`/manager/applications/${earlier}"`)).to.be.lessThan(reserveTable.indexOf(`/manager/applications/${later}"`));
      expect(reserveTable).to.include("Does not fit yet").and.not.include("next to approve");

      const cancelled = await postForm(manager, `/manager/applications/${x}`, `/manager/applications/${x}/cancel`, { cancelReason: "Company withdrew" });
      expect(cancelled.status).to.equal(303);
      const reference = defined(await db("applications").where({ id: earlier }).first("reference")).reference ?? `Application ${earlier}`;
      expect((await manager.get(defined(cancelled.headers.location))).text).to.include(`${reference} (Amager Nutrition ApS), the earliest application on the reserve list that fits, can now be approved`);
      callPage = (await manager.get(`/manager/calls/${callId}`)).text;
      const row = (id: number) => callPage.slice(callPage.indexOf(`/manager/applications/${id}"`)).split("</tr>")[0];
      expect(row(earlier)).to.include("the earliest that fits, next to approve");
      expect(row(later)).to.include("an earlier application comes first");

      // The later one's page asks for a reason; without it the approval is refused and nothing changes.
      const page = (await manager.get(`/manager/applications/${later}`)).text;
      expect(page).to.include('id="skip-notice"').and.include('name="skipReason"');
      expect((await manager.get(`/manager/applications/${earlier}`)).text).to.not.include('name="skipReason"');
      const refused = await postForm(manager, `/manager/applications/${later}`, `/manager/applications/${later}/approve`, { amount: "500.00", skipReason: "  " });
      expect(refused.status).to.equal(422);
      expect(refused.text).to.include(`${reference}`).and.include("is earlier on the reserve list of this call and fits the budget now (R4)")
        .and.include("Give the reason for approving this application ahead of the earlier one on the reserve list.");
      expect(refused.text).to.include('value="500.00"');
      expect(await state(later)).to.equal("reserve-listed");
      expect(await db("ledger_entries").where({ application_id: later }).first()).to.equal(undefined);
      expect(await db("decision_records").where({ application_id: later, action: "approve" }).first()).to.equal(undefined);

      const reason = "The Meet & Greet takes place in three weeks; the Insight can wait for the next release.";
      const approved = await postForm(manager, `/manager/applications/${later}`, `/manager/applications/${later}/approve`, { amount: "500.00", skipReason: reason });
      expect(approved.status, approved.text).to.equal(303);
      expect(await state(later)).to.equal("approved");
      const record = defined(await db("decision_records").where({ application_id: later, action: "approve" }).first(), "record");
      expect(record.skip_reason).to.equal(reason);
      expect(Number(record.skipped_application_id)).to.equal(earlier);
      const event = defined(await db("audit_events").where({ action: "application.approve", entity_id: String(later) }).first(), "event");
      expect(JSON.parse(defined(event.after_json))).to.include({ skipReason: reason, skippedApplicationId: earlier });
      expect((await manager.get(`/manager/applications/${later}`)).text).to.include(`Approved ahead of ${reference}`).and.include("the Insight can wait");
      expect((await verifyLedgerTotals(db, callId)).every((c) => c.ok)).to.equal(true);

      // The earliest that fits needs no reason. With 350,000 left it no longer fits: approving it is refused by the budget.
      const noRoom = await postForm(manager, `/manager/applications/${earlier}`, `/manager/applications/${earlier}/approve`, {});
      expect(noRoom.status).to.equal(409);
      expect(noRoom.text).to.include("does not fit in the budget");
    });

    it("prices reserve-listed applications at the amounts their call opened with, as approval does, not at the scheme's amounts of today (R4, R14)", async () => {
      const callId = await seedCall(db, clock.now, { totalCents: 800_000 });
      const x = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN", submittedAt: "2027-02-09T10:00:00.000Z" });
      const y = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "IN", submittedAt: "2027-02-10T10:00:00.000Z" });
      const waiting = await insertSubmitted(db, { email: "amager@demo.test", callId, type: "IN", submittedAt: "2027-02-11T10:00:00.000Z" });
      for (const id of [x, y]) expect((await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, {})).status).to.equal(303);
      expect((await postForm(manager, `/manager/applications/${waiting}`, `/manager/applications/${waiting}/reserve`, {})).status).to.equal(303);
      // After the call opened, the administrator raises Insight for calls to come.
      await db("voucher_types").where({ code: "IN" }).update({ max_cents: 450_000 });
      expect((await postForm(manager, `/manager/applications/${x}`, `/manager/applications/${x}/cancel`, { cancelReason: "Company withdrew" })).status).to.equal(303);
      // EUR 4,000 released: the waiting Insight commits the call's EUR 4,000, so it fits and is offered.
      const callPage = (await manager.get(`/manager/calls/${callId}`)).text;
      const row = callPage.slice(callPage.indexOf(`/manager/applications/${waiting}"`)).split("</tr>")[0];
      expect(row).to.include("4,000.00").and.include("the earliest that fits, next to approve");
      expect((await postForm(manager, `/manager/applications/${waiting}`, `/manager/applications/${waiting}/approve`, {})).status).to.equal(303);
      expect(Number(defined(await db("applications").where({ id: waiting }).first("approved_cents")).approved_cents)).to.equal(400_000);
    });

    it("stores the eligibility findings with each decision and shows them on the decision record, unchanged by later changes to the company", async () => {
      const callId = await seedCall(db, clock.now, { totalCents: 10_000_000 });
      const approved = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "IN" });
      const rejected = await insertSubmitted(db, { email: "amager@demo.test", callId, type: "IN" });
      const reserved = await insertSubmitted(db, { email: "hillerod@demo.test", callId, type: "IN" });
      expect((await postForm(manager, `/manager/applications/${approved}`, `/manager/applications/${approved}/approve`, {})).status).to.equal(303);
      expect((await postForm(manager, `/manager/applications/${rejected}`, `/manager/applications/${rejected}/reject`, { reason: "Not innovative" })).status).to.equal(303);
      expect((await postForm(manager, `/manager/applications/${reserved}`, `/manager/applications/${reserved}/reserve`, {})).status).to.equal(303);

      for (const [id, action] of [[approved, "approve"], [rejected, "reject"], [reserved, "reserve"]] as const) {
        const record = defined(await db("decision_records").where({ application_id: id }).first(), "record");
        expect(record.action).to.equal(action);
        const findings = JSON.parse(record.findings_json) as { rule: string; status: string; message: string }[];
        expect(findings.map((f) => f.rule)).to.include.members(["R6", "R7", "R8", "R9", "R10", "R11"]);
        const event = defined(await db("audit_events").where({ action: `application.${action}`, entity_id: String(id) }).first(), "event");
        expect((JSON.parse(defined(event.after_json)) as { findings: unknown }).findings).to.deep.equal(findings);
      }
      const atDecision = defined((JSON.parse(defined(await db("decision_records").where({ application_id: approved }).first()).findings_json) as { rule: string; status: string; message: string }[]).find((f) => f.rule === "R6"), "R6 finding");
      expect(atDecision.status).to.equal("pass");

      // The company later grows beyond an SME: today's check fails, the record keeps what the manager saw.
      const companyId = defined(await db("applications").where({ id: approved }).first("company_id")).company_id;
      await db("companies").where({ id: companyId }).update({ staff_headcount: 400 });
      const page = (await manager.get(`/manager/applications/${approved}`)).text;
      const record = page.slice(page.indexOf("<h2>Decision record</h2>"), page.indexOf("<h2>Submitted version</h2>"));
      expect(record).to.include("Approved on").and.include("by Lars Kjærgaard").and.include("Eligibility findings at the moment of the decision");
      expect(record).to.include(escapeHtml(atDecision.message));
      expect(record).to.not.include("Not an SME");
      expect(page.slice(page.indexOf("<h2>Eligibility now"))).to.include("Not an SME");
      expect((await manager.get(`/manager/applications/${rejected}`)).text).to.include("Rejected on").and.include("Not innovative");
    });
  });
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;").replace(/=/g, "&#x3D;").replace(/`/g, "&#x60;");
}
