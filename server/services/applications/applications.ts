import { AppError, ConflictError, NotFoundError, RuleViolationError, ValidationError, type FieldErrors } from "../../errors";
import { blockingFindings, type Finding, type RuleId } from "../../domain/eligibility";
import { allowedActions, STATE_LABELS, type AppState } from "../../domain/lifecycle";
import { assertCents, formatMoney, sumCents, type Cents } from "../../domain/money";
import { claimsOpenOn, claimWindow, expiryReason, REMINDER_DAYS, reminderDue, voucherStateOn } from "../../domain/claims";
import { requestedAmountFor } from "../../domain/scheme";
import { addDays, formatLocalDateTime, isValidDate, localDate } from "../../domain/time";
import { applicationQuery, loadApplication, lockApplication, toApplication, transition, type Application } from "./records";
import { audit, entityTimeline } from "../platform/audit";
import { inTransaction, insertedId, nowIso, type ServiceContext, type Trx } from "../platform/context";
import { findingsFor } from "./eligibility";
import { queueEmail } from "../platform/mail";
import { callVoucherType, callVoucherTypes, type VoucherTypeRow } from "../scheme/reference";

/*
 * The applicant's use cases: drafts, submission with the eligibility check, withdrawal,
 * acceptance, and the read models of the applicant's pages. State changes go through
 * applications-core.transition only.
 */

type DbLike = ServiceContext["db"] | Trx;

export const COUNTERPART_KINDS = [
  { value: "company", label: "Company" },
  { value: "knowledge-institution", label: "Knowledge institution" },
  { value: "expert", label: "Expert" },
  { value: "facility", label: "Facility" },
] as const;

/** What the applicant edits in a draft: these fields of the application, as stored. */
export type DraftInput = Pick<Application,
  "title" | "description" | "objectives" | "expectedResult" | "counterpartOrgId" | "counterpartName" |
  "counterpartCountry" | "counterpartRegionId" | "counterpartKind" | "activityStart" | "activityEnd" |
  "costTravelCents" | "costAccommodationCents" | "costOtherCents">;

export interface Declarations { truthful: boolean; smeStatus: boolean; deMinimisComplete: boolean; noDoubleFunding: boolean }

function requireCompany(ctx: ServiceContext): number {
  const id = ctx.actor?.role === "applicant" ? ctx.actor.companyId : null;
  if (!id) throw new NotFoundError("Your account is not linked to a company yet.");
  return id;
}

// ---------------------------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------------------------

export interface OpenCallType { code: string; name: string; amountRule: string; maxCents: Cents; remainingCents: Cents | null }
export interface OpenCall { id: number; title: string; description: string; opensAt: string; closesAt: string; types: OpenCallType[] }

function remaining(row: Record<string, unknown> | undefined): Cents | null {
  if (!row) return null;
  return assertCents(row.ceiling_cents) - (assertCents(row.committed_cents) - assertCents(row.released_cents));
}

async function callTypes(db: DbLike, callId: number): Promise<VoucherTypeRow[]> {
  return callVoucherTypes(db, callId);
}

/** Calls open now (status open and opens_at <= now < closes_at) with the budget left per type. */
export async function listOpenCalls(ctx: ServiceContext): Promise<OpenCall[]> {
  const now = nowIso(ctx);
  // The applicant's regional partner may have its own ceiling in a call; it limits what is left too.
  const companyId = ctx.actor?.role === "applicant" ? ctx.actor.companyId : null;
  const company = companyId ? await ctx.db("companies").where({ id: companyId }).first("region_id") : null;
  const partner = company?.region_id ? await ctx.db("partners").where({ region_id: company.region_id }).first("id") : null;
  const calls = await ctx.db("calls").where({ status: "open" }).andWhere("opens_at", "<=", now).andWhere("closes_at", ">", now).orderBy("closes_at");
  const out: OpenCall[] = [];
  for (const c of calls) {
    const ceilings = await ctx.db("budget_ceilings").where({ call_id: c.id });
    const total = remaining(ceilings.find((x) => x.key === "total"));
    const ownPartner = partner ? remaining(ceilings.find((x) => x.key === `partner:${partner.id}`)) : null;
    const types = (await callTypes(ctx.db, Number(c.id))).map((t) => {
      const limits = [total, ownPartner, remaining(ceilings.find((x) => x.key === `type:${t.code}`))].filter((v): v is Cents => v !== null);
      const left = limits.length === 0 ? null : Math.min(...limits);
      return { code: t.code, name: t.name, amountRule: t.amountRule, maxCents: t.maxCents, remainingCents: left };
    });
    out.push({ id: Number(c.id), title: c.title, description: c.description, opensAt: c.opens_at, closesAt: c.closes_at, types });
  }
  return out;
}

