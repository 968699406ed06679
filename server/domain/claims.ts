/**
 * Claims and deadlines (R11, R12, R14): when a voucher can be claimed, which cost dates count,
 * when it expires, and what a verified claim pays. The claim form, the manager's verification, the
 * daily expiry job, the award letter, the reminders and the pages all ask these functions, so a
 * claim on a given day gets the same answer whether or not the daily job has already run.
 *
 * All days are calendar dates (YYYY-MM-DD) in the programme time zone; the caller turns "now"
 * into "today" with localDate(now, timeZone).
 */
import { englishText, type FieldTexts, ValidationError } from "../errors";
import { day, decimal, type Message, type MessageParam, money, msg, type Text } from "./message";
import { missingRateMessage, type RateEntry } from "./exchange-rates";
import type { AppState } from "./lifecycle";
import { type Cents, assertCents, convertToEurCents, formatAmount, sumCents } from "./money";
import type { PaymentBasis, VoucherType } from "./scheme";
import { DateTime } from "luxon";
import { addDays, assertDate } from "./time";

// ---------------------------------------------------------------------------------------------
// R12: deadlines and expiry
// ---------------------------------------------------------------------------------------------

export interface VoucherDeadlines {
  /** The last day of the activity. */
  completionDeadline: string;
  /** The last day on which a claim is accepted; the voucher expires the day after without a claim. */
  claimDeadline: string;
}

/**
 * The deadlines an award sets: the activity is completed within completionDays of the approval
 * day, and claimed within claimDays after that.
 */
export function voucherDeadlines(type: Pick<VoucherType, "completionDays" | "claimDays">, approvedOn: string): VoucherDeadlines {
  assertDate(approvedOn, msg("errors:time.what.approvalDate"));
  const completionDeadline = addDays(approvedOn, type.completionDays);
  return { completionDeadline, claimDeadline: addDays(completionDeadline, type.claimDays) };
}

/** A claim made on the deadline day is still accepted; from the next day it is late. */
export function isPastDeadline(today: string, deadline: string): boolean {
  assertDate(today);
  assertDate(deadline, msg("errors:time.what.deadline"));
  return today > deadline;
}

/**
 * Whether a company whose claim is rejected today can still claim again: only until the claim
 * deadline. A claim rejected after it ends the voucher (it expires, releasing its commitment).
 */
export function canClaimAgain(claimDeadline: string | null, today: string): boolean {
  return claimDeadline === null || !isPastDeadline(today, claimDeadline);
}

/**
 * The states in which an awarded voucher waits for a (new) claim. A submitted or verified claim
 * stops the clock: the voucher then ends by payment or by the manager's decision, never by expiry.
 */
const AWAITING_CLAIM: readonly AppState[] = ["approved", "accepted", "claim-rejected"];

export interface VoucherFacts {
  /** An AppState as stored. */
  state: string;
  claimDeadline: string | null;
}

/**
 * Why the voucher has expired on `today`, or null if it has not. R12: a voucher expires, and its
 * commitment is released, when the claim deadline passes without a claim. The completion
 * deadline does not end the voucher: the award letter promises claims until the claim deadline.
 */
export function expiryReason(v: VoucherFacts, today: string): string | null {
  const text = expiryText(v, today);
  return text && englishText(text);
}

/** expiryReason as a message. */
export function expiryText(v: VoucherFacts, today: string): Message | null {
  if (!AWAITING_CLAIM.includes(v.state as AppState) || !v.claimDeadline) return null;
  if (!isPastDeadline(today, v.claimDeadline)) return null;
  return v.state === "claim-rejected"
    ? msg("errors:claims.expiredAfterRejection", { deadline: day(v.claimDeadline) })
    : msg("errors:claims.expiredWithoutClaim", { deadline: day(v.claimDeadline) });
}

/** The state as it is on `today`: "expired" once due, even before the daily job has written it. */
export function voucherStateOn(v: VoucherFacts, today: string): AppState {
  return expiryReason(v, today) ? "expired" : (v.state as AppState);
}

