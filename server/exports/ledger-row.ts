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
import { parseCalendarDate, utcOffsetOfHour, zonedParts } from "../domain/date-format";
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
  /** The payment row behind a payment entry or its correction; not a column of the exports. */
  paymentId?: number | null;
  /**
   * The payment's value date as on the bank statement (payments.paid_on, YYYY-MM-DD), which is
   * what an accountant matches against; `date` is only when the entry was recorded. Null for
   * commit and release entries and for a payment entry without a payment row.
   */
  paidOn: string | null;
  recordedBy: string;
}

/**
 * What a column holds, which each format writes in its own way (ledger-csv.ts, ledger-xlsx.ts):
 * "id" a safe integer; "instant" an ISO instant, shown as its local day in the export's zone;
 * "text" free text; "cents" integer euro cents; "amount" a decimal in another currency; "rate" a
 * recorded exchange rate, kept digit for digit (R2); "day" a YYYY-MM-DD value date.
 */
export type LedgerColumn = { header: string; width: number } & (
  | { kind: "id" | "cents"; value: (r: LedgerExportRow) => number }
  | { kind: "instant"; value: (r: LedgerExportRow) => string }
  | { kind: "text" | "amount" | "rate" | "day"; value: (r: LedgerExportRow) => string | null }
);

/** The ledger's columns in file order, for every format; `width` is the spreadsheet's column width. */
export const LEDGER_TABLE = [
  { header: "Entry ID", width: 10, kind: "id", value: (r) => entryIdOf(r) },
  { header: "Date", width: 12, kind: "instant", value: (r) => r.date },
  { header: "Kind", width: 10, kind: "text", value: (r) => r.kind },
  { header: "Voucher reference", width: 18, kind: "text", value: (r) => r.voucherReference },
  { header: "Company", width: 32, kind: "text", value: (r) => r.company },
  { header: "VAT number", width: 16, kind: "text", value: (r) => r.vatNumber },
  { header: "Region", width: 22, kind: "text", value: (r) => r.region },
  { header: "Partner", width: 26, kind: "text", value: (r) => r.partner },
  { header: "Call", width: 24, kind: "text", value: (r) => r.call },
  { header: "Voucher type", width: 16, kind: "text", value: (r) => r.voucherType },
  { header: "Amount EUR", width: 14, kind: "cents", value: (r) => r.amountCents },
  { header: "Original currency", width: 10, kind: "text", value: (r) => r.originalCurrency },
  { header: "Original amount", width: 14, kind: "amount", value: (r) => r.originalAmount },
  { header: "Rate", width: 12, kind: "rate", value: (r) => r.rate },
  { header: "Payment reference", width: 20, kind: "text", value: (r) => r.paymentReference },
  { header: "Paid on", width: 12, kind: "day", value: (r) => r.paidOn },
  { header: "Recorded by", width: 22, kind: "text", value: (r) => r.recordedBy },
  // Last, so that adding it moved no existing column for files already read by position.
  { header: "Rate month", width: 12, kind: "text", value: (r) => r.rateMonth ?? null },
] as const satisfies readonly LedgerColumn[];

export type LedgerHeader = (typeof LEDGER_TABLE)[number]["header"];

export const LEDGER_COLUMNS: readonly LedgerHeader[] = LEDGER_TABLE.map((c) => c.header);

/** The header labels a writer was given, checked to name every column once; English when none were. */
export function ledgerHeaderRow(headers: readonly string[] | undefined): readonly string[] {
  if (headers === undefined) return LEDGER_COLUMNS;
  if (headers.length !== LEDGER_COLUMNS.length) throw new TypeError(`The ledger has ${LEDGER_COLUMNS.length} columns, not ${headers.length}.`);
  return headers;
}

/** The entry id, refused unless it is a whole number a double holds exactly. */
export function entryIdOf(row: LedgerExportRow): number {
  if (!Number.isSafeInteger(row.entryId)) throw new TypeError(`Invalid ledger entry id: ${String(row.entryId)}`);
  return row.entryId;
}

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

const HOUR = 3_600_000;
const MAX_CACHED_DAYS = 100_000;

/**
 * The calendar date of an entry in the programme's time zone. An entry recorded at 00:30 in
 * Copenhagen is 23:30 UTC the day before; accountants reconcile by the local date. A string
 * without an offset is read as UTC, never as the server's local zone, so the export does not
 * change with the machine it runs on.
 */
export function localDay(iso: string, timeZone: string): CalendarDay {
  let p: ReturnType<typeof zonedParts>;
  try {
    p = zonedParts(iso, timeZone);
  } catch {
    throw new ValidationError(`Unknown time zone: ${JSON.stringify(timeZone)}`);
  }
  if (!p) throw new ValidationError(`Ledger entry has an invalid date: ${JSON.stringify(iso)}`);
  return { year: p.year, month: p.month, day: p.day };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function isoDate(d: CalendarDay): string {
  return `${String(d.year).padStart(4, "0")}-${pad2(d.month)}-${pad2(d.day)}`;
}

/** How the database writes instants (Date#toISOString). */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;
const DAY = 86_400_000;

/** A UTC day whose instants all have one whole-minute offset in a zone, and the local days they fall on. */
interface UtcDay { offsetMinutes: number; before: string; same: string; after: string }
const utcDaysByZone = new Map<string, Map<string, UtcDay | null>>();

/** Null when the offset changes during the day (a transition) or is not whole minutes (old local mean times). */
function utcDay(day: string, timeZone: string): UtcDay | null {
  let days = utcDaysByZone.get(timeZone);
  if (!days) utcDaysByZone.set(timeZone, (days = new Map<string, UtcDay | null>()));
  let known = days.get(day);
  if (known === undefined) {
    const start = Date.parse(`${day}T00:00:00.000Z`);
    const first = utcOffsetOfHour(start / HOUR, timeZone);
    const last = utcOffsetOfHour(start / HOUR + 23, timeZone);
    known = first !== null && first === last && first % 60_000 === 0
      ? { offsetMinutes: first / 60_000, before: isoDate(utcCalendarDay(start - DAY)), same: day, after: isoDate(utcCalendarDay(start + DAY)) }
      : null;
    if (days.size >= MAX_CACHED_DAYS) days.clear();
    days.set(day, known);
  }
  return known;
}

function utcCalendarDay(millis: number): CalendarDay {
  const d = new Date(millis);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const digit = (s: string, i: number) => s.charCodeAt(i) - 48;

/**
 * "YYYY-MM-DD": the local day of an entry (see localDay), for every format. An export converts
 * every row, so the offset is looked up once per zone and UTC day, and each instant placed by its
 * minute of the day; a day with a transition in it goes instant by instant.
 */
export function localIsoDate(iso: string, timeZone: string): string {
  if (CANONICAL_INSTANT.test(iso)) {
    const day = utcDay(iso.slice(0, 10), timeZone);
    if (day !== null) {
      const minute = (digit(iso, 11) * 10 + digit(iso, 12)) * 60 + digit(iso, 14) * 10 + digit(iso, 15) + day.offsetMinutes;
      return minute < 0 ? day.before : minute >= 1440 ? day.after : day.same;
    }
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
