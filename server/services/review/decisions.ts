import { existsSync } from "node:fs";
import path from "node:path";
import { ForbiddenError, RuleViolationError, ValidationError } from "../../errors";
import type { Db } from "../../db/connection";
import { ceilingKeysFor, remainingCents } from "../../domain/budget";
import { voucherDeadlines, voucherStateOn } from "../../domain/claims";
import { deMinimisAid, programmeAwards } from "../../domain/de-minimis";
import { blockingFindings, type Finding, localDate } from "../../domain/eligibility";
import { allowedActions, type AppState } from "../../domain/lifecycle";
import { assertCents, type Cents, formatMoney } from "../../domain/money";
import { handoverTarget } from "../../domain/conflict-handover";
import { skippedByApproval } from "../../domain/reserve-list";
import { validateAwardAmount } from "../../domain/scheme";
import { formatLocalDateTime } from "../../domain/time";
import { audit, entityTimeline, type AuditRow } from "../platform/audit";
import { applicationQuery, type Application, describeSubmission, loadApplication, lockApplication, toApplication, transition } from "../applications/records";
import { commit, commitmentOf, readCeilings, release } from "../finance/budget";
import { reserveList, type ReserveListed } from "../calls/calls";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction, insertedId, nowIso } from "../platform/context";
import { findingsFor } from "../applications/eligibility";
import { issueAwardLetter } from "../letters/letters";
import { queueEmail } from "../platform/mail";
import { callVoucherType, listRegions, type VoucherTypeRow } from "../scheme/reference";

/*
 * The manager's decisions on an application. Each is one transaction that goes through
 * transition() (state machine, version check, audit) and, for money, through the budget service
 * (ledger). Eligibility is re-evaluated at the moment of approval because the company's data,
 * other awards and the calendar may have changed since submission.
 */

const EMAIL_DIR = path.resolve(__dirname, "../../../templates/emails");
const PAGE_SIZE = 25;

/** The applicant developer owns the templates; a missing one must not break a decision. */
async function notify(trx: Trx, ctx: ServiceContext, app: Application, template: string, data: Record<string, unknown>): Promise<void> {
  if (!existsSync(path.join(EMAIL_DIR, `${template}.hbs`))) return;
  const users = await trx("users").where({ company_id: app.companyId, role: "applicant", active: true }).select("email", "name");
  for (const u of users) {
    await queueEmail(trx, ctx, u.email, template, {
      name: u.name, reference: app.reference, applicationId: app.id, title: app.title, companyName: app.companyName,
      voucherType: app.voucherTypeName, callTitle: app.callTitle, link: `${ctx.config.baseUrl}/applications/${app.id}`, ...data,
    });
  }
}

function requireDecider(ctx: ServiceContext) {
  const a = ctx.actor;
  if (!a || (a.role !== "manager" && a.role !== "admin")) throw new ForbiddenError("Only cluster managers and administrators decide applications.");
  return a;
}

export async function conflictOf(db: Db | Trx, applicationId: number, userId: number): Promise<{ reason: string; declaredAt: string } | null> {
  const r = await db("conflicts_of_interest").where({ application_id: applicationId, user_id: userId }).first();
  return r ? { reason: r.reason, declaredAt: r.declared_at } : null;
}

/** Who decides the application now after the conflicts declared on it: the latest hand-over. */
export async function currentHandover(db: Db | Trx, applicationId: number): Promise<{ userId: number; name: string; role: string } | null> {
  const r = await db("conflicts_of_interest as c").join("users as u", "u.id", "c.handed_to_user_id")
    .where("c.application_id", applicationId).orderBy("c.id", "desc").first("u.id", "u.name", "u.role");
  return r ? { userId: Number(r.id), name: r.name, role: r.role } : null;
}

/** A manager who declared a conflict of interest may see the application but not decide it or its claim. */
export async function assertNoConflict(db: Db | Trx, ctx: ServiceContext, app: Pick<Application, "id">): Promise<void> {
  if (!ctx.actor) return;
  const coi = await conflictOf(db, app.id, ctx.actor.id);
  if (coi) {
    const to = await currentHandover(db, app.id);
    const who = to ? `it was handed to ${to.name}, who decides it` : "another cluster manager of the same partner organisation or an administrator must decide it";
    throw new ForbiddenError(`You declared a conflict of interest on this application (${coi.reason}); ${who}.`, "conflict_of_interest");
  }
}

