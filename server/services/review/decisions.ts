import { ConflictError, RuleViolationError, ValidationError } from "../../errors";
import { ceilingKeysFor, outstandingCents } from "../../domain/budget";
import { voucherDeadlines } from "../../domain/claims";
import { blockingFindings, type Finding, localDate } from "../../domain/eligibility";
import { type Cents } from "../../domain/money";
import { amountToApprove, awardAmountProblem } from "../../domain/scheme";
import { type Message, msg, sentences } from "../../domain/message";
import { audit } from "../platform/audit";
import { createOnce } from "../platform/form-keys";
import { type Application, loadApplication, lockApplication, lockCompany, transition } from "../applications/records";
import { notifyCompany } from "../applications/notify";
import { commit, commitmentOf, readCeilings, release } from "../finance/budget";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction, insertedId, nowIso } from "../platform/context";
import { decideAwardLetter, type IssuedLetter, storeAwardLetter } from "../letters/letters";
import { callVoucherType } from "../scheme/reference";
import { assertNoConflict, requireDecider } from "./conflicts";
import { approvalFindings, skippedReserve, skipRefusal } from "./decision-facts";

/*
 * The manager's decisions on an application. Each is one transaction that goes through
 * transition() (state machine, version check, audit) and, for money, through the budget service
 * (ledger). Eligibility is re-evaluated at the moment of approval because the company's data,
 * other awards and the calendar may have changed since submission. The pages' data is in
 * queries.ts; conflicts of interest in conflicts.ts.
 */

export { assertNoConflict, declareConflict } from "./conflicts";

async function decidable(trx: Trx, ctx: ServiceContext, id: number): Promise<{ app: Application; deciderId: number }> {
  const decider = requireDecider(ctx);
  await lockApplication(trx, id);
  const app = await loadApplication(ctx, id, trx);
  await assertNoConflict(trx, ctx, app);
  return { app, deciderId: decider.id };
}

async function findingsAtDecision(trx: Trx, ctx: ServiceContext, app: Application): Promise<Finding[]> {
  const type = await callVoucherType(trx, app.callId, app.voucherTypeId);
  return approvalFindings(trx, ctx, app, amountToApprove(type, app.requestedCents));
}

interface DecisionRecordInput { amountCents: Cents | null; reason: string | null; findings: Finding[]; skipReason: string | null; skippedApplicationId: number | null }

/** The decision with the eligibility findings as they were at that moment; never changed afterwards. */
async function recordDecision(trx: Trx, ctx: ServiceContext, app: Application, deciderId: number, action: "approve" | "reject" | "reserve", d: DecisionRecordInput): Promise<void> {
  await trx("decision_records").insert({
    application_id: app.id, action, decided_at: nowIso(ctx), decided_by: deciderId, amount_cents: d.amountCents, reason: d.reason,
    skip_reason: d.skipReason, skipped_application_id: d.skippedApplicationId, findings_json: JSON.stringify(d.findings),
  });
}

export interface ApprovalResult {
  amountCents: Cents;
  letterReference: string;
  completionDeadline: string;
  /**
   * The letter's PDF being written and stored after the commit. Never rejects: null when the
   * write failed (reported through ctx.reportError), which leaves the letter pending for the sweep.
   */
  letterWritten: Promise<IssuedLetter | null>;
}

/**
 * R4, R11, R12, R13 in one transaction: a refusal anywhere (eligibility, budget, letter) leaves
 * nothing behind. The amount is the fixed amount for fixed types; for capped types the manager's
 * amount, at most requested and the cap.
 */
