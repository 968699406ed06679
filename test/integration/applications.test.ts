import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { ConflictError, RuleViolationError, ValidationError } from "../../server/errors";
import type { DraftInput } from "../../server/services/applications/checks";
import { createDraft, updateDraft } from "../../server/services/applications/drafts";
import { applicationDetail, checkAnswers, listCompanyApplications, listOpenCalls } from "../../server/services/applications/queries";
import { sendDeadlineReminders } from "../../server/services/applications/reminders";
import { acceptAward, submitApplication, withdrawApplication } from "../../server/services/applications/submission";
import { submitClaim } from "../../server/services/claims/claims";
import { rejectClaim } from "../../server/services/claims/verification";
import { approve, cancel, requestInfo } from "../../server/services/review/decisions";
import type { ServiceContext } from "../../server/services/platform/context";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";
import { declareDeMinimis, insertCall, registerSme } from "../support/journey";
import { refusal } from "../support/rejects";


const regionId = async (db: Db, code: string) => Number(defined(await db("regions").where({ code }).first("id")).id);

const DECL = { truthful: true, smeStatus: true, deMinimisComplete: true, noDoubleFunding: true };


for (const engine of testDatabases()) {
  describe(`applicant services (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let ctx: ServiceContext;
    let managerCtx: ServiceContext;
    let callId: number;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));
    let input: DraftInput;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      // The e-mails are read in English here; a Danish company's would otherwise be Danish.
      await db("users").where({ email: "sme@demo.test" }).update({ language: "en" });
      ctx = testContext(db, await actorByEmail(db, "sme@demo.test"), clock.now);
      managerCtx = testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now);
      callId = await insertCall(db, { opensAt: "2027-02-01T08:00:00.000Z", closesAt: "2027-04-01T10:00:00.000Z", title: "Integration call" });
      input = {
        title: "Expert on enzyme IPR", description: "Contract an IPR expert", objectives: "Freedom to operate", expectedResult: "A report",
        counterpartOrgId: null, counterpartName: "Rhein IP GmbH", counterpartCountry: "DE", counterpartRegionId: await regionId(db, "RL"),
        counterpartKind: "expert", activityStart: "2027-05-01", activityEnd: "2027-06-30", costTravelCents: null, costAccommodationCents: null, costOtherCents: null,
      };
    });
    after(() => db.destroy());

    it("the open-calls list shows the remaining budget as ceiling minus (committed minus released)", async () => {
      await db("budget_ceilings").where({ call_id: callId, key: "total" }).update({ committed_cents: 1_100_000, released_cents: 400_000 });
      const { calls } = await listOpenCalls(ctx);
      const call = calls.find((c) => c.id === callId)!;
      expect(call.types.map((t) => t.remainingCents)).to.deep.equal([9_300_000, 9_300_000, 9_300_000]);
      // A type ceiling and the applicant's partner ceiling limit it further.
      const dkPartner = defined(await db("partners").where({ region_id: await regionId(db, "DK") }).first("id"), "dkPartner");
      await db("budget_ceilings").insert([
        { call_id: callId, key: "type:MG", label: "Meet & Greet", ceiling_cents: 1_000_000, committed_cents: 200_000, released_cents: 0 },
        { call_id: callId, key: `partner:${dkPartner.id}`, label: "Denmark", ceiling_cents: 5_000_000, committed_cents: 0, released_cents: 0 },
      ]);
      const limited = (await listOpenCalls(ctx)).calls.find((c) => c.id === callId)!;
      expect(limited.types.map((t) => [t.code, t.remainingCents])).to.deep.equal([["MG", 800_000], ["IN", 5_000_000], ["CO", 5_000_000]]);
      await db("budget_ceilings").where({ call_id: callId }).whereNot({ key: "total" }).delete();
      clock.set("2027-04-01T10:00:00Z");
      expect((await listOpenCalls(ctx)).calls.find((c) => c.id === callId)).to.equal(undefined);
      clock.set("2027-03-01T10:00:00Z");
    });

    it("resubmits after more information is requested, with a new frozen version; no edits once submitted", async () => {
      const id = await createDraft(ctx, callId, "IN", input);
      await submitApplication(ctx, id, DECL);
      const err = await refusal(updateDraft(ctx, id, { ...input, title: "Changed" }));
      expect(err).to.be.instanceOf(ConflictError);
      await requestInfo(managerCtx, id, "Please attach the expert's quote.");
      await updateDraft(ctx, id, { ...input, title: "Expert on enzyme IPR (with quote)" });
      await submitApplication(ctx, id, DECL);
      const row = defined(await db("applications").where({ id }).first(), "row");
      expect(row.state).to.equal("submitted");
      expect((JSON.parse(defined(row.submission_json)) as { title: string }).title).to.equal("Expert on enzyme IPR (with quote)");
      expect(Number(row.requested_cents)).to.equal(400_000);
      const again = await refusal(submitApplication(ctx, id, DECL));
      expect(again).to.be.instanceOf(ConflictError);
      expect(again.message).to.include("already been submitted");
      const detail = await applicationDetail(ctx, id);
      expect(detail.timeline.map((t) => t.action)).to.include.members(["application.draft-created", "application.submit", "application.resubmit"]);
      const list = await listCompanyApplications(ctx);
      expect(list.find((a) => a.id === id)!.nextStep).to.equal("submitted");
      await withdrawApplication(ctx, id);
      expect(defined(await db("applications").where({ id }).first()).state).to.equal("withdrawn");
    });

    it("an answer to a request for more information is sent after the call has closed and keeps the first submission's moment (R3, R4)", async () => {
      const id = await createDraft(ctx, callId, "IN", { ...input, title: "Answered after the closing" });
      await submitApplication(ctx, id, DECL);
      const first = defined(await db("applications").where({ id }).first("submitted_at")).submitted_at;
      try {
        // The call closed on 1 April 2027 at 10:00 UTC; the manager asks the next day.
        clock.set("2027-04-02T09:00:00Z");
        await requestInfo(managerCtx, id, "Please attach the expert's quote.");
        clock.set("2027-04-03T09:00:00Z");
        await updateDraft(ctx, id, { ...input, title: "Answered after the closing (with quote)" });
        await submitApplication(ctx, id, DECL);
        const row = defined(await db("applications").where({ id }).first(), "row");
        expect(row.state).to.equal("submitted");
        expect(row.submitted_at).to.equal(first);
        const r3 = (JSON.parse(defined(row.eligibility_json)) as { rule: string; status: string; message: string }[]).find((f) => f.rule === "R3");
        expect(r3).to.include({ status: "pass" });
        expect(r3?.message).to.include("first submitted on").and.include("request for more information");
      } finally {
        clock.set("2027-03-01T10:00:00Z");
        await withdrawApplication(ctx, id);
      }
    });

    it("two submissions at the same moment: one succeeds, the other is refused and changes nothing", async () => {
      const id = await createDraft(ctx, callId, "MG", { ...input, costTravelCents: 20_000, activityStart: "2027-05-01" });
      const results = await Promise.allSettled([submitApplication(ctx, id, DECL), submitApplication(ctx, id, DECL)]);
      expect(results.map((r) => r.status).sort()).to.deep.equal(["fulfilled", "rejected"]);
      const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(failed.reason).to.be.instanceOf(ConflictError);
      expect(await db("audit_events").where({ action: "application.submit", entity_id: String(id) }).count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(1);
      expect(await db("emails").where({ template: "submission-received" }).whereRaw("body_text like ?", [`%/applications/${id}%`]).count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(1);
      await withdrawApplication(ctx, id);
    });

    it("sends the 14-day and 3-day completion-deadline reminders once each", async () => {
      const id = await createDraft(ctx, callId, "IN", input);
      await submitApplication(ctx, id, DECL);
      await db("applications").where({ id }).update({
        state: "accepted", approved_cents: 400_000, approved_on: "2027-03-02", completion_deadline: "2027-03-20", claim_deadline: "2027-04-19",
        version: db.raw("version + 1"),
      });
      const count = () => db("emails").where({ template: "deadline-reminder" }).whereRaw("body_text like ?", [`%/applications/${id}%`]).count({ n: "*" }).then((r) => Number(defined(r[0]).n));
      clock.set("2027-03-05T06:00:00Z"); // 15 days before
      await sendDeadlineReminders(ctx);
      expect(await count()).to.equal(0);
      clock.set("2027-03-06T06:00:00Z"); // 14 days before
      await sendDeadlineReminders(ctx);
      await sendDeadlineReminders(ctx);
      expect(await count()).to.equal(1);
      const mail = defined(await db("emails").where({ template: "deadline-reminder" }).orderBy("id", "desc").first(), "mail");
      expect(mail.subject).to.include("14 days left");
      // Dates written out, as in every message; an ISO date reads like a code.
      expect(mail.body_text).to.include("is 20 March 2027, in 14 days").and.include("at the latest by the claim deadline, 19 April 2027").and.not.match(/\d{4}-\d{2}-\d{2}/);
      clock.set("2027-03-18T06:00:00Z"); // 2 days before: the missed 3-day reminder is caught up
      await sendDeadlineReminders(ctx);
      await sendDeadlineReminders(ctx);
      expect(await count()).to.equal(2);
      expect(defined(await db("emails").where({ template: "deadline-reminder" }).orderBy("id", "desc").first()).body_text).to.include("in 2 days");
      clock.set("2027-03-01T10:00:00Z");
      await db("applications").where({ id }).update({ state: "withdrawn" });
    });

    it("check-your-answers previews the certain failures without changing anything", async () => {
      const id = await createDraft(ctx, callId, "CO", { ...input, counterpartRegionId: await regionId(db, "DK") });
      const check = await checkAnswers(ctx, id);
      expect(check.blocking.map((f) => f.rule)).to.deep.equal(["R8"]);
      const err = await refusal(submitApplication(ctx, id, DECL));
      expect(err).to.be.instanceOf(RuleViolationError);
      expect((err as RuleViolationError).rule).to.equal("R8");
      expect(defined(await db("applications").where({ id }).first()).state).to.equal("draft");
    });

    it("counts the company's earlier awards against the de minimis ceiling (R9)", async () => {
      // A company of its own: declarations are never taken back, and the other tests apply as Nordic Enzyme Labs.
      const { email } = await registerSme(db, { at: "2027-01-01T00:00:00.000Z" });
      await declareDeMinimis(db, email, [{ grantingBody: "Region", grantedOn: "2026-01-10", amountCents: 29_500_000 }], "2027-01-01T00:00:00.000Z");
      const declared = testContext(db, await actorByEmail(db, email), clock.now);
      const id = await createDraft(declared, callId, "CO", input);
      const err = await refusal(submitApplication(declared, id, DECL));
      expect(err).to.be.instanceOf(RuleViolationError);
      expect(err.message).to.include("above the ceiling of EUR 300,000.00");
    });

    it("R10: an approved voucher that the SME has not accepted yet already counts as open; once cancelled it no longer does", async () => {
      const other = testContext(db, await actorByEmail(db, "oresund@demo.test"), clock.now);
      const first = await createDraft(other, callId, "IN", input);
      await submitApplication(other, first, DECL);
      await (await approve(managerCtx, first, {})).letterWritten;
      const next = await createDraft(other, callId, "MG", { ...input, costTravelCents: 10_000, activityStart: "2027-07-10", activityEnd: "2027-07-11" });
      const err = await refusal(submitApplication(other, next, DECL));
      expect(err).to.be.instanceOf(RuleViolationError);
      expect(err.message).to.include("claim is still open");
      expect(defined(await db("applications").where({ id: next }).first()).state).to.equal("draft");
      await cancel(managerCtx, first, "The company called off the activity.");
      await submitApplication(other, next, DECL);
      expect(defined(await db("applications").where({ id: next }).first()).state).to.equal("submitted");
    });

    it("a rejected claim can be submitted again as a new claim", async () => {
      const other = testContext(db, await actorByEmail(db, "amager@demo.test"), clock.now);
      const id = await createDraft(other, callId, "IN", input);
      await submitApplication(other, id, DECL);
      await (await approve(managerCtx, id, {})).letterWritten;
      clock.set("2027-03-03T09:00:00Z");
      await acceptAward(other, id);
      clock.set("2027-07-01T09:00:00Z");
      const lines = [{ incurredOn: "2027-05-02", description: "Expert fee", currency: "EUR", amount: "4.000,00" }];
      const noReport = await refusal(submitClaim(other, id, { report: "", organisationsMet: "", resultContacts: "", resultProduct: "", followUp: "", lines }, []));
      expect(noReport).to.be.instanceOf(ValidationError);
      const claimId = await submitClaim(other, id, { report: "Report attached", organisationsMet: "", resultContacts: "", resultProduct: "", followUp: "", lines }, []);
      await rejectClaim(managerCtx, claimId, "Report missing");
      await submitClaim(other, id, { report: "Full report", organisationsMet: "", resultContacts: "", resultProduct: "", followUp: "", lines }, []);
      expect(await db("claims").where({ application_id: id }).count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(2);
      expect(defined(await db("applications").where({ id }).first()).state).to.equal("claim-submitted");
      // R10: while that claim is open, a new application of the company is refused.
      clock.set("2027-03-20T09:00:00Z");
      const next = await createDraft(other, callId, "MG", { ...input, costTravelCents: 10_000, activityStart: "2027-07-10", activityEnd: "2027-07-11" });
      const err = await refusal(submitApplication(other, next, DECL));
      expect(err.message).to.include("claim is still open");
      clock.set("2027-03-01T10:00:00Z");
    });
  });
}
