import { type Message, money, msg, type Text } from "../../domain/message";

import { ConflictError, englishText, NotFoundError, ValidationError } from "../../errors";
import { canClaimAgain, type LineDecision, type Verification, verifyClaimLines } from "../../domain/claims";
import { localDate } from "../../domain/time";
import { explanationToStore } from "../../db/tables/claims";
import { lockApplication, transition } from "../applications/records";
import { notifyCompany } from "../applications/notify";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction, nowIso } from "../platform/context";
import { assertNoConflict } from "../review/conflicts";
import { claimDayOf, lineDecisionsOf, loadClaim, requireVerifier, type LineAnswers, type LoadedClaim } from "./claim-facts";

const ALREADY_DECIDED: Record<string, Message> = {
  verified: msg("errors:claims.alreadyVerified"), rejected: msg("errors:claims.alreadyRejected"), paid: msg("errors:claims.alreadyPaid"),
};

export type { LineAnswers, LineDecision };

/*
 * Claim verification by the cluster manager (R2, R11, R14). The manager marks each cost line
 * eligible or not; a foreign-currency line is converted at the rate finance entered for the
 * claim's month and currency (never typed by the manager), and the payable amount follows from
 * the voucher type's payment basis. The rate, its month, the original amount and the EUR result
 * are stored on the line when the claim is verified; the claim keeps the payable amount and the
 * explanation shown to the manager, which finance pays from. The rule itself is the domain's
 * verifyClaimLines; the review page reads through queries.ts.
 */

async function decidableClaim(trx: Trx, ctx: ServiceContext, claimId: number): Promise<LoadedClaim & { verifierId: number }> {
  const verifier = requireVerifier(ctx);
  const first = await trx("claims").where({ id: claimId }).first("application_id");
  if (!first) throw new NotFoundError();
  await lockApplication(trx, first.application_id);
  const loaded = await loadClaim(ctx, claimId, trx);
  await assertNoConflict(trx, ctx, loaded.app);
  if (loaded.c.status !== "submitted") throw new ConflictError(ALREADY_DECIDED[loaded.c.status] ?? `This claim has already been ${loaded.c.status}.`, "claim_decided");
  return { ...loaded, verifierId: verifier.id };
}

/**
 * `ratesShown`: the rates the manager's page showed (Verification.ratesUsed). Finance may correct a
 * month's rate while the page is open; the manager then sees the new amounts before verifying.
 */
export async function verifyClaim(ctx: ServiceContext, claimId: number, decisions: readonly LineDecision[] | LineAnswers, ratesShown?: string): Promise<Verification> {
  return inTransaction(ctx, async (trx) => {
    const { c, app, type, lines, rates, verifierId } = await decidableClaim(trx, ctx, claimId);
    const result = verifyClaimLines({
      type, awardCents: app.approvedCents, approvedOn: app.approvedOn, claimDay: claimDayOf(ctx, c), stored: lines, decisions: lineDecisionsOf(lines, decisions), rates,
    });
    if (ratesShown !== undefined && ratesShown !== result.ratesUsed) {
      throw new ConflictError(msg("errors:claims.ratesChanged", { payable: money(result.payableCents) }), "rates_changed");
    }
    for (const l of result.lines) {
      await trx("claim_cost_lines").where({ id: l.id, claim_id: claimId }).update({
        eligible: l.eligible, ineligible_reason: l.eligible || l.ineligibleReason === null ? null : reasonToStore(l.ineligibleReason), rate: l.rate, rate_month: l.rateMonth, eur_cents: l.eurCents,
      });
    }
    await trx("claims").where({ id: claimId, status: "submitted" }).update({
      status: "verified", verified_by: verifierId, verified_at: nowIso(ctx), payable_cents: result.payableCents,
      payable_explanation: explanationToStore(result.explanation, result.explanationMessage),
    });
    await transition(trx, ctx, app, "verify-claim", {}, { claimId, payableCents: result.payableCents, explanation: result.explanation });
    await notifyCompany(trx, ctx, app, "claim-verified", { amount: result.payableCents, explanation: result.explanationMessage });
    return result;
  });
}

export async function rejectClaim(ctx: ServiceContext, claimId: number, reason: string): Promise<void> {
  const text = reason.trim();
  if (!text) throw new ValidationError(msg("errors:claims.rejectReasonMissing"), { rejectReason: msg("errors:review.enterReason") });
  await inTransaction(ctx, async (trx) => {
    const { app, verifierId } = await decidableClaim(trx, ctx, claimId);
    await trx("claims").where({ id: claimId, status: "submitted" }).update({
      status: "rejected", verified_by: verifierId, verified_at: nowIso(ctx), decision_reason: text,
    });
    await transition(trx, ctx, app, "reject-claim", {}, { claimId, reason: text });
    // After the claim deadline the company cannot claim again: the e-mail says so rather than inviting a new claim.
    const claimAgain = canClaimAgain(app.claimDeadline, localDate(ctx.now(), ctx.config.timeZone));
    await notifyCompany(trx, ctx, app, "claim-rejected", { reason: text, claimClosed: !claimAgain });
  });
}/** A line's reason as the column stores it: typed text as it is, the rule's message with its English beside it. */
function reasonToStore(reason: Text): string {
  return typeof reason === "string" ? reason : explanationToStore(englishText(reason), reason);
}