export async function approve(ctx: ServiceContext, id: number, input: { amountCents?: Cents | null; skipReason?: string | null }): Promise<ApprovalResult> {
  const { result, letter } = await inTransaction(ctx, async (trx) => {
    const { app, deciderId } = await decidable(trx, ctx, id);
    await lockCompany(trx, app.companyId);
    const type = await callVoucherType(trx, app.callId, app.voucherTypeId);
    const amount = amountToApprove(type, app.requestedCents, input.amountCents ?? null);
    const problem = awardAmountProblem(type, app.requestedCents ?? 0, amount);
    if (problem) throw new ValidationError(problem, { amount: problem });

    const findings = await approvalFindings(trx, ctx, app, amount, type);
    const blocking = blockingFindings(findings);
    if (blocking[0]) {
      throw new RuleViolationError(blocking[0].rule, msg("errors:review.notApprovable", {
        reasons: sentences(blocking.map((b) => msg("errors:review.findingWithRule", { finding: b.text ?? b.message, rule: b.rule }))),
      }));
    }
    // Read once for the reserve list and the ceilings to commit under; the ledger locks and
    // re-reads the ones it books against.
    const ceilings = await readCeilings(trx, app.callId);
    const skipped = await skippedReserve(trx, app, ceilings);
    const skipReason = skipped ? (input.skipReason ?? "").trim() : "";
    if (skipped && !skipReason) {
      throw new RuleViolationError("R4", skipRefusal(skipped, ctx), { skipReason: msg("errors:review.skipReasonMissing") });
    }

    const approvedOn = localDate(nowIso(ctx), ctx.config.timeZone);
    // The call's completion days and the type's claim days as the call fixed them when it opened.
    const { completionDeadline, claimDeadline } = voucherDeadlines(type, approvedOn);
    const record = { findings, skipReason: skipReason || null, skippedApplicationId: skipped?.id ?? null };
    await transition(trx, ctx, app, "approve", {
      approved_cents: amount, approved_on: approvedOn, completion_deadline: completionDeadline, claim_deadline: claimDeadline,
      decided_at: nowIso(ctx), decided_by: deciderId, decision_reason: null,
    }, record);
    await recordDecision(trx, ctx, app, deciderId, "approve", { amountCents: amount, reason: null, ...record });
    const defined = ceilings.map((c) => c.key);
    await commit(trx, ctx, {
      callId: app.callId, applicationId: app.id, amountCents: amount,
      ceilingKeys: ceilingKeysFor({ voucherTypeCode: app.voucherTypeCode, partnerId: app.partnerId }, defined),
      idempotencyKey: `approve:${app.id}`, note: `Approval of ${app.reference ?? `application ${app.id}`}`,
    });
    const letter = await decideAwardLetter(trx, ctx, app.id, { type });
    await notifyCompany(trx, ctx, app, "decision-approved", {
      reference: letter.reference, amount, approvedOn, completionDeadline, claimDeadline, letterReference: letter.reference,
    });
    return { result: { amountCents: amount, letterReference: letter.reference, completionDeadline }, letter };
  });
  // The letter's PDF is written after the commit, outside the write lock, and the approval answers
  // without waiting for it: the decision, the letter's number and its facts are already committed,
  // and a page that shows the letter waits for the write (services/letters). A failure to write
  // the PDF must not present the committed approval as refused.
  const letterWritten = storeAwardLetter(ctx, letter).catch((err: unknown) => {
    ctx.reportError?.(err);
    return null;
  });
  return { ...result, letterWritten };
}

export async function reject(ctx: ServiceContext, id: number, input: { templateId?: number | null; reason?: string }): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    let reason = (input.reason ?? "").trim();
    if (!reason && input.templateId) {
      const t = await trx("rejection_templates").where({ id: input.templateId }).first("text");
      if (!t) throw new ValidationError(msg("errors:review.rejectionReasonMissing"), { templateId: msg("errors:review.chooseListedReason") });
      reason = t.text;
    }
    if (!reason) throw new ValidationError(msg("errors:review.rejectionReasonMissing"), { reason: msg("errors:review.chooseOrWriteReason") });
    const { app, deciderId } = await decidable(trx, ctx, id);
    const findings = await findingsAtDecision(trx, ctx, app);
    await transition(trx, ctx, app, "reject", { decided_at: nowIso(ctx), decided_by: deciderId, decision_reason: reason }, { findings });
    await recordDecision(trx, ctx, app, deciderId, "reject", { amountCents: null, reason, findings, skipReason: null, skippedApplicationId: null });
    await notifyCompany(trx, ctx, app, "decision-rejected", { reason });
  });
}

