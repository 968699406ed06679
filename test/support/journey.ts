import type { Db } from "../../server/db/connection";
import type { Cents } from "../../server/domain/money";
import { closeCall, createCall, openCall } from "../../server/services/calls/calls";
import { parseInstant } from "../../server/domain/time";
import { createDraft } from "../../server/services/applications/drafts";
import { acceptAward, submitApplication } from "../../server/services/applications/submission";
import type { DraftInput } from "../../server/services/applications/checks";
import { submitClaim } from "../../server/services/claims/claims";
import { verifyClaim } from "../../server/services/claims/verification";
import { approve } from "../../server/services/review/decisions";
import { inTransaction, insertedId } from "../../server/services/platform/context";
import { insertCompany, type DeMinimisInput } from "../../server/services/people/companies";
import { currentCompanyFacts } from "../../server/services/people/company-queries";
import { updateCompanyProfile } from "../../server/services/people/registration";
import { insertUser } from "../../server/services/people/users";
import type { Express } from "express";
import { type Agent, buildApp, signIn } from "./app";
import { actorByEmail, seedDemoData } from "./fixtures";
import { TestClock, testContext, type TestDatabase } from "./db";
import { defined } from "./defined";

/** A fresh database with the demo accounts and the app on a movable clock (by default 1 March 2027). */
export async function startManagerWorld(engine: TestDatabase, at = "2027-03-01T10:00:00.000Z"): Promise<{ db: Db; clock: TestClock; app: Express }> {
  const db = await engine.create();
  const clock = new TestClock(new Date(at));
  await seedDemoData(db, clock.now);
  return { db, clock, app: buildApp(db, { clock: clock.now }) };
}

export interface ManagerSession { db: Db; clock: TestClock; app: Express; manager: Agent }

/**
 * For the calling describe: a fresh manager world with the demo manager signed in before each
 * test, closed after it. The returned object holds the running test's world.
 */
export function eachManagerSession(engine: TestDatabase): ManagerSession {
  const session = {} as ManagerSession;
  beforeEach(async () => {
    Object.assign(session, await startManagerWorld(engine));
    session.manager = await signIn(session.app, "manager@demo.test");
  });
  afterEach(() => session.db.destroy());
  return session;
}

/** The same world on the given day, with the demo finance officer signed in. */
export async function startFinanceWorld(engine: TestDatabase, at: string): Promise<{ db: Db; clock: TestClock; app: Express; finance: Agent }> {
  const world = await startManagerWorld(engine, at);
  return { ...world, finance: await signIn(world.app, "finance@demo.test") };
}

/*
 * Test data for the manager journey, built through the services as the applicant and the
 * manager would build it: a call, submitted applications, claims.
 */
export async function seedCall(db: Db, now: () => Date, opts: { totalCents: Cents; perTypeCents?: Record<string, Cents>; open?: boolean } = { totalCents: 10_000_000 }) {
  const ctx = testContext(db, await actorByEmail(db, "manager@demo.test"), now);
  const types = await db("voucher_types").select("id", "code", "completion_days");
  const perTypeCents: Record<number, Cents> = {};
  for (const [code, c] of Object.entries(opts.perTypeCents ?? {})) perTypeCents[Number(defined(types.find((t) => t.code === code)).id)] = c;
  const id = await createCall(ctx, {
    title: "Spring call 2027", description: "Test call", opensLocal: "2027-02-01T09:00", closesLocal: "2027-02-28T17:00",
    types: types.map((t) => ({ voucherTypeId: Number(t.id), completionDays: Number(t.completion_days) })),
    totalCents: opts.totalCents, perTypeCents, perPartnerCents: {},
  });
  if (opts.open !== false) {
    // Open while the opening period runs, as a manager would.
    const openCtx = testContext(db, ctx.actor, () => new Date("2027-02-02T10:00:00Z"));
    await openCall(openCtx, id);
  }
  return id;
}

/**
 * An application as its applicant would have drafted and submitted it, through the applications
 * service (so the stored submission, eligibility findings, reference, audit and e-mail are the
 * real ones): the draft an hour before `submittedAt`, the submission at `submittedAt`.
 */
export async function insertSubmitted(db: Db, opts: ApplicationOptions): Promise<number> {
  const submittedAt = new Date(opts.submittedAt ?? "2027-02-10T10:00:00.000Z");
  const id = await insertDraft(db, { ...opts, submittedAt: new Date(submittedAt.getTime() - 3_600_000).toISOString() });
  await submitApplication(testContext(db, await actorByEmail(db, opts.email), () => submittedAt), id, DECLARATIONS);
  return id;
}

