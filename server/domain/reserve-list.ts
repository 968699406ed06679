/**
 * R4: the reserve list. Applications that did not fit the budget wait in order of submission;
 * budget that is released goes to the earliest reserve-listed application that fits. Any
 * reserve-listed application may still be approved, but approving one while an earlier one
 * fits skips that earlier one and needs a recorded reason.
 */
import { type CeilingState, canCommit } from "./budget";
import type { Cents } from "./money";

export interface ReserveEntry {
  id: number;
  /** ISO instant of the submission; the order of the list. */
  submittedAt: string | null;
  /** What approving it would commit. */
  amountCents: Cents;
  /** The ceilings it falls under (see ceilingKeysFor). */
  ceilingKeys: readonly string[];
}

/**
 * Submission order; the id breaks ties (two submissions in the same millisecond) and a missing
 * submission moment goes last, so the order is total and the same on every page.
 */
export function submissionOrder(a: Pick<ReserveEntry, "id" | "submittedAt">, b: Pick<ReserveEntry, "id" | "submittedAt">): number {
  if (a.submittedAt !== b.submittedAt) {
    if (a.submittedAt === null) return 1;
    if (b.submittedAt === null) return -1;
    return a.submittedAt < b.submittedAt ? -1 : 1;
  }
  return a.id - b.id;
}

export function inSubmissionOrder<T extends Pick<ReserveEntry, "id" | "submittedAt">>(list: readonly T[]): T[] {
  return [...list].sort(submissionOrder);
}

/** It fits when its amount fits in every ceiling it falls under, as they stand now. */
export function fitsBudget(entry: Pick<ReserveEntry, "amountCents" | "ceilingKeys">, ceilings: readonly CeilingState[]): boolean {
  return canCommit(ceilings.filter((c) => entry.ceilingKeys.includes(c.key)), entry.amountCents).ok;
}

/** The application the manager is offered when budget has been released: the earliest that fits. */
export function earliestFitting<T extends ReserveEntry>(list: readonly T[], ceilings: readonly CeilingState[]): T | null {
  return inSubmissionOrder(list).find((e) => fitsBudget(e, ceilings)) ?? null;
}

/**
 * The reserve-listed application that approving `candidate` would skip: the earliest one,
 * submitted before the candidate, that fits now. Null when approving the candidate skips no one
 * (nothing earlier fits, or the candidate is itself the earliest that fits).
 */
export function skippedByApproval<T extends ReserveEntry>(
  candidate: Pick<ReserveEntry, "id" | "submittedAt">,
  reserveList: readonly T[],
  ceilings: readonly CeilingState[],
): T | null {
  const earlier = reserveList.filter((e) => e.id !== candidate.id && submissionOrder(e, candidate) < 0);
  return earliestFitting(earlier, ceilings);
}
