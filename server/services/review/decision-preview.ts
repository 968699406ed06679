import { BudgetExceededError, canCommit, ceilingKeysFor, remainingCents } from "../../domain/budget";
import { blockingFindings } from "../../domain/eligibility";
import { assertTransition } from "../../domain/lifecycle";
import type { Cents } from "../../domain/money";
import { amountToApprove, awardAmountProblem } from "../../domain/scheme";
import { msg, sentences } from "../../domain/message";
import { RuleViolationError, ValidationError } from "../../errors";
import { type Application, loadApplication } from "../applications/records";
import { readCeilings } from "../finance/budget";
import type { ServiceContext } from "../platform/context";
import { callVoucherType } from "../scheme/reference";
import { assertNoConflict, requireDecider } from "./conflicts";
import { approvalFindings, type SkippedApplication, skippedFacts, skippedReserve, skipRefusal } from "./decision-facts";

/*
 * What a decision would do, read before the manager confirms it. Nothing is written: the
 * decision itself (decisions.ts) checks everything again in its own transaction, so a preview
 * that has gone stale by the time the manager confirms cannot commit anything it should not.
 * The preview refuses what the decision would refuse, with the same words, so the manager learns
 * it on the decision page rather than after confirming.
 */

export type DecisionKind = "approve" | "reject" | "request-info" | "reserve";

export interface Recipient { name: string; email: string }

export interface CeilingAfter { key: string; label: string; remainingCents: Cents; afterCents: Cents }

export interface DecisionPreview {
  kind: DecisionKind;
  app: Application;
  /** Who is e-mailed about the decision: the company's active applicant accounts. */
  recipients: Recipient[];
  /** Approve: the amount committed (the amount awarded, which may differ from the one requested). */
  amountCents: Cents | null;
  /** Approve: every ceiling the commitment falls under, before and after it. */
  ceilings: CeilingAfter[];
  /** Approve: the application number is replaced by the voucher reference at approval. */
  renumbered: boolean;
  /** Approve: the earlier reserve-listed application that is skipped, and the reason given. */
  skipped: SkippedApplication | null;
  skipReason: string | null;
  /** Reject and request-info: the text the applicant receives. */
  message: string | null;
  /** Reject: the template the reason came from, when one was chosen and no own text written. */
  templateTitle: string | null;
}

export type DecisionInput =
  | { kind: "approve"; amountCents: Cents | null; skipReason: string }
  | { kind: "reject"; templateId: number | null; reason: string }
  | { kind: "request-info"; message: string }
  | { kind: "reserve" };

export async function previewDecision(ctx: ServiceContext, id: number, input: DecisionInput): Promise<DecisionPreview> {
  const actor = requireDecider(ctx);
  const app = await loadApplication(ctx, id);
  await assertNoConflict(ctx.db, ctx, app);
  assertTransition(app.state, input.kind, actor.role);
  const recipients = (await ctx.db("users").where({ company_id: app.companyId, role: "applicant", active: true }).orderBy("id").select("name", "email"))
    .map((u) => ({ name: u.name, email: u.email }));
  const base: DecisionPreview = {
    kind: input.kind, app, recipients, amountCents: null, ceilings: [], renumbered: false,
    skipped: null, skipReason: null, message: null, templateTitle: null,
  };
  switch (input.kind) {
    case "approve": return { ...base, ...(await approvalPreview(ctx, app, input.amountCents, input.skipReason)) };
    case "reject": return { ...base, ...(await rejectionText(ctx, input.templateId, input.reason)) };
    case "request-info": {
      const message = input.message.trim();
      if (!message) throw new ValidationError(msg("errors:review.infoMissing"), { message: msg("errors:review.infoMissingField") });
      return { ...base, message };
    }
    case "reserve": return base;
  }
}

async function approvalPreview(ctx: ServiceContext, app: Application, chosenCents: Cents | null, skipReasonInput: string): Promise<Partial<DecisionPreview>> {
  const type = await callVoucherType(ctx.db, app.callId, app.voucherTypeId);
  const amount = amountToApprove(type, app.requestedCents, chosenCents);
  const problem = awardAmountProblem(type, app.requestedCents ?? 0, amount);
  if (problem) throw new ValidationError(problem, { amount: problem });
  const blocking = blockingFindings(await approvalFindings(ctx.db, ctx, app, amount));
  if (blocking[0]) {
    throw new RuleViolationError(blocking[0].rule, msg("errors:review.notApprovable", {
        reasons: sentences(blocking.map((b) => msg("errors:review.findingWithRule", { finding: b.text ?? b.message, rule: b.rule }))),
      }));
  }
  const skipped = await skippedReserve(ctx.db, app);
  const skipReason = skipped ? skipReasonInput.trim() : "";
  if (skipped && !skipReason) {
    throw new RuleViolationError("R4", skipRefusal(skipped, ctx), { skipReason: msg("errors:review.skipReasonMissing") });
  }
  const all = await readCeilings(ctx.db, app.callId);
  const keys = ceilingKeysFor(app, all.map((c) => c.key));
  const own = all.filter((c) => keys.includes(c.key));
  const fits = canCommit(own, amount);
  if (!fits.ok) throw new BudgetExceededError(amount, fits.exceeded);
  return {
    amountCents: amount,
    ceilings: own.map((c) => ({ key: c.key, label: c.label, remainingCents: remainingCents(c), afterCents: remainingCents(c) - amount })),
    renumbered: (app.reference ?? "").startsWith("APP-") || app.reference === null,
    skipped: skipped ? skippedFacts(skipped) : null,
    skipReason: skipReason || null,
  };
}

async function rejectionText(ctx: ServiceContext, templateId: number | null, reasonInput: string): Promise<Partial<DecisionPreview>> {
  const own = reasonInput.trim();
  if (own) return { message: own };
  if (templateId) {
    const t = await ctx.db("rejection_templates").where({ id: templateId }).first("title", "text");
    if (!t) throw new ValidationError(msg("errors:review.rejectionReasonMissing"), { templateId: msg("errors:review.chooseListedReason") });
    return { message: t.text, templateTitle: t.title };
  }
  throw new ValidationError(msg("errors:review.rejectionReasonMissing"), { reason: msg("errors:review.chooseOrWriteReason") });
}