export interface ApplicationOptions {
  email: string; callId: number; type: "MG" | "IN" | "CO"; requestedCents?: Cents; activityStart?: string; submittedAt?: string;
  counterpartRegion?: string; counterpartName?: string; title?: string;
}

/** A draft through the applications service, saved at `submittedAt` (never submitted). */
export async function insertDraft(db: Db, opts: ApplicationOptions): Promise<number> {
  const actor = await actorByEmail(db, opts.email);
  const vt = defined(await db("voucher_types").where({ code: opts.type }).first(), opts.type);
  const region = defined(await db("regions").where({ code: opts.counterpartRegion ?? "BW" }).first(), "counterpart region");
  const costs = vt.amount_rule === "capped" ? opts.requestedCents ?? Number(vt.max_cents) : null;
  const input: DraftInput = {
    title: opts.title ?? `${vt.name} trip of ${actor.name}`, description: "Meet the partners", objectives: "Find partners", expectedResult: "A collaboration",
    counterpartOrgId: null, counterpartName: opts.counterpartName ?? "Tübingen BioLab", counterpartCountry: region.country, counterpartRegionId: Number(region.id),
    counterpartKind: "knowledge-institution", activityStart: opts.activityStart ?? "2027-04-10", activityEnd: opts.activityStart ?? "2027-04-12",
    costTravelCents: costs, costAccommodationCents: null, costOtherCents: null,
  };
  const createdAt = new Date(opts.submittedAt ?? "2027-02-10T09:00:00.000Z");
  return createDraft(testContext(db, actor, () => createdAt), opts.callId, opts.type, input);
}

const DECLARATIONS = { truthful: true, smeStatus: true, deMinimisComplete: true, noDoubleFunding: true };

/**
 * A submitted application written straight into the table, for volume tests only (the review
 * queue at size): it allows what the services refuse, many applications of one type by one
 * company in one call (R10). Everything else goes through insertSubmitted.
 */
export async function insertSubmittedRow(db: Db, opts: ApplicationOptions): Promise<number> {
  const user = defined(await db("users").where({ email: opts.email }).first(), "user");
  const company = defined(await db("companies").where({ id: defined(user.company_id) }).first(), "company");
  const partner = defined(await db("partners").where({ region_id: defined(company.region_id) }).first(), "partner");
  const vt = defined(await db("voucher_types").where({ code: opts.type }).first(), "voucher type");
  const region = defined(await db("regions").where({ code: opts.counterpartRegion ?? "BW" }).first(), "region");
  const requested = opts.requestedCents ?? Number(vt.max_cents);
  const row = {
    call_id: opts.callId, company_id: company.id, voucher_type_id: vt.id, partner_id: partner.id, state: "submitted",
    title: `${vt.name} trip of ${company.legal_name}`, description: "Meet the partners", objectives: "Find partners", expected_result: "A collaboration",
    counterpart_name: "Tübingen BioLab", counterpart_country: region.country, counterpart_region_id: region.id, counterpart_kind: "knowledge-institution",
    activity_start: opts.activityStart ?? "2027-04-10", activity_end: opts.activityStart ?? "2027-04-12",
    cost_travel_cents: requested, requested_cents: requested,
    submission_json: JSON.stringify({ title: `${vt.name} trip`, counterpart: "Tübingen BioLab", requested }),
    submitted_at: opts.submittedAt ?? "2027-02-10T10:00:00.000Z", created_by: user.id,
    created_at: "2027-02-10T09:00:00.000Z", updated_at: "2027-02-10T10:00:00.000Z",
  };
  return insertedId((await db("applications").insert(row).returning("id"))[0]);
}

/**
 * When each step of a voucher's journey happens. The default follows the spring 2027 call of
 * seedCall; a test on another day passes its own.
 */
export interface Timeline { submittedAt: string; approvedAt: string; activityStart: string; acceptedAt: string; claimedAt: string; verifiedAt: string }

export const SPRING_2027: Timeline = {
  submittedAt: "2027-02-10T10:00:00.000Z", approvedAt: "2027-03-01T10:00:00.000Z", activityStart: "2027-04-10",
  acceptedAt: "2027-03-02T10:00:00.000Z", claimedAt: "2027-05-01T10:00:00.000Z", verifiedAt: "2027-05-10T10:00:00.000Z",
};

