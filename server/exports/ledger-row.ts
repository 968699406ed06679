/**
 * The row shape every disbursement-ledger export format consumes (R16), and the running totals
 * they all compute while streaming. The service layer maps its knex stream to these rows; the
 * format writers never touch the database.
 *
 * Sign convention (assumed here, must match the ledger service): `amountCents` is the entry's
 * amount exactly as stored. A normal commit, release or payment is positive; a correction under
 * R5 is a new entry of the same kind with the opposite sign. Totals per kind are therefore plain
 * sums, and outstanding = commit - release - payment.
 */
import { ValidationError } from "../errors";
import { outstandingCents } from "../domain/budget";
import { instantMillisOrNull, parseCalendarDate, zonedParts } from "../domain/date-format";
import { assertCents } from "../domain/money";

export const LEDGER_KINDS = ["commit", "release", "payment"] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerExportRow {
  entryId: number;
  /** ISO instant of the entry, e.g. "2026-03-04T23:30:00Z". */
  date: string;
  kind: LedgerKind;
  voucherReference: string | null;
  company: string;
  vatNumber: string;
  region: string;
  partner: string;
  call: string;
  voucherType: string;
  /** Integer euro cents, signed as stored (see the sign convention above). */
  amountCents: number;
  originalCurrency: string | null;
  /** Decimal string in the original currency, e.g. "3725.00". */
  originalAmount: string | null;
  /** The recorded exchange rate exactly as stored (R2), e.g. "7.4604". */
  rate: string | null;
  /** The month of that rate (R2), "YYYY-MM"; one per rate when a payment used several. */
  rateMonth?: string | null;
  paymentReference: string | null;
  /**
   * The payment's value date as on the bank statement (payments.paid_on, YYYY-MM-DD), which is
   * what an accountant matches against; `date` is only when the entry was recorded. Null for
   * commit and release entries and for a payment entry without a payment row.
   */
  paidOn: string | null;
  recordedBy: string;
}

export const LEDGER_COLUMNS = [
  "Entry ID",
  "Date",
  "Kind",
  "Voucher reference",
  "Company",
  "VAT number",
  "Region",
  "Partner",
  "Call",
  "Voucher type",
  "Amount EUR",
  "Original currency",
  "Original amount",
  "Rate",
  "Payment reference",
  "Paid on",
  "Recorded by",
  // Last, so that adding it moved no existing column for files already read by position.
  "Rate month",
] as const;

export type KindTotals = Record<LedgerKind, number>;

function zeroTotals(): KindTotals {
  return { commit: 0, release: 0, payment: 0 };
}

/** Adds two cent amounts, refusing a result that is no longer an exact integer. */
function addCents(a: number, b: number): number {
  const sum = a + b;
  // Both operands are safe integers, so the sum is exact whenever it is itself a safe integer;
  // if it is not, the double may already be rounded and the total would silently be wrong.
  if (!Number.isSafeInteger(sum)) throw new RangeError("Ledger total too large to be represented exactly in cents.");
  return sum;
}

/** outstanding = commit - release - payment (the budget's rule, domain/budget.ts), per kind totals. */
export function kindOutstanding(t: KindTotals): number {
  return outstandingCents({ committedCents: t.commit, releasedCents: t.release, paidCents: t.payment });
}

/**
 * Running totals over the exported rows, integer cents only. Every writer returns one of these so
 * the caller can compare the export against the dashboard's totals (R16) without re-reading it.
 */
export class LedgerTotals {
  rowCount = 0;
  readonly byKind: KindTotals = zeroTotals();
  readonly perCall = new Map<string, KindTotals>();
  readonly perRegion = new Map<string, KindTotals>();
  readonly perType = new Map<string, KindTotals>();

  add(row: LedgerExportRow): void {
    const cents = assertCents(row.amountCents);
    const kind = assertKind(row.kind);
    this.byKind[kind] = addCents(this.byKind[kind], cents);
    bump(this.perCall, row.call, kind, cents);
    bump(this.perRegion, row.region, kind, cents);
    bump(this.perType, row.voucherType, kind, cents);
    this.rowCount++;
  }

  get outstanding(): number {
    return kindOutstanding(this.byKind);
  }
}

function bump(map: Map<string, KindTotals>, key: string, kind: LedgerKind, cents: number): void {
  let t = map.get(key);
  if (!t) {
    t = zeroTotals();
    map.set(key, t);
  }
  t[kind] = addCents(t[kind], cents);
}

export function assertKind(kind: unknown): LedgerKind {
  if (typeof kind === "string" && (LEDGER_KINDS as readonly string[]).includes(kind)) return kind as LedgerKind;
  throw new ValidationError(`Unknown ledger entry kind: ${JSON.stringify(kind)}`);
}

export interface CalendarDay { year: number; month: number; day: number }

