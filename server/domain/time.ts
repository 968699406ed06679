/**
 * Calendar dates and instants. Two kinds of value travel through the domain:
 * - an instant: an ISO 8601 string with "Z" or an offset ("2025-03-01T11:00:00.000Z"), a moment
 *   that is the same everywhere (call opening and closing, approvals, "now");
 * - a calendar date: "YYYY-MM-DD" without a zone (activity start, cost dates, deadlines). Which day
 *   an instant falls on depends on the programme's time zone (Europe/Copenhagen by default), so
 *   "today" is always localDate(now, programmeTimeZone), never the server's or UTC's day.
 */
import { DateTime } from "luxon";
import { ValidationError } from "../errors";
import { isoDayOf, parseCalendarDate, zonedParts } from "./date-format";
import { msg, type Message } from "./message";

export const DEFAULT_TIME_ZONE = "Europe/Copenhagen";

/** Dates before or after these are typing mistakes in every field of the scheme. */
export const EARLIEST_DATE = "1990-01-01";
export const LATEST_DATE = "2100-12-31";

export function isValidDate(date: unknown): date is string {
  return typeof date === "string" && parseCalendarDate(date) !== null;
}

/** `what` names the date in the refusal, as a label from errors:time.what ("approval date"). */
export function assertDate(date: string, what: Message = msg("errors:time.what.date")): string {
  if (!isValidDate(date)) throw new ValidationError(msg("errors:time.invalidDate", { what, value: String(date) }));
  return date;
}

/** Zones already found valid: asking luxon builds a DateTime and works out its offset each time. */
const knownZones = new Set<string>();

export function assertTimeZone(timeZone: string): string {
  if (knownZones.has(timeZone)) return timeZone;
  if (typeof timeZone !== "string" || !DateTime.now().setZone(timeZone).isValid) {
    throw new ValidationError(msg("errors:time.unknownZone", { zone: String(timeZone) }));
  }
  knownZones.add(timeZone);
  return timeZone;
}

/**
 * Parses an instant. Strings without an offset are read as UTC, because that is how the database
 * stores instants (SQLite returns "2025-03-01 11:00:00"); a server's local zone never enters.
 */
export function parseInstant(instant: string | Date): DateTime {
  if (instant instanceof Date) {
    const d = DateTime.fromJSDate(instant, { zone: "UTC" });
    if (!d.isValid) throw new ValidationError(msg("errors:time.invalidDateTime"));
    return d;
  }
  const s = typeof instant === "string" ? instant.trim().replace(" ", "T") : "";
  const d = DateTime.fromISO(s, { zone: "UTC" });
  if (!d.isValid || !/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    throw new ValidationError(msg("errors:time.notDateTime", { value: String(instant) }));
  }
  return d;
}

/** Milliseconds since the epoch, for comparing instants. */
export function instantMillis(instant: string | Date): number {
  return parseInstant(instant).toMillis();
}

/** Normalised ISO UTC instant, e.g. "2025-03-01T11:00:00.000Z" (same format as Date#toISOString). */
export function toIsoInstant(instant: string | Date): string {
  return parseInstant(instant).toUTC().toISO()!;
}

/** The calendar date (YYYY-MM-DD) an instant falls on in a time zone. */
export function localDate(instantIso: string | Date, timeZone: string): string {
  assertTimeZone(timeZone);
  // Through the cached offsets of date-format.ts where they read the instant (the forms the
  // database and Date#toISOString write); luxon reads, or refuses, any other form.
  const wall = zonedParts(instantIso, timeZone);
  return wall ? isoDayOf(wall) : parseInstant(instantIso).setZone(timeZone).toISODate()!;
}

/**
 * Converts a wall-clock time typed in a form ("YYYY-MM-DDTHH:mm", as <input type=datetime-local>
 * sends it; seconds and a space instead of T are also accepted) in the programme's zone to an ISO
 * UTC instant.
 * - A time that does not exist (skipped when clocks go forward, e.g. 02:30 on the last Sunday of
 *   March in Copenhagen) is refused: silently moving it would open or close a call at a moment
 *   nobody chose.
 * - A time that exists twice (clocks go back) is the first occurrence (summer time), so a
 *   deadline is never later than the first time the clock shows it.
 */
export function zonedLocalToInstant(local: string, timeZone: string): string {
  assertTimeZone(timeZone);
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(typeof local === "string" ? local.trim() : "");
  if (!m) throw new ValidationError(msg("errors:time.notDateTimeFormat", { value: String(local) }));
  const wall = `${m[1]}T${m[2]}:${m[3]}:${m[4] ?? "00"}`;
  const dt = DateTime.fromISO(wall, { zone: timeZone });
  if (!dt.isValid) throw new ValidationError(msg("errors:time.notDateTime", { value: local }));
  if (dt.toFormat("yyyy-MM-dd'T'HH:mm:ss") !== wall) {
    throw new ValidationError(msg("errors:time.skipped", { day: m[1] ?? "", time: `${m[2] ?? ""}:${m[3] ?? ""}`, zone: timeZone }));
  }
  let chosen = dt;
  for (const minutes of [30, 60, 120]) {
    const earlier = dt.minus({ minutes });
    if (earlier.toFormat("yyyy-MM-dd'T'HH:mm:ss") === wall) chosen = earlier;
  }
  return chosen.toUTC().toISO();
}

/** Calendar arithmetic on a YYYY-MM-DD date (no time zone involved). */
export function addDays(date: string, days: number): string {
  assertDate(date);
  if (!Number.isInteger(days)) throw new RangeError(`Not a whole number of days: ${days}`);
  return DateTime.fromISO(date, { zone: "UTC" }).plus({ days }).toISODate()!;
}

/** Calendar years back or forward; 29 February minus a year is 28 February. */
export function addYears(date: string, years: number): string {
  assertDate(date);
  if (!Number.isInteger(years)) throw new RangeError(`Not a whole number of years: ${years}`);
  return DateTime.fromISO(date, { zone: "UTC" }).plus({ years }).toISODate()!;
}

/** Negative, zero or positive like a comparator; both must be YYYY-MM-DD. */
export function compareDates(a: string, b: string): number {
  assertDate(a);
  assertDate(b);
  return a < b ? -1 : a > b ? 1 : 0;
}