// ---------------------------------------------------------------------------------------------
// R11 + R12: when a claim can be submitted
// ---------------------------------------------------------------------------------------------

export interface ClaimWindowFacts {
  activityStart: string | null;
  activityEnd: string | null;
  claimDeadline: string | null;
}

export type ClaimWindow =
  | { open: true; opensOn: string; closesOn: string | null }
  | { open: false; rule: "R11" | "R12"; reason: string; text: Message; opensOn: string | null; closesOn: string | null };

function closed(rule: "R11" | "R12", text: Message, opensOn: string | null, closesOn: string | null): ClaimWindow {
  return { open: false, rule, reason: englishText(text), text, opensOn, closesOn };
}

/**
 * A claim reports an activity that has taken place, so it can be submitted from the activity's
 * last day (the end date reached, in the programme time zone) up to and including the claim
 * deadline. A one-day activity without an end date ends on its start date.
 */
export function claimWindow(v: ClaimWindowFacts, today: string): ClaimWindow {
  assertDate(today);
  const opensOn = claimsOpenOn(v);
  const closesOn = v.claimDeadline || null;
  if (closesOn && isPastDeadline(today, closesOn)) {
    return closed("R12", msg("errors:claims.deadlinePassed", { deadline: day(closesOn), today: day(today) }), opensOn, closesOn);
  }
  if (!opensOn) {
    return closed("R11", msg("errors:claims.noActivityDates"), opensOn, closesOn);
  }
  assertDate(opensOn, msg("errors:time.what.activityEnd"));
  if (today < opensOn) {
    return closed("R11", closesOn
      ? msg("errors:claims.notEndedUntil", { end: day(opensOn), deadline: day(closesOn), today: day(today) })
      : msg("errors:claims.notEnded", { end: day(opensOn), today: day(today) }), opensOn, closesOn);
  }
  return { open: true, opensOn, closesOn };
}

/** The first day a claim can be submitted: the activity's last day. */
export function claimsOpenOn(v: Pick<ClaimWindowFacts, "activityStart" | "activityEnd">): string | null {
  return v.activityEnd || v.activityStart || null;
}

export type LineDateStatus = "before-approval" | "after-claim-day" | "within";

/**
 * R11: costs count from the day of approval (that day included) up to the day of the claim; a
 * cost dated later has not been incurred when the claim reports it.
 */
export function costLineDateStatus(incurredOn: string, approvedOn: string, claimDay: string): LineDateStatus {
  assertDate(incurredOn, msg("errors:time.what.costDate"));
  assertDate(approvedOn, msg("errors:time.what.approvalDate"));
  assertDate(claimDay, msg("errors:time.what.claimDate"));
  if (incurredOn < approvedOn) return "before-approval";
  if (incurredOn > claimDay) return "after-claim-day";
  return "within";
}

/** The refusal for a cost line outside the dates, in the applicant's and the manager's words. */
export function costLineDateText(status: LineDateStatus, incurredOn: string, approvedOn: string, claimDay: string): Message | null {
  if (status === "before-approval") return msg("errors:claims.lineBeforeApproval", { incurred: day(incurredOn), approved: day(approvedOn) });
  if (status === "after-claim-day") return msg("errors:claims.lineAfterClaimDay", { incurred: day(incurredOn), claimDay: day(claimDay) });
  return null;
}

// ---------------------------------------------------------------------------------------------
// R14: what a verified claim pays
// ---------------------------------------------------------------------------------------------

/**
 * Actual costs capped: the verified eligible costs up to the award. Lump sum: the award on a
 * verified report, nothing without one. Never more than the award.
 */
