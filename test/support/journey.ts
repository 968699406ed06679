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
import { recordPayment } from "../../server/services/finance/payments";
import { type Actor, inTransaction, insertedId, type UserRole } from "../../server/services/platform/context";
import { type CompanyInput, insertCompany, type DeMinimisInput } from "../../server/services/people/companies";
import { currentCompanyFacts } from "../../server/services/people/company-queries";
import { updateCompanyProfile } from "../../server/services/people/registration";
import { createUser, insertUser, setUserRole } from "../../server/services/people/users";
import { isPostgres } from "../../server/db/connection";
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
 * A voucher's journey around the moment of its approval (a UTC instant, for tests whose ledger
 * dates sit on a period's edge): submitted 19 days before, accepted the next day, the activity
 * 40 days after, claimed and verified in the following month.
 */
export function timelineAround(approvedAt: string): Timeline {
  const day = (n: number) => new Date(Date.parse(approvedAt) + n * 86_400_000).toISOString();
  return { submittedAt: day(-19), approvedAt, acceptedAt: day(1), activityStart: day(40).slice(0, 10), claimedAt: day(61), verifiedAt: day(70) };
}

/**
 * A submitted application (insertSubmitted) approved by the manager through the review service,
 * which commits the budget and issues the award letter; returns its id and letter reference.
 */
export async function insertApproved(db: Db, opts: ApplicationOptions & { approvedAt?: string; approverEmail?: string }): Promise<{ applicationId: number; reference: string }> {
  const applicationId = await insertSubmitted(db, opts);
  const approver = await actorByEmail(db, opts.approverEmail ?? "manager@demo.test");
  const approved = await approve(testContext(db, approver, () => new Date(opts.approvedAt ?? SPRING_2027.approvedAt)), applicationId, {});
  await approved.letterWritten;
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
  const actor = await acceptVoucher(db, applicationId, at.acceptedAt);
  return submitClaim(testContext(db, actor, () => new Date(at.claimedAt)), applicationId, {
    report: "We met three institutes.", organisationsMet: "", resultContacts: "", resultProduct: "", followUp: "",
    lines: lines.map((l) => ({ incurredOn: l.incurredOn, description: l.description ?? "Train ticket", currency: l.currency, amount: (l.originalMinor / 100).toFixed(2) })),
  }, []);
}

/** The company's applicant accepts an approved voucher through the applications service at `at`; returns the applicant. */
export async function acceptVoucher(db: Db, applicationId: number, at: string): Promise<Actor> {
  const app = defined(await db("applications").where({ id: applicationId }).first(), "application");
  const user = defined(await db("users").where({ company_id: app.company_id, role: "applicant" }).orderBy("id").first("email"), "applicant");
  const actor = await actorByEmail(db, user.email);
  await acceptAward(testContext(db, actor, () => new Date(at)), applicationId);
  return actor;
}