export async function loadCallAndType(ctx: ServiceContext, callId: number, typeCode: string) {
  const call = await ctx.db("calls").where({ id: callId }).first();
  if (!call || call.status === "draft") throw new NotFoundError();
  const type = (await callTypes(ctx.db, callId)).find((t) => t.code === typeCode);
  if (!type) throw new NotFoundError("This call does not offer that voucher type.");
  return { call: { id: Number(call.id), title: String(call.title), closesAt: String(call.closes_at), status: String(call.status) }, type };
}

/** Starting an application in a closed call would only lead to a refusal at submission (R3). */
export function assertCallOpenForNew(ctx: ServiceContext, call: { status: string; closesAt: string }): void {
  if (call.status !== "open" || nowIso(ctx) >= call.closesAt) {
    throw new RuleViolationError("R3", `The call closed on ${formatLocalDateTime(call.closesAt, ctx.config.timeZone)} (${ctx.config.timeZone} time); new applications can no longer be started.`);
  }
}

export async function formReference(db: DbLike) {
  const regions = await db("regions").orderBy("name").select("id", "code", "name", "country");
  const orgs = await db("directory_organisations as d").join("regions as r", "r.id", "d.region_id").orderBy("d.name")
    .select("d.id", "d.name", "d.kind", "r.name as region_name");
  return {
    regionOptions: regions.map((r) => ({ value: Number(r.id), label: `${r.name} (${r.country})` })),
    orgOptions: orgs.map((o) => ({ value: Number(o.id), label: `${o.name} — ${o.region_name}` })),
    kindOptions: COUNTERPART_KINDS.map((k) => ({ ...k })),
  };
}

// ---------------------------------------------------------------------------------------------
// Drafts
// ---------------------------------------------------------------------------------------------

function costsTotal(input: Pick<DraftInput, "costTravelCents" | "costAccommodationCents" | "costOtherCents">): Cents | null {
  const parts = [input.costTravelCents, input.costAccommodationCents, input.costOtherCents].filter((c): c is Cents => c !== null);
  return parts.length === 0 ? null : sumCents(parts);
}

/** Checks that hold for a draft too: dates in order, costs within the cap (so it is said early). */
function checkDraft(type: VoucherTypeRow, input: DraftInput): void {
  const fields: FieldErrors = {};
  if (input.activityStart && input.activityEnd && input.activityEnd < input.activityStart) {
    fields.activityEnd = "The activity end date must be on or after the start date.";
  }
  if (type.amountRule === "capped") {
    const total = costsTotal(input);
    if (total !== null && total > type.maxCents) {
      fields.costOther = `The planned costs add up to ${formatMoney(total)}, above the ${type.name} cap of ${formatMoney(type.maxCents)}. Please lower them.`;
    }
  }
  if (input.counterpartKind && !COUNTERPART_KINDS.some((k) => k.value === input.counterpartKind)) fields.counterpartKind = "Choose the kind of organisation.";
  if (input.counterpartCountry && !/^[A-Z]{2}$/.test(input.counterpartCountry)) fields.counterpartCountry = "Enter the two-letter country code, for example DE.";
  if (Object.keys(fields).length) throw new ValidationError("Some answers need your attention.", fields);
}

async function resolveCounterpart(db: DbLike, input: DraftInput): Promise<DraftInput> {
  if (input.counterpartOrgId === null) {
    if (input.counterpartRegionId !== null && !(await db("regions").where({ id: input.counterpartRegionId }).first("id"))) {
      throw new ValidationError("Some answers need your attention.", { counterpartRegionId: "Choose the counterpart's region from the list." });
    }
    return input;
  }
  const org = await db("directory_organisations as d").join("regions as r", "r.id", "d.region_id")
    .where("d.id", input.counterpartOrgId).first("d.id", "d.name", "d.kind", "d.region_id", "r.country");
  if (!org) throw new ValidationError("Some answers need your attention.", { counterpartOrgId: "Choose an organisation from the list." });
  return { ...input, counterpartName: org.name, counterpartCountry: org.country, counterpartRegionId: Number(org.region_id), counterpartKind: org.kind };
}

