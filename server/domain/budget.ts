/**
 * Budget ceilings and the commitment ledger (R4, R5).
 *
 * A call has a total ceiling and optionally one per voucher type ("type:MG") and one per regional
 * partner ("partner:3"). Every budget movement is an append-only ledger entry against all the
 * ceilings the application falls under:
 * - commit: approval reserves the award;
 * - release: cancellation, expiry or a payment below the award gives the unused part back;
 * - payment: money actually paid out of the commitment.
 * For each ceiling, at every moment: 0 <= paid <= committed - released <= ceiling.
 * A correction is a new entry with a negative amount that reverses an earlier one; it is held to
 * the same invariants. The database layer serialises entries per call (row lock / transaction)
 * and uses applyEntry to decide whether an entry may be appended.
 */
import { ConflictError, englishText, type Text } from "../errors";
import { type Message, money, msg, type MessageParam } from "./message";
import { type Cents, assertCents, formatMoney } from "./money";

/** "a; b; c": the parts of one refusal, each a message. */
function semicolonList(parts: readonly Message[]): MessageParam {
  const [first, ...rest] = parts;
  if (first === undefined) return "";
  return rest.length === 0 ? first : msg("errors:format.semicolon", { first, rest: semicolonList(rest) });
}

export interface CeilingState {
  /** "total", "type:MG", "partner:<id>" */
  key: string;
  label: string;
  ceilingCents: Cents;
  /** Sum of commit entries (gross). */
  committedCents: Cents;
  /** Sum of release entries. */
  releasedCents: Cents;
  /** Sum of payment entries. */
  paidCents: Cents;
}

export type EntryKind = "commit" | "release" | "payment";

export interface LedgerEntryInput {
  kind: EntryKind;
  /** Positive; negative only for a correction that reverses an earlier entry of the same kind. */
  amountCents: Cents;
  ceilingKeys: string[];
}

export interface Shortfall {
  key: string;
  label: string;
  remainingCents: Cents;
  shortfallCents: Cents;
}

/**
 * A ceiling's name in the reader's language. A call stores an English label with each ceiling
 * (services/calls/calls.ts writes "Total budget", "<type name> vouchers" and "<partner> (<region>)");
 * the total is named from its key, a voucher type's from the type's name, which is never
 * translated; a partner's ceiling, or a label written otherwise, as it is.
 */
export function ceilingName(c: { key: string; label: string }): Text {
  if (c.key === "total") return msg("codes:ceiling.total");
  const typeName = TYPE_CEILING_LABEL.exec(c.label)?.[1];
  if (c.key.startsWith("type:") && typeName) return msg("codes:ceiling.type", { type: typeName });
  return c.label;
}

const TYPE_CEILING_LABEL = /^(.+) vouchers$/;

export class BudgetExceededError extends ConflictError {
  constructor(
    readonly amountCents: Cents,
    readonly exceeded: Shortfall[],
  ) {
    const parts = exceeded.map((e) => msg("errors:budget.shortfall", { ceiling: ceilingName(e), remaining: money(e.remainingCents), short: money(e.shortfallCents) }));
    super(msg("errors:budget.exceeded", { amount: money(amountCents), parts: semicolonList(parts) }), "budget_exceeded");
  }
}

/** A release, payment or correction that would break paid <= committed - released (or go below zero). */
export class LedgerInvariantError extends ConflictError {
  constructor(message: Text, code = "ledger_invariant") {
    super(message, code);
  }
}

export function netCommittedCents(c: CeilingState): Cents {
  return c.committedCents - c.releasedCents;
}

/** What can still be committed under this ceiling. */
export function remainingCents(c: CeilingState): Cents {
  return c.ceilingCents - (c.committedCents - c.releasedCents);
}

/**
 * Committed and not yet paid or released, for a ceiling, an application or any total of the
 * ledger. A result beyond exact integers is refused rather than rounded.
 */
export function outstandingCents(c: Pick<CeilingState, "committedCents" | "releasedCents" | "paidCents">): Cents {
  // Each step is checked: an intermediate beyond 2^53 may already be rounded.
  return assertCents(assertCents(c.committedCents - c.releasedCents) - c.paidCents);
}

export function emptyCeiling(key: string, label: string, ceilingCents: Cents): CeilingState {
  return { key, label, ceilingCents: assertCents(ceilingCents), committedCents: 0, releasedCents: 0, paidCents: 0 };
}

export function canCommit(
  ceilings: readonly CeilingState[],
  amountCents: Cents,
): { ok: true } | { ok: false; exceeded: Shortfall[] } {
  const amount = assertCents(amountCents);
  const exceeded: Shortfall[] = [];
  for (const c of ceilings) {
    const remaining = remainingCents(c);
    if (amount > remaining) {
      exceeded.push({ key: c.key, label: c.label, remainingCents: remaining, shortfallCents: amount - remaining });
    }
  }
  return exceeded.length === 0 ? { ok: true } : { ok: false, exceeded };
}

/** Null when 0 <= paid <= committed - released <= ceiling and released >= 0 hold, otherwise what is wrong. */
export function checkInvariants(c: CeilingState): string | null {
  const problem = invariantProblem(c);
  return problem && englishText(problem);
}

