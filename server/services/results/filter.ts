import { DateTime } from "luxon";
import { BadRequestError } from "../../errors";

/*
 * The period and call a results page is about. Dates are calendar days in the programme's zone,
 * both inclusive, as on the ledger page: instants (submissions, ledger entries, referrals) are
 * compared with the UTC bounds of those days, dates (approval day, payment day) with the days.
 */

export interface ResultsFilter {
  from?: string;
  to?: string;
  fromUtc?: string;
  toUtcExclusive?: string;
  callId?: number;
}

function startOfLocalDay(day: string, zone: string): DateTime {
  return DateTime.fromISO(day, { zone }).startOf("day");
}

/** Builds the filter from already-validated values (YYYY-MM-DD days, a call id). */
export function resultsFilter(input: { from?: string | null; to?: string | null; callId?: number | null }, timeZone: string): ResultsFilter {
  const f: ResultsFilter = {};
  if (input.from) {
    f.from = input.from;
    f.fromUtc = startOfLocalDay(input.from, timeZone).toUTC().toISO() ?? undefined;
  }
  if (input.to) {
    f.to = input.to;
    f.toUtcExclusive = startOfLocalDay(input.to, timeZone).plus({ days: 1 }).toUTC().toISO() ?? undefined;
  }
  if (f.from && f.to && f.from > f.to) {
    throw new BadRequestError(`The period is empty: "from" (${f.from}) is after "to" (${f.to}).`, "bad_filter");
  }
  if (input.callId) f.callId = input.callId;
  return f;
}

/** The filter as a query string for links (downloads keep the period the page shows). */
export function resultsQuery(f: ResultsFilter): string {
  const p = new URLSearchParams();
  if (f.from) p.set("from", f.from);
  if (f.to) p.set("to", f.to);
  if (f.callId) p.set("call", String(f.callId));
  return p.toString();
}