/** Everyone who could take over, as the domain rule (handoverTarget) reads them. */
async function handoverCandidates(trx: Trx, app: Application) {
  const conflicted = new Set((await trx("conflicts_of_interest").where({ application_id: app.id }).pluck("user_id")).map(Number));
  return (await trx("users").whereIn("role", ["manager", "admin"]).select("id", "name", "role", "partner_id", "active")).map((u) => ({
    id: Number(u.id), name: String(u.name), role: String(u.role), partnerId: u.partner_id === null ? null : Number(u.partner_id),
    active: !!u.active, conflicted: conflicted.has(Number(u.id)),
  }));
}

export async function declareConflict(ctx: ServiceContext, applicationId: number, reason: string): Promise<{ handedTo: string | null }> {
  const actor = requireDecider(ctx);
  if (!reason.trim()) throw new ValidationError("Please give the reason for the conflict of interest.", { reason: "Enter the reason." });
  return inTransaction(ctx, async (trx) => {
    const app = await loadApplication(ctx, applicationId, trx);
    if (await conflictOf(trx, app.id, actor.id)) return { handedTo: (await currentHandover(trx, app.id))?.name ?? null };
    const target = handoverTarget(await handoverCandidates(trx, app), app, actor.id);
    await trx("conflicts_of_interest").insert({
      application_id: app.id, user_id: actor.id, reason: reason.trim(), declared_at: nowIso(ctx), handed_to_user_id: target?.id ?? null,
    });
    await audit(trx, ctx, {
      action: "application.conflict-declared", entityType: "application", entityId: app.id,
      after: { userId: actor.id, reason: reason.trim(), handedToUserId: target?.id ?? null },
    });
    return { handedTo: target?.name ?? null };
  });
}

async function voucherTypeOf(db: Db | Trx, app: Application): Promise<VoucherTypeRow> {
  return callVoucherType(db, app.callId, app.voucherTypeId);
}

export interface CompanyHistory {
  vouchers: { id: number; reference: string | null; callTitle: string; typeName: string; state: AppState; approvedCents: Cents | null; approvedOn: string | null }[];
  declarations: { grantingBody: string; grantedOn: string; amountCents: Cents }[];
  deMinimisTotalCents: Cents;
}

/** `today` (programme zone) is the end of the rolling three years of R9. */
export async function companyHistory(db: Db | Trx, companyId: number, excludeId: number, today: string): Promise<CompanyHistory> {
  const rows = await applicationQuery(db).where("a.company_id", companyId).whereNot("a.id", excludeId).orderBy("a.id");
  const apps = rows.map(toApplication);
  const declarations = (await db("de_minimis_declarations").where({ company_id: companyId }).orderBy("granted_on"))
    .map((d) => ({ grantingBody: d.granting_body, grantedOn: d.granted_on, amountCents: assertCents(d.amount_cents) }));
  const aid = deMinimisAid({ today, declarations, awards: programmeAwards(apps) });
  return {
    vouchers: apps.filter((a) => a.state !== "draft").map((a) => ({
      id: a.id, reference: a.reference, callTitle: a.callTitle, typeName: a.voucherTypeName, state: a.state, approvedCents: a.approvedCents, approvedOn: a.approvedOn,
    })),
    declarations,
    deMinimisTotalCents: aid.earlierCents,
  };
}

/** Eligibility findings (R3, R6-R11) of an application as of now, at the approval stage. */
export function approvalFindings(db: Db | Trx, ctx: ServiceContext, app: Application, amountCents: Cents): Promise<Finding[]> {
  return findingsFor(db, ctx, app, { stage: "approve", amountCents });
}

// ---------------------------------------------------------------------------------------------
// Queue and detail
// ---------------------------------------------------------------------------------------------

export interface QueueFilter { callId?: number; typeCode?: string; state?: string; page?: number }

export async function reviewQueue(ctx: ServiceContext, f: QueueFilter): Promise<{ rows: Application[]; page: number; hasMore: boolean; total: number }> {
  const actor = requireDecider(ctx);
  const q = applicationQuery(ctx.db).whereNot("a.state", "draft");
  if (actor.role === "manager") q.where("a.partner_id", actor.partnerId ?? -1);
  if (f.callId) q.where("a.call_id", f.callId);
  if (f.typeCode) q.where("vt.code", f.typeCode);
  if (f.state) q.where("a.state", f.state);
  const total = Number((await q.clone().clearSelect().count({ n: "*" }))[0].n);
  const page = Math.max(1, f.page ?? 1);
  const rows = await q.orderBy([{ column: "a.submitted_at", order: "asc" }, { column: "a.id", order: "asc" }])
    .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE);
  return { rows: rows.slice(0, PAGE_SIZE).map(toApplication), page, hasMore: rows.length > PAGE_SIZE, total };
}