export function payableCents(
  type: { paymentBasis: PaymentBasis },
  input: { awardCents: Cents; eligibleCostsCents?: Cents | null; reportVerified: boolean },
): Cents {
  const award = assertCents(input.awardCents);
  if (award < 0) throw new RangeError("The award cannot be negative.");
  if (type.paymentBasis === "actual-costs-capped") {
    const costs = assertCents(input.eligibleCostsCents ?? 0);
    if (costs < 0) throw new RangeError("Eligible costs cannot be negative.");
    return Math.min(costs, award);
  }
  if (type.paymentBasis === "lump-sum") return input.reportVerified ? award : 0;
  throw new Error(`Unknown payment basis: ${String(type.paymentBasis)}`);
}

export interface ClaimLine {
  incurredOn: string;
  currency: string;
  originalMinor: number;
  /** Set for other currencies once converted (R2); the EUR amount for EUR lines. */
  eurCents: Cents | null;
  rate: string | null;
  rateMonth: string | null;
  /** The manager's decision; null before any decision. */
  eligible: boolean | null;
}

export interface AssessedLine {
  dateStatus: LineDateStatus;
  /** The decision, defaulting to "eligible" for lines within the dates. */
  eligible: boolean;
  /** Counted towards the eligible costs. */
  counted: boolean;
  /** Why the decision cannot stand (a line outside the dates marked eligible). */
  problem: Message | null;
}

export interface ClaimAssessment {
  lines: AssessedLine[];
  eligibleCostsCents: Cents;
  payableCents: Cents;
  /** The English rendering, stored with the verified claim and sent in its e-mail. */
  explanation: string;
  /** The same in the reader's language. */
  explanationMessage: Message;
}

/** "a + b + c", each an amount in the reader's conventions. */
function plusList(items: readonly MessageParam[]): MessageParam {
  const [first, ...rest] = items;
  if (first === undefined) return "";
  return rest.length === 0 ? first : msg("errors:claims.explanation.plus", { first, rest: plusList(rest) });
}

/**
 * R11 + R14 for one claim: each line is judged against the approval day and the claim day, the
 * eligible lines with a EUR amount are added, and the payment basis gives the payable amount.
 * A line outside the dates never counts, whatever the decision says.
 */
export function assessClaim(input: {
  type: Pick<VoucherType, "name" | "paymentBasis">;
  awardCents: Cents;
  approvedOn: string;
  claimDay: string;
  reportVerified: boolean;
  lines: readonly ClaimLine[];
}): ClaimAssessment {
  const award = assertCents(input.awardCents);
  const lines = input.lines.map((l): AssessedLine => {
    const dateStatus = costLineDateStatus(l.incurredOn, input.approvedOn, input.claimDay);
    const eligible = l.eligible ?? dateStatus === "within";
    const why = eligible ? costLineDateText(dateStatus, l.incurredOn, input.approvedOn, input.claimDay) : null;
    const problem = why ? msg("errors:claims.lineProblem", { why }) : null;
    return { dateStatus, eligible, counted: eligible && dateStatus === "within" && l.eurCents !== null, problem };
  });
  const counted = input.lines.filter((_, i) => lines[i]?.counted === true);
  const eligibleCostsCents = sumCents(counted.map((l) => assertCents(l.eurCents)));
  const payable = payableCents(input.type, { awardCents: award, eligibleCostsCents, reportVerified: input.reportVerified });
  const parts = counted.map((l): MessageParam => (l.currency === "EUR"
    ? money(assertCents(l.eurCents))
    : msg("errors:claims.explanation.foreign", {
      eur: money(assertCents(l.eurCents)), currency: l.currency, original: decimal(formatAmount(l.originalMinor)), rate: decimal(l.rate ?? ""), month: l.rateMonth ?? "",
    })));
  let explanationMessage: Message;
  if (input.type.paymentBasis === "actual-costs-capped") {
    explanationMessage = msg("errors:claims.explanation.capped", {
      parts: parts.length ? plusList(parts) : msg("errors:claims.explanation.none"),
      eligible: money(eligibleCostsCents), award: money(award), payable: money(payable),
    });
  } else if (input.reportVerified) {
    explanationMessage = msg("errors:claims.explanation.fixedVerified", { type: input.type.name, award: money(award), payable: money(payable) });
  } else {
    explanationMessage = msg("errors:claims.explanation.fixedUnverified", { type: input.type.name, award: money(award) });
  }
  return { lines, eligibleCostsCents, payableCents: payable, explanation: englishText(explanationMessage), explanationMessage };
}

