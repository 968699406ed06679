import { msg } from "../../domain/message";
import { ForbiddenError, NotFoundError } from "../../errors";
import { toClaim, type ClaimRecord } from "../../db/tables/claims";
import { toCostLine } from "../../db/tables/claim-cost-lines";
import type { ClaimRates, CostLine, LineDecision } from "../../domain/claims";
import { claimRateMonth } from "../../domain/exchange-rates";
import { localDate } from "../../domain/time";
import { type Application, loadApplication } from "../applications/records";
import { currentRates } from "../finance/exchange-rates";
import type { ServiceContext, Trx } from "../platform/context";
import { callVoucherType, type VoucherTypeRow } from "../scheme/reference";

/* A claim with what its verification is judged on, read the same way by the review page and by the verification itself. */

export function requireVerifier(ctx: ServiceContext) {
  const a = ctx.actor;
  if (!a || (a.role !== "manager" && a.role !== "admin")) throw new ForbiddenError(msg("errors:claims.onlyVerifiers"));
  return a;
}

/** The day the claim was submitted, in the programme time zone: the last day costs may carry. */
export function claimDayOf(ctx: ServiceContext, c: Pick<ClaimRecord, "submittedAt">): string {
  return localDate(c.submittedAt, ctx.config.timeZone);
}

export interface LoadedClaim { c: ClaimRecord; app: Application; type: VoucherTypeRow; lines: CostLine[]; rates: ClaimRates | null }

/** The claim, its application (for someone who may see it), its cost lines and, while it is open, finance's rates for its month (R2). */
export async function loadClaim(ctx: ServiceContext, claimId: number, trx?: Trx): Promise<LoadedClaim> {
  const db = trx ?? ctx.db;
  const row = await db("claims").where({ id: claimId }).first();
  if (!row) throw new NotFoundError();
  const c = toClaim(row);
  const app = await loadApplication(ctx, c.applicationId, trx);
  const type = await callVoucherType(db, app.callId, app.voucherTypeId);
  const lines = (await db("claim_cost_lines").where({ claim_id: claimId }).orderBy("id")).map(toCostLine);
  let rates: ClaimRates | null = null;
  // A decided claim keeps the rates it was verified with; only an open one looks them up.
  if (c.status === "submitted") {
    const month = claimRateMonth(c.submittedAt, ctx.config.timeZone);
    const pairs = lines.filter((l) => l.currency !== "EUR").map((l) => ({ currency: l.currency, month }));
    rates = { month, rates: await currentRates(db, pairs) };
  }
  return { c, app, type, lines, rates };
}

/**
 * The verification form's answers by cost line id. The form shows every line; a line it leaves out
 * counts as eligible without a reason, the form's default.
 */
export type LineAnswers = ReadonlyMap<number, Omit<LineDecision, "id">>;

/** The decisions for the claim's lines, from a list (used as given) or the form's answers. */
export function lineDecisionsOf(lines: readonly CostLine[], decisions: readonly LineDecision[] | LineAnswers | null): readonly LineDecision[] | null {
  if (decisions === null || !("has" in decisions)) return decisions;
  return lines.map((l) => ({ id: l.id, eligible: decisions.get(l.id)?.eligible ?? true, reason: decisions.get(l.id)?.reason ?? "" }));
}
