/**
 * R9: the de minimis aid a company has received in the rolling three years, the one computation
 * behind the eligibility check, the award letter and the manager's page, so the three can never
 * show different totals.
 */
import { dayInWords } from "./date-format";
import type { AppState } from "./lifecycle";
import { holdsCommitment } from "./lifecycle";
import { type Cents, assertCents, sumCents } from "./money";
import { addYears, isValidDate } from "./time";

/**
 * The first day of the rolling three years ending on `today` (programme time zone). A grant dated
 * on the same calendar day three years ago is still counted; the day before is not. Counting that
 * boundary day errs on the side of the regulation: it can only refuse an award, never let one
 * through above the ceiling.
 */
export function deMinimisWindowStart(today: string): string {
  return addYears(today, -3);
}

/** Earlier vouchers of this programme are de minimis aid from approval on, unless cancelled, expired or never granted. */
export function isDeMinimisAward(state: AppState): boolean {
  return holdsCommitment(state) || state === "paid" || state === "closed";
}

export interface DeclaredAid { grantedOn: string | null; amountCents: Cents | string }
export interface ProgrammeAward { awardedOn: string | null; amountCents: Cents | string }
/** `state` is an AppState as stored; any other text simply does not count. */
export interface ProgrammeApplication { state: string; approvedCents: Cents | string | null; approvedOn: string | null }

/** The company's applications in this programme that are de minimis aid (undated ones included). */
export function programmeAwards(apps: readonly ProgrammeApplication[]): ProgrammeAward[] {
  return apps
    .filter((a) => isDeMinimisAward(a.state as AppState) && a.approvedCents !== null && a.approvedCents !== undefined)
    .map((a) => ({ awardedOn: a.approvedOn, amountCents: assertCents(a.approvedCents) }));
}

export interface DeMinimisAid {
  windowStart: string;
  /** Aid declared by the company (other granting bodies) counted in the window. */
  declaredCents: Cents;
  /** This programme's earlier vouchers counted in the window. */
  programmeCents: Cents;
  /** declaredCents + programmeCents: the aid before the award under decision. */
  earlierCents: Cents;
}

/**
 * A grant counts when it is dated in the window (on or after its start, including dates after
 * today), and also when its date is missing or cannot be read: an undated grant cannot be shown
 * to be younger than three years or older, and leaving it out could let an award through above
 * the ceiling.
 */
export function countsInWindow(date: string | null | undefined, windowStart: string): boolean {
  return !isValidDate(date) || date >= windowStart;
}

/** The earlier aid of the rolling three years ending on `today`. */
export function deMinimisAid(input: { today: string; declarations: readonly DeclaredAid[]; awards: readonly ProgrammeAward[] }): DeMinimisAid {
  const windowStart = deMinimisWindowStart(input.today);
  const declaredCents = sumCents(input.declarations.filter((d) => countsInWindow(d.grantedOn, windowStart)).map((d) => assertCents(d.amountCents)));
  const programmeCents = sumCents(input.awards.filter((a) => countsInWindow(a.awardedOn, windowStart)).map((a) => assertCents(a.amountCents)));
  return { windowStart, declaredCents, programmeCents, earlierCents: sumCents([declaredCents, programmeCents]) };
}

/** De minimis aid (R9) is declared from the regulation's era onwards, and only once granted. */
export const EARLIEST_DE_MINIMIS_GRANT = "1990-01-01";

/**
 * Why a declared grant date cannot be counted in R9's rolling window, or null when it can: the
 * window is computed from these dates, so an impossible or future date would move it.
 */
export function deMinimisGrantDateProblem(grantedOn: string, today: string): string | null {
  if (!isValidDate(grantedOn)) return `the date granted "${String(grantedOn)}" is not a real date (YYYY-MM-DD).`;
  if (grantedOn < EARLIEST_DE_MINIMIS_GRANT) return `the date granted ${dayInWords(grantedOn)} is before ${dayInWords(EARLIEST_DE_MINIMIS_GRANT)}; check the year.`;
  if (grantedOn > today) return `the date granted ${dayInWords(grantedOn)} is in the future (today is ${dayInWords(today)}); declare aid once it has been granted.`;
  return null;
}