// ---------------------------------------------------------------------------------------------
// R2, R11, R14: the manager's verification of a claim
// ---------------------------------------------------------------------------------------------

/** A cost line of a claim as stored. */
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
  /** The manager's reason, or the rule's when a line is refused for its date and no reason was given. */
  ineligibleReason: Text | null;
}

/** The manager's decision on one line; a refusal needs a reason. */
export interface LineDecision { id: number; eligible: boolean; reason: string }

/**
 * The rates an open claim's foreign lines are converted at: finance's table for the claim's month
 * (R2), keyed `${currency} ${month}`. A decided claim has none: it keeps the rates it was verified with.
 */
export interface ClaimRates { month: string; rates: ReadonlyMap<string, Pick<RateEntry, "rate" | "month">> }

export interface VerifiedLine extends CostLine {
  eligible: boolean;
  dateStatus: LineDateStatus;
  beforeApproval: boolean;
  /** Why a foreign line has no EUR amount yet (finance has not entered the rate). */
  rateProblem: Message | null;
}

export interface Verification {
  lines: VerifiedLine[];
  eligibleCostsCents: Cents;
  payableCents: Cents;
  explanation: string;
  explanationMessage: Message;
  /** The dates the lines are judged against (R11). */
  approvedOn: string;
  claimDay: string;
  /**
   * The rate each foreign line was converted at ("id:rate", in line order), carried by the
   * manager's form: a verification whose rates changed since the page was shown is not made.
   */
  ratesUsed: string;
}

/**
 * The manager's verification of a claim: applies the line decisions (or, without them, what is
 * stored), converts foreign amounts at finance's rate for the claim's month (R2), and judges the
 * lines and the payable amount with assessClaim (R11, R14). Throws a ValidationError naming each
 * line field that cannot stand (a refusal without reason, a missing rate, an eligible line outside
 * the dates), unless `lenient` (the first look at the page, before the manager has entered anything).
 */