/**
 * A submitted application (insertSubmitted) approved by the manager through the review service,
 * which commits the budget and issues the award letter; returns its id and letter reference.
 */
export async function insertApproved(db: Db, opts: ApplicationOptions & { approvedAt?: string; approverEmail?: string }): Promise<{ applicationId: number; reference: string }> {
  const applicationId = await insertSubmitted(db, opts);
  const approver = await actorByEmail(db, opts.approverEmail ?? "manager@demo.test");
  const approved = await approve(testContext(db, approver, () => new Date(opts.approvedAt ?? SPRING_2027.approvedAt)), applicationId, {});
  return { applicationId, reference: approved.letterReference };
}

export interface CostLineOptions {
  incurredOn: string; currency: string; originalMinor: number; description?: string;
  /** The verifier's reason for finding the line not eligible (insertVerifiedClaim); eligible without one. */
  ineligibleReason?: string;
}

/**
 * The applicant accepts an approved voucher (by default 2 March 2027) and claims it (by default
 * 1 May 2027) through the claims service, with the given cost lines in their currency; returns the
 * claim's id.
 */
export async function insertClaim(db: Db, applicationId: number, lines: CostLineOptions[], at: Pick<Timeline, "acceptedAt" | "claimedAt"> = SPRING_2027): Promise<number> {
  const app = defined(await db("applications").where({ id: applicationId }).first(), "application");
  const user = defined(await db("users").where({ company_id: app.company_id, role: "applicant" }).orderBy("id").first("email"), "applicant");
  const actor = await actorByEmail(db, user.email);
  await acceptAward(testContext(db, actor, () => new Date(at.acceptedAt)), applicationId);
  return submitClaim(testContext(db, actor, () => new Date(at.claimedAt)), applicationId, {
    report: "We met three institutes.", organisationsMet: "", resultContacts: "", resultProduct: "", followUp: "",
    lines: lines.map((l) => ({ incurredOn: l.incurredOn, description: l.description ?? "Train ticket", currency: l.currency, amount: (l.originalMinor / 100).toFixed(2) })),
  }, []);
}

export interface VerifiedClaimOptions {
  email: string; callId: number; type: "MG" | "IN" | "CO"; requestedCents?: Cents;
  /** The one euro cost line claimed; by default the approved amount. */
  payableCents?: Cents;
  /** Cost lines claimed instead of the one euro line. */
  lines?: CostLineOptions[];
  verifierEmail?: string;
  timeline?: Partial<Timeline>;
}

/**
 * A verified claim as the scheme produces it: the applicant submits, the manager approves, the
 * applicant accepts and claims (one euro cost line of `payableCents`, or `lines`) and the verifier
 * (the manager unless `verifierEmail`) finds every line eligible, each step on its day of the
 * timeline (SPRING_2027 unless given). The application ends in claim-verified with its commitment
 * booked.
 */
export async function insertVerifiedClaim(db: Db, opts: VerifiedClaimOptions): Promise<{ applicationId: number; claimId: number; reference: string }> {
  const t = { ...SPRING_2027, ...opts.timeline };
  const { applicationId, reference } = await insertApproved(db, {
    email: opts.email, callId: opts.callId, type: opts.type, requestedCents: opts.requestedCents,
    submittedAt: t.submittedAt, activityStart: t.activityStart, approvedAt: t.approvedAt,
  });
  const approved = defined(await db("applications").where({ id: applicationId }).first(), "application");
  const lines = opts.lines ?? [{ incurredOn: t.activityStart, currency: "EUR", originalMinor: opts.payableCents ?? Number(approved.approved_cents) }];
  const claimId = await insertClaim(db, applicationId, lines, t);
  const lineIds = await db("claim_cost_lines").where({ claim_id: claimId }).orderBy("id").select("id");
  const verifier = await actorByEmail(db, opts.verifierEmail ?? "manager@demo.test");
  await verifyClaim(testContext(db, verifier, () => new Date(t.verifiedAt)), claimId, lineIds.map((l, i) => {
    const reason = lines[i]?.ineligibleReason;
    return { id: Number(l.id), eligible: !reason, reason: reason ?? "" };
  }));
  return { applicationId, claimId, reference };
}

let smeCount = 0;

/**
 * A new SME with its applicant (e-mail confirmed), written by the company and user services as
 * the demo data is: a company in the given region (by default the Capital Region of Denmark),
 * for tests that need more vouchers than R10 allows one company. Returns the applicant's e-mail.
 */