function draftRow(type: VoucherTypeRow, input: DraftInput) {
  const capped = type.amountRule === "capped";
  return {
    title: input.title, description: input.description, objectives: input.objectives, expected_result: input.expectedResult,
    counterpart_org_id: input.counterpartOrgId, counterpart_name: input.counterpartName, counterpart_country: input.counterpartCountry,
    counterpart_region_id: input.counterpartRegionId, counterpart_kind: input.counterpartKind,
    activity_start: input.activityStart, activity_end: input.activityEnd,
    cost_travel_cents: capped ? input.costTravelCents : null, cost_accommodation_cents: capped ? input.costAccommodationCents : null,
    cost_other_cents: capped ? input.costOtherCents : null,
  };
}

export async function createDraft(ctx: ServiceContext, callId: number, typeCode: string, raw: DraftInput): Promise<number> {
  const companyId = requireCompany(ctx);
  const { call, type } = await loadCallAndType(ctx, callId, typeCode);
  assertCallOpenForNew(ctx, call);
  return inTransaction(ctx, async (trx) => {
    const input = await resolveCounterpart(trx, raw);
    checkDraft(type, input);
    const company = await trx("companies").where({ id: companyId }).first("region_id");
    const partner = company?.region_id ? await trx("partners").where({ region_id: company.region_id }).first("id") : null;
    if (!partner) throw new ValidationError("Your company's region has no regional partner in the programme, so it cannot apply. Please check the region in your company profile.");
    const now = nowIso(ctx);
    const id = insertedId((await trx("applications").insert({
      call_id: callId, company_id: companyId, voucher_type_id: type.id, partner_id: partner.id, state: "draft",
      ...draftRow(type, input), version: 1, created_by: ctx.actor!.id, created_at: now, updated_at: now,
    }).returning("id"))[0]);
    await audit(trx, ctx, { action: "application.draft-created", entityType: "application", entityId: id, after: { callId, typeCode, ...input } });
    return id;
  });
}

const EDITABLE: AppState[] = ["draft", "more-info-requested"];

export async function updateDraft(ctx: ServiceContext, id: number, raw: DraftInput): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    await lockApplication(trx, id);
    const app = await loadApplication(ctx, id, trx);
    if (ctx.actor?.role !== "applicant") throw new NotFoundError();
    if (!EDITABLE.includes(app.state)) {
      throw new ConflictError(`This application is ${STATE_LABELS[app.state].toLowerCase()}; it can only be changed as a draft or when more information is requested.`, "not_editable");
    }
    const type = await callVoucherType(trx, app.callId, app.voucherTypeId);
    const input = await resolveCounterpart(trx, raw);
    checkDraft(type, input);
    const updated = await trx("applications").where({ id, version: app.version })
      .update({ ...draftRow(type, input), version: app.version + 1, updated_at: nowIso(ctx) });
    if (updated !== 1) throw new ConflictError("This application was changed a moment ago. Reload the page and try again.", "stale_application");
    await audit(trx, ctx, { action: "application.draft-saved", entityType: "application", entityId: id, before: draftInputOf(app), after: input });
  });
}

export function draftInputOf(app: Application): DraftInput {
  return {
    title: app.title, description: app.description, objectives: app.objectives, expectedResult: app.expectedResult,
    counterpartOrgId: app.counterpartOrgId, counterpartName: app.counterpartName, counterpartCountry: app.counterpartCountry,
    counterpartRegionId: app.counterpartRegionId, counterpartKind: app.counterpartKind,
    activityStart: app.activityStart, activityEnd: app.activityEnd, costTravelCents: app.costTravelCents,
    costAccommodationCents: app.costAccommodationCents, costOtherCents: app.costOtherCents,
  };
}

// ---------------------------------------------------------------------------------------------
// Eligibility and submission
// ---------------------------------------------------------------------------------------------