export interface ApplicationReview {
  app: Application;
  type: VoucherTypeRow;
  submission: { key: string; value: string }[];
  attachments: { id: number; name: string; sizeBytes: number }[];
  findings: Finding[];
  blocking: Finding[];
  history: CompanyHistory;
  timeline: AuditRow[];
  actions: string[];
  /** Expired once the claim deadline has passed, also before the daily job has written it (R12). */
  currentState: AppState;
  ownConflict: { reason: string; declaredAt: string } | null;
  conflicts: { userName: string; reason: string; declaredAt: string; handedToName: string | null }[];
  handover: { userId: number; name: string; role: string } | null;
  letter: { reference: string; sha256: string } | null;
  commitment: { committedCents: Cents; releasedCents: Cents; paidCents: Cents } | null;
  templates: { id: number; title: string; text: string }[];
  /** When approving now would skip an earlier reserve-listed application that fits: why a reason is asked for. */
  skipNotice: string | null;
  decisions: DecisionRecord[];
  /** What approving at the current amount leaves in each ceiling it falls under, for the confirmation. */
  budgetAfterApproval: { label: string; remainingCents: Cents; afterCents: Cents }[];
}

export async function reviewApplication(ctx: ServiceContext, id: number): Promise<ApplicationReview> {
  requireDecider(ctx);
  const app = await loadApplication(ctx, id);
  const type = await voucherTypeOf(ctx.db, app);
  const amount = type.amountRule === "fixed" ? type.maxCents : (app.requestedCents ?? 0);
  const findings = await approvalFindings(ctx.db, ctx, app, amount);
  const regionNames = Object.fromEntries((await listRegions(ctx.db)).map((r) => [r.id, r.name]));
  const submission = describeSubmission(app.submissionJson, regionNames, (c) => formatMoney(c));
  const attachments = (await ctx.db("attachments").where({ application_id: id }).orderBy("id").select("id", "original_name", "size_bytes"))
    .map((a) => ({ id: Number(a.id), name: a.original_name, sizeBytes: Number(a.size_bytes) }));
  const conflicts = (await ctx.db("conflicts_of_interest as c").join("users as u", "u.id", "c.user_id").leftJoin("users as h", "h.id", "c.handed_to_user_id")
    .where("c.application_id", id).orderBy("c.id").select("u.name", "c.reason", "c.declared_at", "h.name as handed_to_name"))
    .map((c) => ({ userName: c.name, reason: c.reason, declaredAt: c.declared_at, handedToName: (c.handed_to_name as string | null) ?? null }));
  const letterRow = await ctx.db("award_letters").where({ application_id: id }).first("reference", "sha256");
  const hasLedger = await ctx.db("ledger_entries").where({ application_id: id }).first("id");
  const c = hasLedger ? await commitmentOf(ctx.db, id) : null;
  return {
    app, type, submission, attachments, findings, blocking: blockingFindings(findings),
    history: await companyHistory(ctx.db, app.companyId, app.id, localDate(nowIso(ctx), ctx.config.timeZone)),
    timeline: await entityTimeline(ctx, "application", id),
    actions: allowedActions(app.state, ctx.actor!.role),
    currentState: voucherStateOn(app, localDate(nowIso(ctx), ctx.config.timeZone)),
    ownConflict: await conflictOf(ctx.db, id, ctx.actor!.id),
    conflicts,
    handover: await currentHandover(ctx.db, id),
    letter: letterRow ? { reference: letterRow.reference, sha256: letterRow.sha256 } : null,
    commitment: c ? { committedCents: c.committedCents, releasedCents: c.releasedCents, paidCents: c.paidCents } : null,
    templates: (await ctx.db("rejection_templates").orderBy("title")).map((t) => ({ id: Number(t.id), title: t.title, text: t.text })),
    skipNotice: await (async () => {
      if (!allowedActions(app.state, ctx.actor!.role).includes("approve")) return null;
      const skipped = await skippedReserve(ctx.db, app);
      return skipped ? skipText(skipped, ctx) : null;
    })(),
    decisions: await decisionRecords(ctx.db, id),
    budgetAfterApproval: await (async () => {
      const ceilings = await readCeilings(ctx.db, app.callId);
      const keys = ceilingKeysFor(app, ceilings.map((c) => c.key));
      return ceilings.filter((c) => keys.includes(c.key))
        .map((c) => ({ label: c.label, remainingCents: remainingCents(c), afterCents: remainingCents(c) - amount }));
    })(),
  };
}