/** The first broken invariant of a ceiling as a message, or null. */
export function invariantProblem(c: CeilingState): Message | null {
  for (const f of ["ceilingCents", "committedCents", "releasedCents", "paidCents"] as const) {
    if (!Number.isSafeInteger(c[f])) return msg("errors:budget.notCents", { ceiling: ceilingName(c), field: f });
  }
  const net = netCommittedCents(c);
  if (c.paidCents < 0) return msg("errors:budget.paidNegative", { ceiling: ceilingName(c), paid: money(c.paidCents) });
  if (c.releasedCents < 0) return msg("errors:budget.releasedNegative", { ceiling: ceilingName(c), released: money(c.releasedCents) });
  if (c.paidCents > net) return msg("errors:budget.paidAboveNet", { ceiling: ceilingName(c), paid: money(c.paidCents), net: money(net) });
  if (net > c.ceilingCents) return msg("errors:budget.netAboveCeiling", { ceiling: ceilingName(c), net: money(net), limit: money(c.ceilingCents) });
  return null;
}

/**
 * The ceilings after appending `entry`, or a refusal. Pure: the input is not modified. Every key
 * in entry.ceilingKeys must be one of the given ceilings; ceilings not named are returned as they
 * are.
 */
export function applyEntry(ceilings: readonly CeilingState[], entry: LedgerEntryInput): CeilingState[] {
  const amount = assertCents(entry.amountCents);
  if (amount === 0) throw new LedgerInvariantError(msg("errors:budget.zeroAmount"), "ledger_zero_amount");
  const keys = new Set(entry.ceilingKeys);
  if (keys.size === 0) throw new LedgerInvariantError(msg("errors:budget.noCeiling"));
  for (const k of keys) {
    if (!ceilings.some((c) => c.key === k)) throw new Error(`Ledger entry names an unknown ceiling: ${k}`);
  }

  const affected = ceilings.filter((c) => keys.has(c.key));
  const steps = affected.map((before) => {
    const n = { ...before };
    if (entry.kind === "commit") n.committedCents = before.committedCents + amount;
    else if (entry.kind === "release") n.releasedCents = before.releasedCents + amount;
    else if (entry.kind === "payment") n.paidCents = before.paidCents + amount;
    else throw new Error(`Unknown ledger entry kind: ${String(entry.kind)}`);
    return { before, n };
  });

  // More commitment than a ceiling allows (a commit, or a reversed release).
  const exceeded: Shortfall[] = [];
  for (const { before, n } of steps) {
    if (netCommittedCents(n) > n.ceilingCents && netCommittedCents(n) > netCommittedCents(before)) {
      const remaining = remainingCents(before);
      const increase = netCommittedCents(n) - netCommittedCents(before);
      exceeded.push({ key: n.key, label: n.label, remainingCents: remaining, shortfallCents: increase - remaining });
    }
  }
  if (exceeded.length > 0) throw new BudgetExceededError(Math.abs(amount), exceeded);

  for (const { before, n } of steps) {
    const problem = invariantProblem(n);
    if (problem === null) continue;
    if (entry.kind === "release" && amount > 0) {
      throw new LedgerInvariantError(
        msg("errors:budget.releaseTooLarge", { amount: money(amount), outstanding: money(outstandingCents(before)), ceiling: ceilingName(before) }),
        "release_exceeds_outstanding",
      );
    }
    if (entry.kind === "payment" && amount > 0) {
      throw new LedgerInvariantError(
        msg("errors:budget.paymentTooLarge", { amount: money(amount), outstanding: money(outstandingCents(before)), ceiling: ceilingName(before) }),
        "payment_exceeds_commitment",
      );
    }
    if (entry.kind === "commit" && amount < 0) {
      throw new LedgerInvariantError(
        msg("errors:budget.correctionTooLarge", { amount: money(amount), ceiling: ceilingName(before) }),
        "correction_not_possible",
      );
    }
    // A correction (negative payment or release) that breaks an invariant, or a ceiling that was
    // already broken before this entry.
    throw new LedgerInvariantError(msg("errors:budget.notPossible", { problem }), "correction_not_possible");
  }

  const byKey = new Map(steps.map(({ n }) => [n.key, n]));
  return ceilings.map((c) => byKey.get(c.key) ?? c);
}

/** The ceiling keys an application's entries are booked against, among those the call defines. */
export function ceilingKeysFor(app: { voucherTypeCode: string; partnerId: number }, defined: readonly string[]): string[] {
  const keys = ["total"];
  const typeKey = `type:${app.voucherTypeCode}`;
  const partnerKey = `partner:${app.partnerId}`;
  if (defined.includes(typeKey)) keys.push(typeKey);
  if (defined.includes(partnerKey)) keys.push(partnerKey);
  return keys;
}

/** R14 lives with the other claim rules; re-exported for the payment code that imports it from here. */
export { payableCents } from "./claims";

/** On payment the unpaid part of the award goes back to the budget (R4). */
export function settlementOnPayment(awardCents: Cents, payableCentsValue: Cents): { paymentCents: Cents; releaseCents: Cents } {
  const award = assertCents(awardCents);
  const payable = assertCents(payableCentsValue);
  if (payable < 0 || payable > award) {
    throw new RangeError(`The payable amount ${formatMoney(payable)} must be between zero and the award ${formatMoney(award)}.`);
  }
  return { paymentCents: payable, releaseCents: award - payable };
}

/** Totals of a list of entries for one ceiling (for rebuilding a CeilingState from the ledger). */
export function ceilingFromEntries(
  base: { key: string; label: string; ceilingCents: Cents },
  entries: readonly { kind: EntryKind; amountCents: Cents | string; ceilingKeys: readonly string[] }[],
): CeilingState {
  const totals = { commit: 0n, release: 0n, payment: 0n };
  for (const e of entries) {
    if (e.ceilingKeys.includes(base.key)) totals[e.kind] += BigInt(assertCents(e.amountCents));
  }
  return {
    key: base.key,
    label: base.label,
    ceilingCents: assertCents(base.ceilingCents),
    committedCents: assertCents(totals.commit),
    releasedCents: assertCents(totals.release),
    paidCents: assertCents(totals.payment),
  };
}
