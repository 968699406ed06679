import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../errors";
import { assessClaim, costLineDateMessage, costLineDateStatus, type LineDateStatus } from "../../domain/claims";
import { claimRateMonth, missingRateMessage } from "../../domain/exchange-rates";
import { assertCents, type Cents, convertToEurCents, formatMoney } from "../../domain/money";
import { localDate } from "../../domain/time";
import { type Application, applicationQuery, loadApplication, lockApplication, toApplication, transition } from "../applications/records";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction, nowIso } from "../platform/context";
import { assertNoConflict } from "../review/decisions";
import { currentRates, type RateRow } from "../finance/exchange-rates";
import { notifyApplicants } from "../platform/mail";
import { callVoucherType, type VoucherTypeRow } from "../scheme/reference";

/*
 * Claim verification by the cluster manager (R2, R11, R14). The manager marks each cost line
 * eligible or not; a foreign-currency line is converted at the rate finance entered for the
 * claim's month and currency (never typed by the manager), and the payable amount follows from
 * the voucher type's payment basis. The rate, its month, the original amount and the EUR result
 * are stored on the line when the claim is verified; the claim keeps the payable amount and the
 * explanation shown to the manager, which finance pays from.
 */

export interface CostLine {
  id: number;
  incurredOn: string;
  description: string;
  currency: string;
  originalMinor: number;
  rate: string | null;
  rateMonth: string | null;
  eurCents: Cents | null;
  eligible: boolean | null;
  ineligibleReason: string | null;
}

export interface LineDecision { id: number; eligible: boolean; reason: string }

/** The rates the claim's foreign lines need, looked up in finance's table for the claim's month. */
export interface ClaimRates { month: string; rates: Map<string, RateRow> }

export interface Assessment {
  /** rateProblem: why a foreign line has no EUR amount yet (finance has not entered the rate). */
  lines: (CostLine & { eligible: boolean; beforeApproval: boolean; dateStatus: LineDateStatus; rateProblem: string | null })[];
  eligibleCostsCents: Cents;
  payableCents: Cents;
  explanation: string;
  /** The dates the lines are judged against (R11). */
  approvedOn: string;
  claimDay: string;
}

function toLine(r: Record<string, unknown>): CostLine {
  return {
    id: Number(r.id), incurredOn: String(r.incurred_on), description: String(r.description), currency: String(r.currency),
    originalMinor: Number(r.original_minor), rate: (r.rate as string) ?? null, rateMonth: (r.rate_month as string) ?? null,
    eurCents: r.eur_cents === null || r.eur_cents === undefined ? null : assertCents(r.eur_cents),
    eligible: r.eligible === null || r.eligible === undefined ? null : !!r.eligible, ineligibleReason: (r.ineligible_reason as string) ?? null,
  };
}

/**
 * Applies the manager's line decisions (or, without them, what is stored), converts foreign
 * amounts at finance's rate for the claim's month (R2), and asks the domain for R11 + R14 (assessClaim): which lines count
 * against the approval day and the claim day, and what is payable. Throws a ValidationError
 * naming each line field that cannot be read, unless `lenient` (the first look at the page,
 * before the manager has entered anything).
 */