/** Fields a submission needs; a draft may leave them empty. */
function completeness(app: Application, type: VoucherTypeRow): FieldErrors {
  const fields: FieldErrors = {};
  if (!app.title.trim()) fields.title = "Enter a title for the activity.";
  if (!app.description.trim()) fields.description = "Describe the activity.";
  if (!app.objectives.trim()) fields.objectives = "Enter the objectives.";
  if (!app.expectedResult.trim()) fields.expectedResult = "Enter the expected result.";
  if (!app.counterpartName.trim()) fields.counterpartName = "Choose the counterpart from the directory or enter its name.";
  if (!app.activityStart) fields.activityStart = "Enter the activity start date.";
  if (!app.activityEnd) fields.activityEnd = "Enter the activity end date.";
  if (type.amountRule === "capped") {
    const total = costsTotal(app);
    if (total === null || total <= 0) {
      fields.costTravel = `Enter the planned costs; the ${type.name} voucher pays actual costs up to ${formatMoney(type.maxCents)}, so the total must be more than EUR 0.00.`;
    }
  }
  return fields;
}

export async function eligibilityFor(ctx: ServiceContext, db: DbLike, app: Application): Promise<Finding[]> {
  const type = await callVoucherType(db, app.callId, app.voucherTypeId);
  let amountCents: Cents;
  try {
    amountCents = requestedAmountFor(type, costsTotal(app) ?? undefined);
  } catch {
    // Missing costs are reported by the completeness check; the rules still run on the rest.
    amountCents = 0;
  }
  return findingsFor(db, ctx, app, { stage: "submit", amountCents });
}

export async function checkAnswers(ctx: ServiceContext, id: number) {
  const app = await loadApplication(ctx, id);
  const type = await callVoucherType(ctx.db, app.callId, app.voucherTypeId);
  const missing = completeness(app, type);
  const findings = await eligibilityFor(ctx, ctx.db, app);
  const emailConfirmed = ctx.actor ? await hasConfirmedEmail(ctx.db, ctx.actor.id) : false;
  return { app, voucherType: type, missing: Object.values(missing), findings, blocking: blockingFindings(findings), total: costsTotal(app), emailConfirmed };
}

async function hasConfirmedEmail(db: ServiceContext["db"] | Trx, userId: number): Promise<boolean> {
  const u = await db("users").where({ id: userId }).first("email_confirmed_at");
  return !!u?.email_confirmed_at;
}

export const EMAIL_UNCONFIRMED_MESSAGE =
  "Confirm your e-mail address before submitting: follow the link we sent you when you registered. Your draft is saved meanwhile.";

const DECLARATION_TEXT: Record<keyof Declarations, string> = {
  truthful: "Confirm that the information you gave is true and complete.",
  smeStatus: "Confirm that your company is an SME as declared in the company profile.",
  deMinimisComplete: "Confirm that your de minimis declaration lists all aid of the last three years.",
  noDoubleFunding: "Confirm that the activity is not funded twice.",
};

/**
 * Submits (or, after "more information requested", resubmits) an application. Refuses with every
 * certain failure's reason; freezes the submitted version and stores the findings.
 */
export async function submitApplication(ctx: ServiceContext, id: number, decl: Declarations): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    await lockApplication(trx, id);
    const app = await loadApplication(ctx, id, trx);
    if (ctx.actor?.role !== "applicant") throw new NotFoundError();
    const action = app.state === "more-info-requested" ? "resubmit" : "submit";
    // Wrong state (a second click) is refused here, before anything else is looked at.
    if (app.state !== "draft" && app.state !== "more-info-requested") {
      throw new ConflictError(`This application has already been submitted (it is ${STATE_LABELS[app.state].toLowerCase()}); nothing was changed.`, "already_submitted");
    }
    // Decisions and payments go to this address, so a submission needs one that is known to work.
    if (!(await hasConfirmedEmail(trx, ctx.actor.id))) {
      throw new AppError(422, "email_unconfirmed", EMAIL_UNCONFIRMED_MESSAGE, { emailConfirmation: EMAIL_UNCONFIRMED_MESSAGE });
    }
    const fields: FieldErrors = {};
    for (const k of Object.keys(DECLARATION_TEXT) as (keyof Declarations)[]) if (!decl[k]) fields[k] = DECLARATION_TEXT[k];
    const type = await callVoucherType(trx, app.callId, app.voucherTypeId);
    Object.assign(fields, completeness(app, type));
    if (Object.keys(fields).length) throw new ValidationError("The application cannot be submitted yet.", fields);

    const findings = await eligibilityFor(ctx, trx, app);
    const blocking = blockingFindings(findings);
    if (blocking.length > 0) {
      const fieldsByRule: FieldErrors = {};
      blocking.forEach((b, i) => { fieldsByRule[`rule-${b.rule}-${i}`] = b.message; });
      throw new RuleViolationError(blocking[0].rule as RuleId, `The application cannot be submitted: ${blocking.map((b) => b.message).join(" ")}`, fieldsByRule);
    }
    const requested = requestedAmountFor(type, costsTotal(app) ?? undefined);
    const frozen = { ...draftInputOf(app), voucherTypeCode: type.code, requestedCents: requested, declarations: decl };
    const now = nowIso(ctx);
    // An application number until approval; the award letter then gives the voucher its
    // reference (IN2LS-year-region-type-sequence, R13).
    const reference = app.reference ?? `APP-${String(app.id).padStart(5, "0")}`;
    await transition(trx, ctx, app, action, {
      submission_json: JSON.stringify(frozen), eligibility_json: JSON.stringify(findings), submitted_at: now,
      requested_cents: requested, reference,
    });
    await queueEmail(trx, ctx, ctx.actor.email, "submission-received", {
      name: ctx.actor.name, reference, title: app.title, typeName: type.name, amount: formatMoney(requested),
      link: `${ctx.config.baseUrl}/applications/${app.id}`, resubmitted: action === "resubmit",
    });
  });
}