export async function requestInfo(ctx: ServiceContext, id: number, message: string): Promise<void> {
  const text = message.trim();
  if (!text) throw new ValidationError(msg("errors:review.infoMissing"), { message: msg("errors:review.infoMissingField") });
  await inTransaction(ctx, async (trx) => {
    const { app } = await decidable(trx, ctx, id);
    await transition(trx, ctx, app, "request-info", { decision_reason: text });
    await notifyCompany(trx, ctx, app, "more-info-requested", { message: text });
  });
}

export async function reserve(ctx: ServiceContext, id: number): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    const { app, deciderId } = await decidable(trx, ctx, id);
    const findings = await findingsAtDecision(trx, ctx, app);
    await transition(trx, ctx, app, "reserve", { decided_at: nowIso(ctx), decided_by: deciderId }, { findings });
    await recordDecision(trx, ctx, app, deciderId, "reserve", { amountCents: null, reason: null, findings, skipReason: null, skippedApplicationId: null });
  });
}

/**
 * Cancels an approved or accepted voucher, or one whose verified claim is not paid, and gives its
 * outstanding commitment back (R4, R5).
 */
export async function cancel(ctx: ServiceContext, id: number, reason: string): Promise<Cents> {
  const text = reason.trim();
  if (!text) throw new ValidationError(msg("errors:review.cancellationReasonMissing"), { reason: msg("errors:review.enterReason") });
  return inTransaction(ctx, async (trx) => {
    const { app } = await decidable(trx, ctx, id);
    // A claim on its way to being paid (in a prepared SEPA batch) is finance's to take out first:
    // executing the batch would otherwise be refused as a whole.
    const inBatch = await trx("payment_paths as pp").join("claims as cl", "cl.id", "pp.claim_id").join("sepa_batches as b", "b.id", "pp.batch_id")
      .where("cl.application_id", app.id).whereNull("pp.closed_at").whereNull("pp.payment_id").first<{ message_id: string } | undefined>("b.message_id");
    if (inBatch) throw new ConflictError(msg("errors:review.cancelInBatch", { messageId: inBatch.message_id }), "claim_in_batch");
    await transition(trx, ctx, app, "cancel", { decision_reason: text });
    return releaseOutstanding(trx, ctx, app, `cancel:${app.id}`, `Cancellation: ${text}`.slice(0, 300));
  });
}

/** Releases what an application still holds; shared by cancellation and expiry. */
export async function releaseOutstanding(trx: Trx, ctx: ServiceContext, app: Application, idempotencyKey: string, note: string): Promise<Cents> {
  const c = await commitmentOf(trx, app.id);
  const outstanding = outstandingCents(c);
  if (outstanding <= 0) return 0;
  await release(trx, ctx, { callId: c.callId, applicationId: app.id, amountCents: outstanding, ceilingKeys: c.ceilingKeys, idempotencyKey, note });
  return outstanding;
}

// ---------------------------------------------------------------------------------------------
// Rejection templates (editable by managers and administrators)
// ---------------------------------------------------------------------------------------------

/** Adds a template (`id` null; `formKey` as for every creating form) or changes one. */
export async function saveRejectionTemplate(ctx: ServiceContext, id: number | null, input: { title: string; text: string }, formKey: string | null = null): Promise<number> {
  requireDecider(ctx);
  const fields: Record<string, Message> = {};
  if (!input.title.trim()) fields.title = msg("errors:review.template.titleMissing");
  if (!input.text.trim()) fields.text = msg("errors:review.template.textMissing");
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:review.template.notSaved"), fields);
  const row = { title: input.title.trim(), text: input.text.trim() };
  return inTransaction(ctx, async (trx) => {
    if (id === null) {
      return createOnce(trx, ctx, formKey, "rejection-template", input, async () => {
        const newId = insertedId((await trx("rejection_templates").insert(row).returning("id"))[0]);
        await audit(trx, ctx, { action: "rejection-template.created", entityType: "rejection_template", entityId: newId, after: row });
        return newId;
      });
    }
    const before = await trx("rejection_templates").where({ id }).first();
    if (!before) throw new ValidationError(msg("errors:review.template.notSaved"), { id: msg("errors:review.template.gone") });
    await trx("rejection_templates").where({ id }).update(row);
    await audit(trx, ctx, { action: "rejection-template.updated", entityType: "rejection_template", entityId: id, before, after: row });
    return id;
  });
}