// ---------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------

async function decidable(trx: Trx, ctx: ServiceContext, id: number): Promise<Application> {
  requireDecider(ctx);
  await lockApplication(trx, id);
  const app = await loadApplication(ctx, id, trx);
  await assertNoConflict(trx, ctx, app);
  return app;
}

/** The amount an approval would commit today: the fixed amount, or the amount requested. */
function amountToDecide(type: VoucherTypeRow, app: Application): Cents {
  return type.amountRule === "fixed" ? type.maxCents : (app.requestedCents ?? 0);
}

async function findingsAtDecision(trx: Trx, ctx: ServiceContext, app: Application): Promise<Finding[]> {
  return approvalFindings(trx, ctx, app, amountToDecide(await voucherTypeOf(trx, app), app));
}

/** The earlier reserve-listed application of the call that fits now and that approving `app` would skip (R4). */
async function skippedReserve(db: Db | Trx, app: Pick<Application, "id" | "callId" | "submittedAt">): Promise<ReserveListed | null> {
  const ceilings = await readCeilings(db, app.callId);
  return skippedByApproval({ id: app.id, submittedAt: app.submittedAt }, await reserveList(db, app.callId, ceilings), ceilings);
}

function skipText(skipped: ReserveListed, ctx: ServiceContext): string {
  const when = skipped.submittedAt ? ` (submitted ${formatLocalDateTime(skipped.submittedAt, ctx.config.timeZone)})` : "";
  return `${skipped.reference ?? `Application ${skipped.id}`}${when} is earlier on the reserve list of this call and fits the budget now (R4).`;
}

interface DecisionRecordInput { amountCents: Cents | null; reason: string | null; findings: Finding[]; skipReason: string | null; skippedApplicationId: number | null }

/** The decision with the eligibility findings as they were at that moment; never changed afterwards. */
async function recordDecision(trx: Trx, ctx: ServiceContext, app: Application, action: "approve" | "reject" | "reserve", d: DecisionRecordInput): Promise<void> {
  await trx("decision_records").insert({
    application_id: app.id, action, decided_at: nowIso(ctx), decided_by: ctx.actor!.id, amount_cents: d.amountCents, reason: d.reason,
    skip_reason: d.skipReason, skipped_application_id: d.skippedApplicationId, findings_json: JSON.stringify(d.findings),
  });
}

export interface DecisionRecord {
  action: string; label: string; decidedAt: string; deciderName: string; amountCents: Cents | null; reason: string | null;
  skipReason: string | null; skippedReference: string | null; findings: Finding[];
}

const DECISION_LABELS: Record<string, string> = { approve: "Approved", reject: "Rejected", reserve: "Put on the reserve list" };

export async function decisionRecords(db: Db | Trx, applicationId: number): Promise<DecisionRecord[]> {
  const rows = await db("decision_records as d").join("users as u", "u.id", "d.decided_by").leftJoin("applications as s", "s.id", "d.skipped_application_id")
    .where("d.application_id", applicationId).orderBy("d.id").select("d.*", "u.name as decider_name", "s.reference as skipped_reference", "s.id as skipped_id");
  return rows.map((r) => ({
    action: r.action, label: DECISION_LABELS[r.action as string] ?? String(r.action), decidedAt: r.decided_at, deciderName: r.decider_name, amountCents: r.amount_cents === null ? null : assertCents(r.amount_cents),
    reason: r.reason ?? null, skipReason: r.skip_reason ?? null,
    skippedReference: r.skipped_id === null || r.skipped_id === undefined ? null : (r.skipped_reference ?? `Application ${r.skipped_id}`),
    findings: JSON.parse(r.findings_json) as Finding[],
  }));
}

export interface ApprovalResult { amountCents: Cents; letterReference: string; completionDeadline: string }