export function verifyClaimLines(input: {
  type: Pick<VoucherType, "name" | "paymentBasis">;
  awardCents: Cents | null;
  approvedOn: string | null;
  claimDay: string;
  stored: readonly CostLine[];
  decisions: readonly LineDecision[] | null;
  rates: ClaimRates | null;
  lenient?: boolean;
}): Verification {
  const { claimDay, rates } = input;
  const fields: FieldTexts = {};
  const award = input.awardCents ?? 0;
  const approvedOn = input.approvedOn ?? claimDay;
  const converted = input.stored.map((l) => {
    const d = input.decisions?.find((x) => x.id === l.id);
    const line: CostLine & { rateProblem: Message | null } = { ...l, rateProblem: null };
    if (d) {
      line.eligible = d.eligible;
      line.ineligibleReason = d.eligible ? null : d.reason.trim() || null;
      if (!d.eligible && !line.ineligibleReason) fields[`reason_${l.id}`] = msg("errors:claims.lineReasonMissing");
    }
    // Without a decision a line counts when its date is within the dates (assessClaim's default).
    if (line.eligible === null) line.eligible = costLineDateStatus(l.incurredOn, approvedOn, claimDay) === "within";
    if (l.currency === "EUR") {
      line.eurCents = l.originalMinor;
      line.rate = null;
      line.rateMonth = null;
    } else if (rates) {
      const found = rates.rates.get(`${l.currency} ${rates.month}`);
      if (!found) {
        line.rate = null;
        line.rateMonth = rates.month;
        line.eurCents = null;
        const problem = missingRateMessage(l.currency, rates.month);
        line.rateProblem = problem;
        if (line.eligible) fields[`rate_${l.id}`] = problem;
      } else {
        line.rate = found.rate;
        line.rateMonth = found.month;
        line.eurCents = convertToEurCents(l.originalMinor, found.rate, 2);
      }
    }
    return line;
  });
  const result = assessClaim({ type: input.type, awardCents: award, approvedOn, claimDay, reportVerified: true, lines: converted });
  const lines = converted.map((l, i): VerifiedLine => {
    const a = result.lines[i];
    if (!a) throw new Error("assessClaim returns one assessment per line");
    if (a.problem) fields[`eligible_${l.id}`] = a.problem;
    // A line refused for its date carries the rule as its reason unless the manager gave one.
    const dateReason = a.eligible ? null : costLineDateText(a.dateStatus, l.incurredOn, approvedOn, claimDay);
    const ineligibleReason = a.eligible ? l.ineligibleReason : (l.ineligibleReason ?? (dateReason ? msg("errors:claims.costLineDated", { reason: dateReason }) : null));
    return { ...l, eligible: a.eligible, ineligibleReason, dateStatus: a.dateStatus, beforeApproval: a.dateStatus === "before-approval" };
  });
  if (!input.lenient && Object.keys(fields).length) throw new ValidationError(msg("errors:claims.linesNeedAttention"), fields);
  // A verified claim waits for its payment, and a payment of nothing is refused: verified at EUR 0
  // the voucher could never be paid, expire or be cancelled, and its award would stay committed.
  // Rejected instead, it is claimed again or expires at the claim deadline, releasing the budget.
  if (!input.lenient && result.payableCents <= 0) throw new ValidationError(msg("errors:claims.nothingPayable"), {});
  const ratesUsed = lines.filter((l) => l.currency !== "EUR").map((l) => `${l.id}:${l.rate ?? "none"}`).join(",");
  return { lines, eligibleCostsCents: result.eligibleCostsCents, payableCents: result.payableCents, explanation: result.explanation, explanationMessage: result.explanationMessage, approvedOn, claimDay, ratesUsed };
}

// ---------------------------------------------------------------------------------------------
// R12: reminders before the deadlines
// ---------------------------------------------------------------------------------------------

/** Reminders go out this many days before a deadline; a missed one is caught up by the nearer. */
export const REMINDER_DAYS = [14, 3] as const;

export interface Reminder {
  deadline: "completion" | "claim";
  date: string;
  daysLeft: number;
  /** The reminder stage (14 or 3): each is sent once per deadline. */
  stage: number;
}

function daysBetween(from: string, to: string): number {
  return Math.round(DateTime.fromISO(to, { zone: "UTC" }).diff(DateTime.fromISO(from, { zone: "UTC" }), "days").days);
}

/**
 * The reminder due on `today`, if any. Until the completion deadline an accepted (or not yet
 * accepted) voucher is reminded of that deadline; after it, a voucher still waiting for a claim is
 * reminded of the claim deadline, the last day it can be claimed before it expires. An expired
 * voucher gets none, whether or not the daily job has written its expiry.
 */
export function reminderDue(
  v: VoucherFacts & { completionDeadline: string | null },
  today: string,
): Reminder | null {
  const state = voucherStateOn(v, today);
  const stageFor = (date: string, deadline: Reminder["deadline"]): Reminder | null => {
    const daysLeft = daysBetween(today, date);
    if (daysLeft < 0 || daysLeft > Math.max(...REMINDER_DAYS)) return null;
    return { deadline, date, daysLeft, stage: Math.min(...REMINDER_DAYS.filter((d) => daysLeft <= d)) };
  };
  if ((state === "approved" || state === "accepted") && v.completionDeadline && today <= v.completionDeadline) {
    return stageFor(v.completionDeadline, "completion");
  }
  if (AWAITING_CLAIM.includes(state) && v.claimDeadline) return stageFor(v.claimDeadline, "claim");
  return null;
}