export function assess(type: VoucherTypeRow, app: Pick<Application, "approvedCents" | "approvedOn">, claimDay: string, stored: CostLine[], decisions: LineDecision[] | null, rates: ClaimRates | null, lenient = false): Assessment {
  const fields: Record<string, string> = {};
  const award = app.approvedCents ?? 0;
  const approvedOn = app.approvedOn ?? claimDay;
  const converted = stored.map((l) => {
    const d = decisions?.find((x) => x.id === l.id);
    const line = { ...l, rateProblem: null as string | null };
    if (d) {
      line.eligible = d.eligible;
      line.ineligibleReason = d.eligible ? null : d.reason.trim() || null;
      if (!d.eligible && !line.ineligibleReason) fields[`reason_${l.id}`] = "Give the reason why this cost is not eligible.";
    }
    // Without a decision a line counts when its date is within the dates (assessClaim's default).
    if (line.eligible === null) line.eligible = costLineDateStatus(l.incurredOn, approvedOn, claimDay) === "within";
    if (l.currency === "EUR") {
      line.eurCents = l.originalMinor;
      line.rate = null;
      line.rateMonth = null;
    } else if (rates) {
      // A decided claim keeps the rate it was verified with; only an open one looks the rate up.
      const found = rates.rates.get(`${l.currency} ${rates.month}`);
      if (!found) {
        line.rate = null;
        line.rateMonth = rates.month;
        line.eurCents = null;
        line.rateProblem = missingRateMessage(l.currency, rates.month);
        if (line.eligible) fields[`rate_${l.id}`] = line.rateProblem;
      } else {
        line.rate = found.rate;
        line.rateMonth = found.month;
        line.eurCents = convertToEurCents(l.originalMinor, found.rate, 2);
      }
    }
    return line;
  });
  const result = assessClaim({ type, awardCents: award, approvedOn, claimDay, reportVerified: true, lines: converted });
  const lines = converted.map((l, i) => {
    const a = result.lines[i];
    if (a.problem) fields[`eligible_${l.id}`] = a.problem;
    // A line refused for its date carries the rule as its reason unless the manager gave one.
    const dateReason = a.eligible ? null : costLineDateMessage(a.dateStatus, l.incurredOn, approvedOn, claimDay);
    const ineligibleReason = a.eligible ? l.ineligibleReason : (l.ineligibleReason ?? (dateReason ? `Cost ${dateReason}` : null));
    return { ...l, eligible: a.eligible, ineligibleReason, dateStatus: a.dateStatus, beforeApproval: a.dateStatus === "before-approval" };
  });
  if (!lenient && Object.keys(fields).length) throw new ValidationError("Some cost lines need your attention.", fields);
  return { lines, eligibleCostsCents: result.eligibleCostsCents, payableCents: result.payableCents, explanation: result.explanation, approvedOn, claimDay };
}

/** The day the claim was submitted, in the programme time zone: the last day costs may carry. */
function claimDayOf(ctx: ServiceContext, c: { submitted_at: string }): string {
  return localDate(String(c.submitted_at), ctx.config.timeZone);
}

function requireVerifier(ctx: ServiceContext) {
  const a = ctx.actor;
  if (!a || (a.role !== "manager" && a.role !== "admin")) throw new ForbiddenError("Only cluster managers and administrators verify claims.");
  return a;
}

export async function claimsToVerify(ctx: ServiceContext): Promise<(Application & { claimId: number; claimSubmittedAt: string })[]> {
  const actor = requireVerifier(ctx);
  const q = applicationQuery(ctx.db).join("claims as cl", "cl.application_id", "a.id")
    .where({ "a.state": "claim-submitted", "cl.status": "submitted" })
    .select("cl.id as claim_id", "cl.submitted_at as claim_submitted_at").orderBy("cl.submitted_at");
  if (actor.role === "manager") q.where("a.partner_id", actor.partnerId ?? -1);
  return (await q).map((r) => ({ ...toApplication(r), claimId: Number(r.claim_id), claimSubmittedAt: String(r.claim_submitted_at) }));
}

export interface ClaimReview {
  app: Application;
  type: VoucherTypeRow;
  claim: { id: number; status: string; report: string; organisationsMet: string; resultContacts: string; resultProduct: string; followUp: string; submittedAt: string; payableCents: Cents | null; payableExplanation: string | null; decisionReason: string | null };
  evidence: { id: number; name: string; sizeBytes: number }[];
  assessment: Assessment;
}

async function loadClaim(ctx: ServiceContext, claimId: number, trx?: Trx) {
  const db = trx ?? ctx.db;
  const c = await db("claims").where({ id: claimId }).first();
  if (!c) throw new NotFoundError();
  const app = await loadApplication(ctx, Number(c.application_id), trx);
  const type = await callVoucherType(db, app.callId, app.voucherTypeId);
  const lines = (await db("claim_cost_lines").where({ claim_id: claimId }).orderBy("id")).map(toLine);
  let rates: ClaimRates | null = null;
  if (c.status === "submitted") {
    const month = claimRateMonth(String(c.submitted_at), ctx.config.timeZone);
    const pairs = lines.filter((l) => l.currency !== "EUR").map((l) => ({ currency: l.currency, month }));
    rates = { month, rates: await currentRates(db, pairs) };
  }
  return { c, app, type, lines, rates };
}