/**
 * R4, R11, R12, R13 in one transaction: a refusal anywhere (eligibility, budget, letter) leaves
 * nothing behind. The amount is the fixed amount for fixed types; for capped types the manager's
 * amount, at most requested and the cap.
 */
export async function approve(ctx: ServiceContext, id: number, input: { amountCents?: Cents | null; skipReason?: string | null }): Promise<ApprovalResult> {
  return inTransaction(ctx, async (trx) => {
    const app = await decidable(trx, ctx, id);
    const type = await voucherTypeOf(trx, app);
    const amount = type.amountRule === "fixed" ? type.maxCents : (input.amountCents ?? app.requestedCents ?? 0);
    const problem = validateAwardAmount(type, app.requestedCents ?? 0, amount);
    if (problem) throw new ValidationError(problem, { amount: problem });

    const findings = await approvalFindings(trx, ctx, app, amount);
    const blocking = blockingFindings(findings);
    if (blocking.length > 0) {
      throw new RuleViolationError(blocking[0].rule, `This application cannot be approved: ${blocking.map((b) => `${b.message} (${b.rule})`).join(" ")}`);
    }
    const skipped = await skippedReserve(trx, app);
    const skipReason = skipped ? (input.skipReason ?? "").trim() : "";
    if (skipped && !skipReason) {
      const message = `${skipText(skipped, ctx)} Approve that one first, or give the reason for approving this application ahead of it.`;
      throw new RuleViolationError("R4", message, { skipReason: "Give the reason for approving this application ahead of the earlier one on the reserve list." });
    }

    const approvedOn = localDate(nowIso(ctx), ctx.config.timeZone);
    // The call's completion days and the type's claim days as the call fixed them when it opened.
    const { completionDeadline, claimDeadline } = voucherDeadlines(type, approvedOn);
    const record = { findings, skipReason: skipReason || null, skippedApplicationId: skipped?.id ?? null };
    await transition(trx, ctx, app, "approve", {
      approved_cents: amount, approved_on: approvedOn, completion_deadline: completionDeadline, claim_deadline: claimDeadline,
      decided_at: nowIso(ctx), decided_by: ctx.actor!.id, decision_reason: null,
    }, record);
    await recordDecision(trx, ctx, app, "approve", { amountCents: amount, reason: null, ...record });
    const defined = (await readCeilings(trx, app.callId)).map((c) => c.key);
    await commit(trx, ctx, {
      callId: app.callId, applicationId: app.id, amountCents: amount,
      ceilingKeys: ceilingKeysFor({ voucherTypeCode: app.voucherTypeCode, partnerId: app.partnerId }, defined),
      idempotencyKey: `approve:${app.id}`, note: `Approval of ${app.reference ?? `application ${app.id}`}`,
    });
    const letter = await issueAwardLetter(trx, ctx, app.id);
    await notify(trx, ctx, app, "decision-approved", {
      reference: letter.reference, amount: formatMoney(amount), approvedOn, completionDeadline, claimDeadline, letterReference: letter.reference,
    });
    return { amountCents: amount, letterReference: letter.reference, completionDeadline };
  });
}

export async function reject(ctx: ServiceContext, id: number, input: { templateId?: number | null; reason?: string }): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    let reason = (input.reason ?? "").trim();
    if (!reason && input.templateId) {
      const t = await trx("rejection_templates").where({ id: input.templateId }).first("text");
      if (!t) throw new ValidationError("Please give the reason for the rejection.", { templateId: "Choose one of the listed rejection reasons." });
      reason = String(t.text);
    }
    if (!reason) throw new ValidationError("Please give the reason for the rejection.", { reason: "Choose a template or write the reason." });
    const app = await decidable(trx, ctx, id);
    const findings = await findingsAtDecision(trx, ctx, app);
    await transition(trx, ctx, app, "reject", { decided_at: nowIso(ctx), decided_by: ctx.actor!.id, decision_reason: reason }, { findings });
    await recordDecision(trx, ctx, app, "reject", { amountCents: null, reason, findings, skipReason: null, skippedApplicationId: null });
    await notify(trx, ctx, app, "decision-rejected", { reason });
  });
}