/** Refuses an unknown time zone before a byte is written, in words. */
export function assertExportTimeZone(timeZone: string): void {
  try {
    zonedParts("2000-01-01T00:00:00Z", timeZone);
  } catch {
    throw new ValidationError(`Unknown time zone: ${JSON.stringify(timeZone)}`);
  }
}

/*
 * An export converts every row's instant to a local day. Most entries of a ledger fall in hours
 * already seen, and a UTC offset changes only at a transition, so the offset is looked up once per
 * zone and UTC hour and the day computed from it; an hour with a transition inside it is
 * converted instant by instant. The cache is dropped when it grows large, keeping memory flat.
 */
const HOUR = 3_600_000;
const MAX_CACHED_HOURS = 100_000;
const offsetsByZone = new Map<string, Map<number, number | null>>();

function offsetAt(millis: number, timeZone: string): number {
  const whole = Math.floor(millis / 1000) * 1000;
  const p = zonedParts(new Date(whole), timeZone);
  if (!p) throw new ValidationError(`Ledger entry has an invalid date: ${millis}`);
  const wall = new Date(Date.UTC(2000, p.month - 1, p.day, p.hour, p.minute, p.second));
  wall.setUTCFullYear(p.year);
  return wall.getTime() - whole;
}

function hourOffset(hour: number, timeZone: string): number | null {
  let hours = offsetsByZone.get(timeZone);
  if (!hours) offsetsByZone.set(timeZone, (hours = new Map<number, number | null>()));
  let offset = hours.get(hour);
  if (offset === undefined) {
    const start = offsetAt(hour * HOUR, timeZone);
    offset = start === offsetAt(hour * HOUR + HOUR - 1, timeZone) ? start : null;
    if (hours.size >= MAX_CACHED_HOURS) hours.clear();
    hours.set(hour, offset);
  }
  return offset;
}

/**
 * The calendar date of an entry in the programme's time zone. An entry recorded at 00:30 in
 * Copenhagen is 23:30 UTC the day before; accountants reconcile by the local date. A string
 * without an offset is read as UTC, never as the server's local zone, so the export does not
 * change with the machine it runs on.
 */
export function localDay(iso: string, timeZone: string): CalendarDay {
  const millis = instantMillisOrNull(iso);
  if (millis === null) throw new ValidationError(`Ledger entry has an invalid date: ${JSON.stringify(iso)}`);
  let offset: number | null;
  try {
    offset = hourOffset(Math.floor(millis / HOUR), timeZone);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError(`Unknown time zone: ${JSON.stringify(timeZone)}`);
  }
  if (offset === null) {
    const p = zonedParts(new Date(millis), timeZone);
    if (!p) throw new ValidationError(`Ledger entry has an invalid date: ${JSON.stringify(iso)}`);
    return { year: p.year, month: p.month, day: p.day };
  }
  const local = new Date(millis + offset);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function isoDate(d: CalendarDay): string {
  return `${String(d.year).padStart(4, "0")}-${pad2(d.month)}-${pad2(d.day)}`;
}

/** How the database writes instants (Date#toISOString); the hour is its first 13 characters. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;
const daysByZone = new Map<string, Map<string, string | null>>();

/**
 * The local day of every instant in a UTC hour, when it is the same for the whole hour (no
 * transition inside it, and no local midnight inside it, as with offsets of half an hour).
 */
function hourDay(hourPrefix: string, timeZone: string): string | null {
  let days = daysByZone.get(timeZone);
  if (!days) daysByZone.set(timeZone, (days = new Map<string, string | null>()));
  let day = days.get(hourPrefix);
  if (day === undefined) {
    const start = isoDate(localDay(`${hourPrefix}:00:00.000Z`, timeZone));
    day = start === isoDate(localDay(`${hourPrefix}:59:59.999Z`, timeZone)) && hourOffset(Date.parse(`${hourPrefix}:00:00.000Z`) / HOUR, timeZone) !== null ? start : null;
    if (days.size >= MAX_CACHED_HOURS) days.clear();
    days.set(hourPrefix, day);
  }
  return day;
}

/** "YYYY-MM-DD": the local day of an entry (see localDay), for text formats. */
export function localIsoDate(iso: string, timeZone: string): string {
  if (CANONICAL_INSTANT.test(iso)) {
    const day = hourDay(iso.slice(0, 13), timeZone);
    if (day !== null) return day;
  }
  return isoDate(localDay(iso, timeZone));
}

/**
 * A value date (payments.paid_on) checked to be a real calendar day written YYYY-MM-DD. It is a
 * bank date, not an instant, so no time zone applies: it is written exactly as stored.
 */
export function assertIsoDay(value: string): string {
  if (parseCalendarDate(value) === null) {
    throw new ValidationError(`Ledger entry has an invalid payment date: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Rows sorted deterministically by name, for the totals tables. */
export function sortedTotals(map: Map<string, KindTotals>): Array<[string, KindTotals]> {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
