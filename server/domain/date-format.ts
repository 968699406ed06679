/**
 * Dates and instants as people read them, formatted in the programme's time zone (R3). Views,
 * exports and letters all format through this module.
 *
 * Why not luxon here: formatting a row through luxon parses the time-zone rules and builds a
 * DateTime per value, which dominated the cost of long pages and exports. This module reads the
 * string itself and keeps one Intl.DateTimeFormat per time zone (and one per locale for long
 * dates), created on first use and reused for every value after that. Luxon remains the tool for
 * calendar arithmetic and for reading wall-clock input (server/domain/time.ts).
 *
 * Inputs are a calendar date "YYYY-MM-DD" (no zone: shown as is), an instant with "Z" or an offset,
 * an instant without an offset (read as UTC, the way the database stores it, never in the server's
 * own zone), or a Date. Anything else yields null, and each caller decides what that means.
 */

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Short zone name as Intl gives it in English, e.g. "GMT+2" or "UTC". */
  zoneName: string;
}

const MONTHS_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

const MONTHS_LONG = [
  "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
] as const;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  return String(n).padStart(4, "0");
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A real calendar day: 2026-02-30 is refused rather than rolled over to March. In the proleptic
 * Gregorian calendar, as ISO 8601 counts (year 0 is a leap year).
 */
function isRealDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1] ?? 0);
}

/** A calendar date "YYYY-MM-DD" as numbers, or null when it is not one. */
export function parseCalendarDate(value: string): { year: number; month: number; day: number } | null {
  const m = DATE_ONLY.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return isRealDay(year, month, day) ? { year, month, day } : null;
}

/** Milliseconds since the epoch of an instant (string or Date), or null when it is not one. */
export function instantMillisOrNull(value: string | Date): number | null {
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isNaN(t) ? null : t;
  }
  const m = INSTANT.exec(value.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (!isRealDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== "Z") {
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (zone.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis));
  d.setUTCFullYear(year);
  return d.getTime() - offsetMinutes * 60_000;
}

const zonedFormatters = new Map<string, Intl.DateTimeFormat>();

function zonedFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = zonedFormatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone; configuration validates the zone at start-up.
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      timeZoneName: "short",
    });
    zonedFormatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock in a time zone at an instant, straight from Intl (every call allocates its parts). */
export function zonedPartsFromIntl(t: number, timeZone: string): ZonedParts {
  const out: ZonedParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, zoneName: "" };
  for (const p of zonedFormatter(timeZone).formatToParts(t)) {
    switch (p.type) {
      case "year": out.year = Number(p.value); break;
      case "month": out.month = Number(p.value); break;
      case "day": out.day = Number(p.value); break;
      case "hour": out.hour = Number(p.value); break;
      case "minute": out.minute = Number(p.value); break;
      case "second": out.second = Number(p.value); break;
      case "timeZoneName": out.zoneName = p.value; break;
      default: break;
    }
  }
  return out;
}

/*
 * A page of ledger entries formats two instants an entry, and formatToParts was the largest part
 * of rendering it. A zone's UTC offset changes only at a transition, so it is found once per zone
 * and UTC hour (compared at the hour's first and last second) and the wall clock computed from it;
 * an hour with a transition inside it, or a year Intl writes differently (before 1000), goes
 * through Intl instant by instant. The cache is dropped when it grows large, keeping memory flat.
 */
const HOUR_MS = 3_600_000;
const MAX_CACHED_HOURS = 50_000;
interface HourOffset { offsetMs: number; zoneName: string }
const hourOffsets = new Map<string, Map<number, HourOffset | null>>();

function wallMillis(p: ZonedParts): number {
  const d = new Date(Date.UTC(2000, p.month - 1, p.day, p.hour, p.minute, p.second));
  d.setUTCFullYear(p.year);
  return d.getTime();
}

function hourOffset(hour: number, timeZone: string): HourOffset | null {
  let hours = hourOffsets.get(timeZone);
  if (!hours) hourOffsets.set(timeZone, (hours = new Map<number, HourOffset | null>()));
  let known = hours.get(hour);
  if (known === undefined) {
    const start = hour * HOUR_MS;
    const end = start + HOUR_MS - 1000;
    const a = zonedPartsFromIntl(start, timeZone);
    const b = zonedPartsFromIntl(end, timeZone);
    const offsetMs = wallMillis(a) - start;
    known = offsetMs === wallMillis(b) - end && a.zoneName === b.zoneName && a.year >= 1000 && b.year <= 9999 ? { offsetMs, zoneName: a.zoneName } : null;
    if (hours.size >= MAX_CACHED_HOURS) hours.clear();
    hours.set(hour, known);
  }
  return known;
}

/** A zone's UTC offset in milliseconds throughout a UTC hour (counted from 1970), or null when it changes within it. */
export function utcOffsetOfHour(hour: number, timeZone: string): number | null {
  return hourOffset(hour, timeZone)?.offsetMs ?? null;
}

/** The wall clock in a time zone at an instant, or null when the value is not an instant. */
export function zonedParts(instant: string | Date, timeZone: string): ZonedParts | null {
  const t = instantMillisOrNull(instant);
  if (t === null) return null;
  const known = hourOffset(Math.floor(t / HOUR_MS), timeZone);
  if (!known) return zonedPartsFromIntl(t, timeZone);
  const wall = new Date(t + known.offsetMs);
  return {
    year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate(),
    hour: wall.getUTCHours(), minute: wall.getUTCMinutes(), second: wall.getUTCSeconds(), zoneName: known.zoneName,
  };
}