export async function withdrawApplication(ctx: ServiceContext, id: number): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    await lockApplication(trx, id);
    const app = await loadApplication(ctx, id, trx);
    await transition(trx, ctx, app, "withdraw");
  });
}

export async function acceptAward(ctx: ServiceContext, id: number): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    await lockApplication(trx, id);
    const app = await loadApplication(ctx, id, trx);
    // An award whose claim deadline has passed has expired, even before the daily job has run.
    const expired = expiryReason(app, localDate(ctx.now(), ctx.config.timeZone));
    if (expired) throw new RuleViolationError("R12", `This award can no longer be accepted: the ${expired}, so the voucher has expired.`);
    await transition(trx, ctx, app, "accept", { accepted_at: nowIso(ctx), accepted_by: ctx.actor!.id });
  });
}

// ---------------------------------------------------------------------------------------------
// Read models
// ---------------------------------------------------------------------------------------------

const NEXT_STEP: Partial<Record<AppState, string>> = {
  draft: "Complete the form, check your answers and submit.",
  submitted: "Wait for the cluster manager's decision.",
  "more-info-requested": "Add the information asked for and submit again.",
  approved: "Accept the award to start the activity.",
  "reserve-listed": "Wait: the application is on the reserve list.",
  accepted: "Carry out the activity, then submit the claim before the deadline.",
  "claim-submitted": "Wait for the claim to be verified.",
  "claim-rejected": "Correct the claim and submit it again.",
  "claim-verified": "Wait for the payment.",
};

export async function listCompanyApplications(ctx: ServiceContext) {
  const companyId = requireCompany(ctx);
  const rows = await applicationQuery(ctx.db).where("a.company_id", companyId).orderBy("a.id", "desc");
  const today = localDate(ctx.now(), ctx.config.timeZone);
  return rows.map((r) => {
    const app = toApplication(r);
    // Shown as expired once the claim deadline has passed, also before the daily job has run (R12).
    const state = voucherStateOn(app, today);
    return { ...app, state, stateLabel: STATE_LABELS[state] ?? state, nextStep: NEXT_STEP[state] ?? "" };
  });
}

