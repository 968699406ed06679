import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { RuleViolationError } from "../../server/errors";
import { acceptAward } from "../../server/services/applications/submission";
import { readCeilings } from "../../server/services/finance/budget";
import { submitClaim, type ClaimInput } from "../../server/services/claims/claims";
import { approve } from "../../server/services/review/decisions";
import { runDailyJobs } from "../../server/services/platform/jobs";
import { updateSchemeSettings } from "../../server/services/scheme/settings";
import { DEFAULT_VOUCHER_TYPES } from "../../server/domain/scheme";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { insertSubmitted, seedCall } from "../support/journey";
import { defined } from "../support/defined";
import { refusal } from "../support/rejects";


const claim = (incurredOn = "2027-04-11"): ClaimInput => ({
  report: "We met the partners as planned.", organisationsMet: "", resultContacts: "", resultProduct: "", followUp: "",
  lines: [{ incurredOn, description: "Train", currency: "EUR", amount: "120.00" }],
});

const count = async (db: Db, table: string, where: Record<string, unknown>) =>
  Number(defined((await db(table).where(where).count({ n: "*" }))[0]).n);

for (const engine of testDatabases()) {
  describe(`claims and deadlines (R11, R12, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    beforeEach(async () => {
      clock.set("2027-03-01T10:00:00Z");
      db = await engine.create();
      await seedDemoData(db, clock.now);
      // The e-mails are read in English here; a Danish company's would otherwise be Danish.
      await db("users").where({ email: "sme@demo.test" }).update({ language: "en" });
    });
    afterEach(() => db.destroy());

    /** An accepted Meet & Greet approved on 1 March 2027, activity 10-12 April, claim deadline 29 June. */
    async function acceptedVoucher(email: string, callId: number): Promise<number> {
      const id = await insertSubmitted(db, { email, callId, type: "MG", requestedCents: 50_000 });
      await (await approve(testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now), id, {})).letterWritten;
      return id;
    }
    const accept = async (email: string, id: number) => acceptAward(testContext(db, await actorByEmail(db, email), clock.now), id);
    const claimAs = async (email: string, id: number, input = claim()) => submitClaim(testContext(db, await actorByEmail(db, email), clock.now), id, input, []);

    it("a claim opens on the activity's end date in the programme time zone; costs count from the approval day to the claim day", async () => {
      const callId = await seedCall(db, clock.now);
      const id = await acceptedVoucher("sme@demo.test", callId);
      await accept("sme@demo.test", id);

      clock.set("2027-04-11T21:30:00Z"); // 23:30 on 11 April in Copenhagen: the activity has not ended
      const early = await refusal(claimAs("sme@demo.test", id));
      expect(early).to.be.instanceOf(RuleViolationError);
      expect((early as RuleViolationError).rule).to.equal("R11");
      expect(early.message).to.include("The activity ends on 12 April 2027; a claim can be submitted from that day on until 29 June 2027");
      expect(await count(db, "claims", { application_id: id })).to.equal(0);

      clock.set("2027-04-11T22:30:00Z"); // 00:30 on 12 April in Copenhagen
      const before = await refusal(claimAs("sme@demo.test", id, claim("2027-02-28")));
      expect((before as RuleViolationError).rule).to.equal("R11");
      expect((before as RuleViolationError).fields.date_0).to.include("before the approval on 1 March 2027");
      const after = await refusal(claimAs("sme@demo.test", id, claim("2027-04-13")));
      expect((after as RuleViolationError).fields.date_0).to.include("after the day of the claim (12 April 2027)");
      expect(await count(db, "claims", { application_id: id })).to.equal(0);

      await claimAs("sme@demo.test", id, claim("2027-03-01")); // the approval day itself counts
      expect(defined(await db("applications").where({ id }).first()).state).to.equal("claim-submitted");
    });

    it("between the completion and the claim deadline a claim is accepted, with or without the daily job having run", async () => {
      const callId = await seedCall(db, clock.now);
      const withoutJob = await acceptedVoucher("sme@demo.test", callId);
      const withJob = await acceptedVoucher("oresund@demo.test", callId);
      await accept("sme@demo.test", withoutJob);
      await accept("oresund@demo.test", withJob);
      expect(defined(await db("applications").where({ id: withJob }).first()).completion_deadline).to.equal("2027-05-30");

      clock.set("2027-05-30T22:30:00Z"); // 00:30 on 31 May in Copenhagen: the day after the completion deadline
      await claimAs("sme@demo.test", withoutJob);
      expect((await runDailyJobs(testContext(db, null, clock.now))).vouchersExpired).to.equal(0);
      await claimAs("oresund@demo.test", withJob);

      clock.set("2027-06-29T21:30:00Z"); // 23:30 on the claim deadline day
      expect((await runDailyJobs(testContext(db, null, clock.now))).vouchersExpired).to.equal(0);
      for (const id of [withoutJob, withJob]) expect(defined(await db("applications").where({ id }).first()).state).to.equal("claim-submitted");
    });

    it("after the claim deadline a claim is refused, with or without the daily job having run, and the commitment is released once", async () => {
      const callId = await seedCall(db, clock.now);
      const onDeadline = await acceptedVoucher("amager@demo.test", callId);
      const withoutJob = await acceptedVoucher("sme@demo.test", callId);
      const withJob = await acceptedVoucher("oresund@demo.test", callId);
      for (const [email, id] of [["amager@demo.test", onDeadline], ["sme@demo.test", withoutJob], ["oresund@demo.test", withJob]] as const) await accept(email, id);

      clock.set("2027-06-29T21:30:00Z"); // 23:30 on the claim deadline day in Copenhagen: still in time
      await claimAs("amager@demo.test", onDeadline);

      clock.set("2027-06-29T22:30:00Z"); // 00:30 on 30 June: one day late
      const late = await refusal(claimAs("sme@demo.test", withoutJob));
      expect((late as RuleViolationError).rule).to.equal("R12");
      expect(late.message).to.equal("The claim deadline was 29 June 2027 and today is 30 June 2027; the voucher has expired and a claim can no longer be submitted.");
      expect(defined(await db("applications").where({ id: withoutJob }).first()).state).to.equal("accepted"); // the job has not run yet

      // An award not yet accepted cannot be accepted once its claim deadline has passed.
      const idle = await insertSubmitted(db, { email: "hillerod@demo.test", callId, type: "MG", requestedCents: 10_000 });
      await db("applications").where({ id: idle }).update({ state: "approved", approved_cents: 10_000, approved_on: "2027-03-01", completion_deadline: "2027-05-30", claim_deadline: "2027-06-29" });
      const acceptLate = await refusal(accept("hillerod@demo.test", idle));
      expect((acceptLate as RuleViolationError).rule).to.equal("R12");
      expect(acceptLate.message).to.include("claim deadline 29 June 2027 passed without a claim");
      expect(defined(await db("applications").where({ id: idle }).first()).state).to.equal("approved");

      const ran = await runDailyJobs(testContext(db, null, clock.now));
      expect(ran.vouchersExpired).to.equal(3);
      const lateAfterJob = await refusal(claimAs("oresund@demo.test", withJob));
      expect((lateAfterJob as RuleViolationError).rule).to.equal("R12");
      for (const id of [withoutJob, withJob]) expect(defined(await db("applications").where({ id }).first()).state).to.equal("expired");
      expect(defined(await db("applications").where({ id: onDeadline }).first()).state).to.equal("claim-submitted");
      expect(await count(db, "claims", { application_id: withoutJob })).to.equal(0);

      expect((await runDailyJobs(testContext(db, null, clock.now))).vouchersExpired).to.equal(0);
      const total = (await readCeilings(db, callId)).find((c) => c.key === "total")!;
      expect([total.committedCents, total.releasedCents]).to.deep.equal([150_000, 100_000]);
    });

    it("reminds of the claim deadline after the completion deadline, and not once the voucher has expired", async () => {
      const callId = await seedCall(db, clock.now);
      const id = await acceptedVoucher("sme@demo.test", callId);
      await accept("sme@demo.test", id);
      const reminders = () => db("emails").where({ template: "claim-deadline-reminder" }).whereRaw("body_text like ?", [`%/applications/${id}%`]);
      clock.set("2027-06-15T10:00:00Z"); // 14 days before the claim deadline
      await runDailyJobs(testContext(db, null, clock.now));
      await runDailyJobs(testContext(db, null, clock.now));
      expect((await reminders()).length).to.equal(1);
      expect(defined((await reminders())[0]).body_text).to.include("is 29 June 2027, in 14 days");
      clock.set("2027-06-30T10:00:00Z");
      await runDailyJobs(testContext(db, null, clock.now));
      expect((await reminders()).length).to.equal(1);
    });

    it("R11 per type: an Insight may start on the approval day, a Meet & Greet may not; the seeded settings say so", async () => {
      const seeded = await db("voucher_types").orderBy("max_cents").select("code", "pre_approval_required");
      expect(seeded.map((t) => [t.code, !!t.pre_approval_required])).to.deep.equal(DEFAULT_VOUCHER_TYPES.map((t) => [t.code, t.preApprovalRequired]));
      const callId = await seedCall(db, clock.now);
      const manager = testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now);
      const insight = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN", activityStart: "2027-03-01" });
      await (await approve(manager, insight, {})).letterWritten;
      expect(defined(await db("applications").where({ id: insight }).first()).state).to.equal("approved");
      const mg = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "MG", requestedCents: 40_000, activityStart: "2027-03-01" });
      const err = await refusal(approve(manager, mg, {}));
      expect((err as RuleViolationError).rule).to.equal("R11");
      expect(err.message).to.include("must be approved before the activity takes place");
    });

    it("a change of the type settings applies to calls opened afterwards; the audit log has before and after", async () => {
      const oldCall = await seedCall(db, clock.now);
      const admin = testContext(db, await actorByEmail(db, "admin@demo.test"), clock.now);
      const types = Object.fromEntries(DEFAULT_VOUCHER_TYPES.map((t) => [t.code, { ...t }]));
      types.IN = { ...defined(types.IN), preApprovalRequired: true, claimDays: 60, paymentBasis: "actual-costs-capped" };
      await updateSchemeSettings(admin, { deMinimisCeilingCents: 30_000_000, blockWhileClaimOpen: true, types });
      const event = defined(await db("audit_events").where({ action: "scheme.updated" }).orderBy("id", "desc").first(), "event");
      expect((JSON.parse(defined(event.before_json)) as { types: unknown }).types).to.deep.equal({ IN: { preApprovalRequired: false, claimDays: 30, paymentBasis: "lump-sum" } });
      expect((JSON.parse(defined(event.after_json)) as { types: unknown }).types).to.deep.equal({ IN: { preApprovalRequired: true, claimDays: 60, paymentBasis: "actual-costs-capped" } });

      const newCall = await seedCall(db, clock.now);
      const manager = testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now);
      const inOld = await insertSubmitted(db, { email: "sme@demo.test", callId: oldCall, type: "IN", activityStart: "2027-03-01" });
      await (await approve(manager, inOld, {})).letterWritten;
      expect(defined(await db("applications").where({ id: inOld }).first()).claim_deadline).to.equal("2027-09-27"); // 180 + 30 days
      const inNew = await insertSubmitted(db, { email: "oresund@demo.test", callId: newCall, type: "IN", activityStart: "2027-03-01" });
      const err = await refusal(approve(manager, inNew, {}));
      expect((err as RuleViolationError).rule).to.equal("R11");
      await db("applications").where({ id: inNew }).update({ activity_start: "2027-03-02", activity_end: "2027-03-05" });
      await (await approve(manager, inNew, {})).letterWritten;
      expect(defined(await db("applications").where({ id: inNew }).first()).claim_deadline).to.equal("2027-10-27"); // 180 + 60 days
    });
  });
}