export async function registerSme(db: Db, opts: {
  region?: string; legalName?: string; iban?: string; accountHolder?: string; euroAccountConfirmed?: boolean; at?: string;
} = {}): Promise<{ email: string; companyId: number }> {
  const n = ++smeCount;
  const ctx = testContext(db, null, () => new Date(opts.at ?? "2026-01-01T10:00:00.000Z"));
  const region = defined(await db("regions").where({ code: opts.region ?? "DK" }).first("id", "country"), "region");
  const sector = defined(await db("sectors").orderBy("id").first("id"), "sector");
  const legalName = opts.legalName ?? `Test Biotech ${n} ApS`;
  const email = `sme${n}@test.example`;
  const companyId = await inTransaction(ctx, async (trx) => {
    const id = await insertCompany(trx, ctx, {
      legalName, vatNumber: `${region.country}${String(10_000_000 + n)}`, address: "Science Park 1", country: region.country,
      regionId: region.id, sectorId: sector.id, staffHeadcount: 10, turnoverCents: 100_000_000, balanceSheetCents: 50_000_000,
      iban: opts.iban ?? "DE89370400440532013000", accountHolder: opts.accountHolder ?? legalName, euroAccountConfirmed: opts.euroAccountConfirmed ?? true,
      relations: [], deMinimis: [],
    });
    await insertUser(trx, ctx, { email, name: `Applicant ${n}`, password: "a-long-test-password", role: "applicant", companyId: id, emailConfirmed: true });
    return id;
  });
  return { email, companyId };
}

/**
 * The applicant declares earlier de minimis aid on the company profile (a new version of the
 * company's facts, through the registration service), on the given day.
 */
export async function declareDeMinimis(db: Db, email: string, aid: DeMinimisInput[], at: string): Promise<void> {
  const actor = await actorByEmail(db, email);
  const facts = await currentCompanyFacts(db, defined(actor.companyId, "company"));
  await updateCompanyProfile(testContext(db, actor, () => new Date(at)), { ...facts, deMinimis: aid });
}

/**
 * A call created by the manager through the calls service with the given moments (UTC instants)
 * and opened at its opening moment; `status: "closed"` closes it by hand afterwards, `"draft"`
 * leaves it unopened.
 */
export async function insertCall(db: Db, opts: { opensAt: string; closesAt: string; status?: "draft" | "open" | "closed"; types?: string[]; totalCents?: Cents; title?: string }): Promise<number> {
  const manager = await actorByEmail(db, "manager@demo.test");
  const ctx = testContext(db, manager, () => new Date("2027-01-01T00:00:00.000Z"));
  const local = (instant: string) => parseInstant(instant).setZone(ctx.config.timeZone).toFormat("yyyy-MM-dd'T'HH:mm");
  const types = await db("voucher_types").whereIn("code", opts.types ?? ["MG", "IN", "CO"]).select("id", "completion_days");
  const id = await createCall(ctx, {
    title: opts.title ?? "Spring call 2027", description: "Vouchers for cross-regional life-science cooperation.",
    opensLocal: local(opts.opensAt), closesLocal: local(opts.closesAt),
    types: types.map((t) => ({ voucherTypeId: Number(t.id), completionDays: Number(t.completion_days) })),
    totalCents: opts.totalCents ?? 10_000_000, perTypeCents: {}, perPartnerCents: {},
  });
  if (opts.status === "draft") return id;
  await openCall(testContext(db, manager, () => new Date(opts.opensAt)), id);
  if (opts.status === "closed") await closeCall(testContext(db, manager, () => new Date(opts.opensAt)), id);
  return id;
}

/**
 * Bare submitted applications written straight into the table, for the budget ledger tests only:
 * they need many applications of one type by one company in one call, which the services refuse
 * (R10), and nothing of them but a row the ledger entries can point to.
 */
export async function insertBareApplications(db: Db, count: number, o: {
  callId: number; companyId: number; voucherTypeId: number; partnerId: number; createdBy: number; at: string;
}): Promise<number[]> {
  const rows = Array.from({ length: count }, () => ({
    call_id: o.callId, company_id: o.companyId, voucher_type_id: o.voucherTypeId, partner_id: o.partnerId,
    state: "submitted" as const, created_by: o.createdBy, created_at: o.at, updated_at: o.at,
  }));
  return (await db("applications").insert(rows).returning("id")).map(insertedId);
}