export async function applicationDetail(ctx: ServiceContext, id: number) {
  const app = await loadApplication(ctx, id);
  const timeline = await entityTimeline(ctx, "application", id);
  const letter = await ctx.db("award_letters").where({ application_id: id }).first("id", "reference", "issued_at");
  const claimRows = await ctx.db("claims").where({ application_id: id }).orderBy("id", "desc");
  const claims = [];
  for (const c of claimRows) {
    const lines = await ctx.db("claim_cost_lines").where({ claim_id: c.id }).orderBy("id");
    const payment = await ctx.db("payments").where({ claim_id: c.id }).first();
    claims.push({
      id: Number(c.id), status: c.status, report: c.report, submittedAt: c.submitted_at, verifiedAt: c.verified_at,
      payableCents: c.payable_cents === null ? null : assertCents(c.payable_cents), payableExplanation: c.payable_explanation,
      decisionReason: c.decision_reason,
      lines: lines.map((l) => ({
        incurredOn: l.incurred_on, description: l.description, currency: l.currency, originalMinor: Number(l.original_minor),
        eurCents: l.eur_cents === null ? null : assertCents(l.eur_cents), eligible: l.eligible, ineligibleReason: l.ineligible_reason,
      })),
      payment: payment ? { paidOn: payment.paid_on, amountCents: assertCents(payment.amount_cents), bankReference: payment.bank_reference } : null,
    });
  }
  const attachments = (await ctx.db("attachments").where({ application_id: id }).orderBy("id")
    .select("id", "original_name", "mime", "size_bytes", "purpose", "claim_id"))
    .map((a) => ({ id: Number(a.id), name: a.original_name, mime: a.mime, sizeBytes: Number(a.size_bytes), purpose: a.purpose, claimId: a.claim_id }));
  // Expired once the claim deadline has passed, whether or not the daily job has written it (R12).
  const today = localDate(ctx.now(), ctx.config.timeZone);
  const currentState = voucherStateOn(app, today);
  const applicantActions = ctx.actor?.role === "applicant" ? allowedActions(currentState, "applicant") : [];
  return {
    app, currentState, applicantActions, claimWindow: applicantActions.includes("claim") ? claimWindow(app, today) : null,
    timeline, letter: letter ? { reference: letter.reference, issuedAt: letter.issued_at } : null,
    claims, attachments, stateLabel: STATE_LABELS[app.state], total: costsTotal(app),
    findings: app.eligibilityJson ? (JSON.parse(app.eligibilityJson) as Finding[]) : [],
  };
}

export function isValidIsoDate(s: string | null): boolean {
  return s === null || isValidDate(s);
}

// ---------------------------------------------------------------------------------------------
// Deadline reminders (a daily job)
// ---------------------------------------------------------------------------------------------

export { REMINDER_DAYS } from "../../domain/claims";

/**
 * E-mails the company 14 and 3 days before the completion deadline of an approved or accepted
 * voucher, and, once that has passed, 14 and 3 days before the claim deadline while no claim is
 * in (reminderDue decides, the same rule as the claim form). Idempotent: each reminder is recorded
 * in the audit log and never sent twice, and a day the job did not run is caught up the next day
 * (the nearer reminder wins). Returns how many reminders were queued.
 */
export async function sendDeadlineReminders(ctx: ServiceContext): Promise<number> {
  const today = localDate(ctx.now(), ctx.config.timeZone);
  const horizon = addDays(today, Math.max(...REMINDER_DAYS));
  const rows = await applicationQuery(ctx.db).whereIn("a.state", ["approved", "accepted", "claim-rejected"])
    .where((w) => w.whereBetween("a.completion_deadline", [today, horizon]).orWhereBetween("a.claim_deadline", [today, horizon]));
  let sent = 0;
  for (const r of rows) {
    const app = toApplication(r);
    const due = reminderDue(app, today);
    if (!due) continue;
    const action = due.deadline === "completion" ? `application.reminder-${due.stage}` : `application.claim-reminder-${due.stage}`;
    const template = due.deadline === "completion" ? "deadline-reminder" : "claim-deadline-reminder";
    sent += await inTransaction(ctx, async (trx) => {
      if (await trx("audit_events").where({ action, entity_type: "application", entity_id: String(app.id) }).first("id")) return 0;
      const users = await trx("users").where({ company_id: app.companyId, role: "applicant", active: true }).select("email", "name");
      for (const u of users) {
        await queueEmail(trx, ctx, u.email, template, {
          name: u.name, reference: app.reference ?? `#${app.id}`, title: app.title, days: due.daysLeft,
          completionDeadline: app.completionDeadline, claimDeadline: app.claimDeadline, claimsFrom: claimsOpenOn(app) ?? app.completionDeadline,
          link: `${ctx.config.baseUrl}/applications/${app.id}`,
        });
      }
      await audit(trx, ctx, { action, entityType: "application", entityId: app.id, after: { deadline: due.deadline, date: due.date, daysLeft: due.daysLeft, recipients: users.length } });
      return users.length > 0 ? 1 : 0;
    });
  }
  return sent;
}