export interface VerifiedClaimOptions {
  email: string; callId: number; type: "MG" | "IN" | "CO"; requestedCents?: Cents;
  /** The one euro cost line claimed; by default the approved amount. */
  payableCents?: Cents;
  /** Cost lines claimed instead of the one euro line. */
  lines?: CostLineOptions[];
  verifierEmail?: string;
  /** The manager who approves (the demo manager unless given). */
  approverEmail?: string;
  /** The counterpart's region (Baden-Württemberg unless given). */
  counterpartRegion?: string;
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
    submittedAt: t.submittedAt, activityStart: t.activityStart, approvedAt: t.approvedAt, approverEmail: opts.approverEmail,
    counterpartRegion: opts.counterpartRegion,
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
 * A call created by the manager through the calls service with the given moments (UTC instants),
 * created and opened at its opening moment; `status: "closed"` closes it by hand afterwards,
 * `"draft"` leaves it unopened.
 */
export async function insertCall(db: Db, opts: { opensAt: string; closesAt: string; status?: "draft" | "open" | "closed"; types?: string[]; totalCents?: Cents; title?: string }): Promise<number> {
  const manager = await actorByEmail(db, "manager@demo.test");
  const ctx = testContext(db, manager, () => new Date(opts.opensAt));
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

/**
 * A staff account created by the demo administrator through the user service; a manager
 * belongs to the partner of `region` (by default Denmark's).
 */
export async function createStaff(db: Db, opts: { email: string; role: Exclude<UserRole, "applicant">; name?: string; region?: string; at?: string }): Promise<Actor> {
  const ctx = testContext(db, await actorByEmail(db, "admin@demo.test"), () => new Date(opts.at ?? "2026-01-01T10:00:00.000Z"));
  await createUser(ctx, {
    email: opts.email, name: opts.name ?? `Staff ${opts.email.slice(0, opts.email.indexOf("@"))}`, password: "a-long-test-password",
    role: opts.role, partnerId: opts.role === "manager" ? await partnerOf(db, opts.region ?? "DK") : null, emailConfirmed: true,
  });
  return actorByEmail(db, opts.email);
}

/**
 * The demo administrator gives a staff member another role through the user service, as when a
 * cluster manager moves to finance: what they approved or verified before still binds them (R15).
 */
export async function changeRole(db: Db, email: string, role: Exclude<UserRole, "applicant">, opts: { region?: string; at?: string } = {}): Promise<Actor> {
  const ctx = testContext(db, await actorByEmail(db, "admin@demo.test"), () => new Date(opts.at ?? "2026-01-01T10:00:00.000Z"));
  const user = await actorByEmail(db, email);
  await setUserRole(ctx, user.id, role, role === "manager" ? await partnerOf(db, opts.region ?? "DK") : null, null);
  return actorByEmail(db, email);
}

async function partnerOf(db: Db, region: string): Promise<number> {
  const row = await db("partners").join("regions", "regions.id", "partners.region_id").where("regions.code", region).first<{ id: number } | undefined>("partners.id");
  return defined(row, `partner of ${region}`).id;
}

/**
 * The applicant changes the company's bank account on the profile (a new version of the
 * company's facts, through the registration service) on the given day; an empty IBAN removes it.
 */
export function changeBankAccount(db: Db, email: string, iban: string, at: string): Promise<void> {
  return changeCompanyProfile(db, email, { iban, euroAccountConfirmed: false }, at);
}

/** The applicant changes facts on the company profile (a new version, through the registration service) on the given day. */
export async function changeCompanyProfile(db: Db, email: string, change: Partial<Omit<CompanyInput, "deMinimis">>, at: string): Promise<void> {
  const actor = await actorByEmail(db, email);
  const facts = await currentCompanyFacts(db, defined(actor.companyId, "company"));
  await updateCompanyProfile(testContext(db, actor, () => new Date(at)), { ...facts, ...change, deMinimis: [] });
}

/** The ground the payment suites pay on: the demo accounts, a second finance officer and an open call with one total ceiling. */
export interface PaymentWorld { db: Db; manager: Actor; finance: Actor; finance2: Actor; callId: number }

/**
 * Demo accounts seeded at the start of 2026, a second finance officer, and a call open from
 * 2026 to mid-2027 (so applications can be submitted before any approval the tests date) with a
 * total ceiling of EUR 100,000.
 */
export async function startPaymentWorld(db: Db): Promise<PaymentWorld> {
  await seedDemoData(db, () => new Date("2026-01-01T00:00:00.000Z"));
  const callId = await insertCall(db, { opensAt: "2026-01-01T00:00:00.000Z", closesAt: "2027-06-30T00:00:00.000Z", title: "Call 2026", totalCents: 10_000_000 });
  return {
    db, callId,
    manager: await actorByEmail(db, "manager@demo.test"),
    finance: await actorByEmail(db, "finance@demo.test"),
    finance2: await createStaff(db, { email: "f2@t.test", role: "finance" }),
  };
}

export interface NewSmeClaimOptions {
  type?: "MG" | "IN" | "CO";
  /** For a Meet & Greet, the amount requested and approved; Insight and Collaboration award their fixed amount. */
  award?: Cents;
  /** For a Meet & Greet, the euro costs claimed (by default the award). */
  payable?: Cents;
  /** The company's region (by default Denmark), which decides the partner and its budget. */
  region?: string;
  /** The moment of approval, which is the date of the budget commitment (by default 1 March 2026). */
  approvedAt?: string;
  approverEmail?: string;
  verifierEmail?: string;
  /** The company's bank account as registered (registerSme's by default). */
  iban?: string;
  euroAccountConfirmed?: boolean;
}

/**
 * A verified claim (insertVerifiedClaim) of a newly registered SME, one company per voucher so
 * that R10 never stands between a test and its claims; the journey runs around `approvedAt`.
 */
export async function verifiedClaimOfNewSme(db: Db, callId: number, o: NewSmeClaimOptions = {}): Promise<{ claimId: number; applicationId: number; reference: string; email: string; companyId: number }> {
  const { email, companyId } = await registerSme(db, { region: o.region ?? "DK", iban: o.iban, euroAccountConfirmed: o.euroAccountConfirmed, at: "2026-01-01T10:00:00.000Z" });
  // The region's cluster manager decides; a region without a demo manager has the administrator.
  const regionManager = { DK: "manager@demo.test", NB: "manager.nl@demo.test" }[o.region ?? "DK"] ?? "admin@demo.test";
  const r = await insertVerifiedClaim(db, {
    email, callId, type: o.type ?? "IN", requestedCents: o.award, payableCents: o.payable,
    approverEmail: o.approverEmail ?? regionManager, verifierEmail: o.verifierEmail ?? regionManager,
    counterpartRegion: o.region === "BW" ? "DK" : "BW", timeline: timelineAround(o.approvedAt ?? "2026-03-01T10:00:00.000Z"),
  });
  return { ...r, email, companyId };
}

/**
 * The finance officer records the payment of a verified claim through the payments service,
 * paid and recorded on `at`'s day.
 */
export async function payClaim(db: Db, claimId: number, at: string, financeEmail = "finance@demo.test"): Promise<void> {
  await recordPayment(testContext(db, await actorByEmail(db, financeEmail), () => new Date(at)), { claimId, paidOn: at.slice(0, 10), bankReference: `BANK-${claimId}` });
}

/**
 * Runs `fn` while the database refuses to store award letters, as a full disk would. An approval
 * made meanwhile commits (decision, budget, the letter's number and facts) and reports its PDF as
 * not stored: the state a crash between the approval's commit and the PDF's storing leaves, the
 * one the product recovers from (the pending letter is stored by the sweep or on the next issue).
 */
export async function withLettersRefused<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  if (isPostgres(db)) {
    await db.raw("create function refuse_letters() returns trigger language plpgsql as $$ begin raise exception 'no space left'; end $$");
    await db.raw("create trigger refuse_letters before insert on award_letters for each row execute function refuse_letters()");
  } else {
    await db.raw("create trigger refuse_letters before insert on award_letters begin select raise(abort, 'no space left'); end");
  }
  try {
    return await fn();
  } finally {
    await db.raw("drop trigger refuse_letters" + (isPostgres(db) ? " on award_letters" : ""));
    if (isPostgres(db)) await db.raw("drop function refuse_letters()");
  }
}