export async function reviewClaim(ctx: ServiceContext, claimId: number, decisions: LineDecision[] | null = null): Promise<ClaimReview> {
  requireVerifier(ctx);
  const { c, app, type, lines, rates } = await loadClaim(ctx, claimId);
  const evidence = (await ctx.db("attachments").where({ claim_id: claimId }).orderBy("id").select("id", "original_name", "size_bytes"))
    .map((a) => ({ id: Number(a.id), name: a.original_name, sizeBytes: Number(a.size_bytes) }));
  return {
    app, type, evidence,
    claim: {
      id: Number(c.id), status: c.status, report: c.report, organisationsMet: c.organisations_met ?? "", resultContacts: c.result_contacts ?? "",
      resultProduct: c.result_product ?? "", followUp: c.follow_up ?? "", submittedAt: c.submitted_at,
      payableCents: c.payable_cents === null || c.payable_cents === undefined ? null : assertCents(c.payable_cents),
      payableExplanation: c.payable_explanation ?? null, decisionReason: c.decision_reason ?? null,
    },
    assessment: assess(type, app, claimDayOf(ctx, c), lines, decisions, rates, true),
  };
}

async function decidableClaim(trx: Trx, ctx: ServiceContext, claimId: number) {
  requireVerifier(ctx);
  const first = await trx("claims").where({ id: claimId }).first("application_id");
  if (!first) throw new NotFoundError();
  await lockApplication(trx, Number(first.application_id));
  const loaded = await loadClaim(ctx, claimId, trx);
  await assertNoConflict(trx, ctx, loaded.app);
  if (loaded.c.status !== "submitted") throw new ConflictError(`This claim has already been ${String(loaded.c.status)}.`, "claim_decided");
  return loaded;
}

export async function verifyClaim(ctx: ServiceContext, claimId: number, decisions: LineDecision[]): Promise<Assessment> {
  return inTransaction(ctx, async (trx) => {
    const { c, app, type, lines, rates } = await decidableClaim(trx, ctx, claimId);
    const result = assess(type, app, claimDayOf(ctx, c), lines, decisions, rates);
    for (const l of result.lines) {
      await trx("claim_cost_lines").where({ id: l.id, claim_id: claimId }).update({
        eligible: l.eligible, ineligible_reason: l.eligible ? null : l.ineligibleReason, rate: l.rate, rate_month: l.rateMonth, eur_cents: l.eurCents,
      });
    }
    await trx("claims").where({ id: claimId, status: "submitted" }).update({
      status: "verified", verified_by: ctx.actor!.id, verified_at: nowIso(ctx), payable_cents: result.payableCents, payable_explanation: result.explanation,
    });
    await transition(trx, ctx, app, "verify-claim", {}, { claimId, payableCents: result.payableCents, explanation: result.explanation });
    await notifyApplicants(trx, ctx, app, "claim-verified", { amount: formatMoney(result.payableCents), explanation: result.explanation });
    return result;
  });
}

export async function rejectClaim(ctx: ServiceContext, claimId: number, reason: string): Promise<void> {
  const text = reason.trim();
  if (!text) throw new ValidationError("Please give the reason for rejecting the claim.", { rejectReason: "Enter the reason." });
  await inTransaction(ctx, async (trx) => {
    const { app } = await decidableClaim(trx, ctx, claimId);
    await trx("claims").where({ id: claimId, status: "submitted" }).update({
      status: "rejected", verified_by: ctx.actor!.id, verified_at: nowIso(ctx), decision_reason: text,
    });
    await transition(trx, ctx, app, "reject-claim", {}, { claimId, reason: text });
    await notifyApplicants(trx, ctx, app, "claim-rejected", { reason: text });
  });
}