/** The calendar day of a calendar date (as is) or of an instant (in the zone). */
function dayOf(value: string | Date, timeZone: string): { year: number; month: number; day: number } | null {
  if (typeof value === "string") {
    const date = parseCalendarDate(value);
    if (date) return date;
  }
  return zonedParts(value, timeZone);
}

/** "YYYY-MM-DD" of a day. */
export function isoDayOf(d: { year: number; month: number; day: number }): string {
  return `${pad4(d.year)}-${pad2(d.month)}-${pad2(d.day)}`;
}

/** "YYYY-MM-DD": the day an instant falls on in the zone; a calendar date stays as it is. */
export function isoDayIn(value: string | Date, timeZone: string): string | null {
  const d = dayOf(value, timeZone);
  return d ? isoDayOf(d) : null;
}

/** "3 Sep 2026": for pages. */
export function formatDay(value: string | Date, timeZone: string): string | null {
  const d = dayOf(value, timeZone);
  return d ? `${d.day} ${MONTHS_SHORT[d.month - 1] ?? ""} ${d.year}` : null;
}

/** "3 Sep 2026, 14:05 GMT+2": an instant on the programme's clock, naming the offset. */
export function formatDayTime(value: string | Date, timeZone: string): string | null {
  const p = zonedParts(value, timeZone);
  if (!p) return null;
  return `${p.day} ${MONTHS_SHORT[p.month - 1] ?? ""} ${p.year}, ${pad2(p.hour)}:${pad2(p.minute)} ${p.zoneName}`.trim();
}

/** "2026-09-03T14:05": the value of an <input type="datetime-local"> on the programme's clock. */
export function formatLocalInput(value: string | Date, timeZone: string): string | null {
  const p = zonedParts(value, timeZone);
  return p ? `${pad4(p.year)}-${pad2(p.month)}-${pad2(p.day)}T${pad2(p.hour)}:${pad2(p.minute)}` : null;
}

const shortDayFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * "3. sep. 2026", "3 sept. 2026", ...: formatDay in another language's conventions, for pages.
 * Like formatLongDay, the day is fixed in the programme's zone first.
 */
export function formatDayIn(value: string | Date, timeZone: string, locale: string): string | null {
  const d = dayOf(value, timeZone);
  if (!d) return null;
  let f = shortDayFormatters.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" });
    shortDayFormatters.set(locale, f);
  }
  const at = new Date(Date.UTC(2000, d.month - 1, d.day));
  at.setUTCFullYear(d.year);
  return f.format(at);
}

/** formatDayTime in another language's conventions: "3. sep. 2026, 14:05 GMT+2". */
export function formatDayTimeIn(value: string | Date, timeZone: string, locale: string): string | null {
  const p = zonedParts(value, timeZone);
  const day = formatDayIn(value, timeZone, locale);
  if (!p || !day) return null;
  return `${day}, ${pad2(p.hour)}:${pad2(p.minute)} ${p.zoneName}`.trim();
}

const longDayFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * "3 September 2026", "3. september 2026", ...: a day written out in a language, for letters.
 * The day is first fixed in the programme's zone, then written in UTC so the locale never moves it.
 */
export function formatLongDay(value: string | Date, timeZone: string, locale: string): string | null {
  const d = dayOf(value, timeZone);
  if (!d) return null;
  let f = longDayFormatters.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" });
    longDayFormatters.set(locale, f);
  }
  const at = new Date(Date.UTC(2000, d.month - 1, d.day));
  at.setUTCFullYear(d.year);
  // French writes the first of a month as an ordinal ("1er décembre 2026"); Intl gives "1 décembre".
  if (d.day === 1 && locale.startsWith("fr")) return f.formatToParts(at).map((x) => (x.type === "day" ? "1er" : x.value)).join("");
  return f.format(at);
}

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * "14:05", "14.05" (Danish, after "kl."), "14 h 05" (French): a time of day as a sentence in the
 * language writes it. Intl gives each language's separator; French sentences use "h", which Intl
 * keeps for its long styles only.
 */
export function clockTime(hour: number, minute: number, locale: string): string {
  if (locale.startsWith("fr")) return `${hour} h ${pad2(minute)}`;
  let f = clockFormatters.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    clockFormatters.set(locale, f);
  }
  return f.format(new Date(Date.UTC(2000, 0, 1, hour, minute)));
}

/**
 * "30 November 2026": a calendar date written out in the English of the scheme's messages
 * (refusals, findings), where an ISO date reads like a code. A value that is not a date is
 * returned as it is, so a message never loses what it was about.
 */
export function dayInWords(date: string): string {
  const d = parseCalendarDate(date);
  // The year keeps four digits, so a mistyped year 0001 reads as one rather than as "1".
  return d ? `${d.day} ${MONTHS_LONG[d.month - 1] ?? ""} ${pad4(d.year)}` : date;
}

/**
 * "1 April 2027 at 12:00": an instant on the programme's clock written out, for the same messages
 * as dayInWords. A value that is not an instant is returned as it is.
 */
export function dayTimeInWords(instant: string | Date, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  if (!p) return typeof instant === "string" ? instant : String(instant);
  return `${p.day} ${MONTHS_LONG[p.month - 1] ?? ""} ${pad4(p.year)} at ${pad2(p.hour)}:${pad2(p.minute)}`;
}