export async function requestInfo(ctx: ServiceContext, id: number, message: string): Promise<void> {
  const text = message.trim();
  if (!text) throw new ValidationError("Please write what information is needed.", { message: "Write what the applicant should add or change." });
  await inTransaction(ctx, async (trx) => {
    const app = await decidable(trx, ctx, id);
    await transition(trx, ctx, app, "request-info", { decision_reason: text });
    await notify(trx, ctx, app, "more-info-requested", { message: text });
  });
}

export async function reserve(ctx: ServiceContext, id: number): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    const app = await decidable(trx, ctx, id);
    const findings = await findingsAtDecision(trx, ctx, app);
    await transition(trx, ctx, app, "reserve", { decided_at: nowIso(ctx), decided_by: ctx.actor!.id }, { findings });
    await recordDecision(trx, ctx, app, "reserve", { amountCents: null, reason: null, findings, skipReason: null, skippedApplicationId: null });
  });
}

/** Cancels an approved or accepted voucher and gives its outstanding commitment back (R4, R5). */
export async function cancel(ctx: ServiceContext, id: number, reason: string): Promise<Cents> {
  const text = reason.trim();
  if (!text) throw new ValidationError("Please give the reason for the cancellation.", { reason: "Enter the reason." });
  return inTransaction(ctx, async (trx) => {
    const app = await decidable(trx, ctx, id);
    await transition(trx, ctx, app, "cancel", { decision_reason: text });
    return releaseOutstanding(trx, ctx, app, `cancel:${app.id}`, `Cancellation: ${text}`.slice(0, 300));
  });
}

/** Releases what an application still holds; shared by cancellation and expiry. */
export async function releaseOutstanding(trx: Trx, ctx: ServiceContext, app: Application, idempotencyKey: string, note: string): Promise<Cents> {
  const c = await commitmentOf(trx, app.id);
  const outstanding = c.committedCents - c.releasedCents - c.paidCents;
  if (outstanding <= 0) return 0;
  await release(trx, ctx, { callId: c.callId, applicationId: app.id, amountCents: outstanding, ceilingKeys: c.ceilingKeys, idempotencyKey, note });
  return outstanding;
}

/** Applications handed to this manager or administrator after a conflict of interest, awaiting a decision or a claim verification. */
export async function conflictHandovers(ctx: ServiceContext): Promise<Application[]> {
  const actor = requireDecider(ctx);
  const rows = await applicationQuery(ctx.db).whereIn("a.state", ["submitted", "reserve-listed", "claim-submitted"])
    .whereExists(ctx.db("conflicts_of_interest as ci").whereRaw("ci.application_id = a.id").where("ci.handed_to_user_id", actor.id).select("ci.id"))
    .whereNotExists(ctx.db("conflicts_of_interest as cm").whereRaw("cm.application_id = a.id").where("cm.user_id", actor.id).select("cm.id"))
    .orderBy("a.submitted_at");
  return rows.map(toApplication);
}

// ---------------------------------------------------------------------------------------------
// Rejection templates (editable by managers and administrators)
// ---------------------------------------------------------------------------------------------

export interface RejectionTemplate { id: number; title: string; text: string }

export async function listRejectionTemplates(ctx: ServiceContext): Promise<RejectionTemplate[]> {
  return (await ctx.db("rejection_templates").orderBy("title")).map((t) => ({ id: Number(t.id), title: t.title, text: t.text }));
}

export async function saveRejectionTemplate(ctx: ServiceContext, id: number | null, input: { title: string; text: string }): Promise<number> {
  requireDecider(ctx);
  const fields: Record<string, string> = {};
  if (!input.title.trim()) fields.title = "Enter a title.";
  if (!input.text.trim()) fields.text = "Enter the text of the reason.";
  if (Object.keys(fields).length) throw new ValidationError("The template could not be saved.", fields);
  const row = { title: input.title.trim(), text: input.text.trim() };
  return inTransaction(ctx, async (trx) => {
    if (id === null) {
      const newId = insertedId((await trx("rejection_templates").insert(row).returning("id"))[0]);
      await audit(trx, ctx, { action: "rejection-template.created", entityType: "rejection_template", entityId: newId, after: row });
      return newId;
    }
    const before = await trx("rejection_templates").where({ id }).first();
    if (!before) throw new ValidationError("The template could not be saved.", { id: "This rejection reason no longer exists. Reload the page and try again." });
    await trx("rejection_templates").where({ id }).update(row);
    await audit(trx, ctx, { action: "rejection-template.updated", entityType: "rejection_template", entityId: id, before, after: row });
    return id;
  });
}
