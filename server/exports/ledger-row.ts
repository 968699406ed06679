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
import { DateTime } from "luxon";
import { ValidationError } from "../errors";
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

/** outstanding = commit - release - payment, in integer cents. */
export function outstandingCents(t: KindTotals): number {
  return addCents(addCents(t.commit, -t.release), -t.payment);
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
    return outstandingCents(this.byKind);
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

/**
 * The calendar date of an entry in the programme's time zone. An entry recorded at 00:30 in
 * Copenhagen is 23:30 UTC the day before; accountants reconcile by the local date.
 */
export function localDate(iso: string, timeZone: string): DateTime {
  // A string without an offset is read as UTC, never as the server's local zone, so the export
  // does not change with the machine it runs on.
  const dt = DateTime.fromISO(iso, { zone: "utc", setZone: true });
  if (!dt.isValid) throw new ValidationError(`Ledger entry has an invalid date: ${JSON.stringify(iso)}`);
  const local = dt.setZone(timeZone);
  if (!local.isValid) throw new ValidationError(`Unknown time zone: ${JSON.stringify(timeZone)}`);
  return local;
}

export function localIsoDate(iso: string, timeZone: string): string {
  return localDate(iso, timeZone).toISODate() as string;
}

/**
 * A value date (payments.paid_on) checked to be a real calendar day written YYYY-MM-DD. It is a
 * bank date, not an instant, so no time zone applies: it is written exactly as stored.
 */
export function assertIsoDay(value: string): string {
  const dt = /^\d{4}-\d{2}-\d{2}$/.test(value) ? DateTime.fromISO(value, { zone: "utc" }) : null;
  if (!dt || !dt.isValid || dt.toISODate() !== value) {
    throw new ValidationError(`Ledger entry has an invalid payment date: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Rows sorted deterministically by name, for the totals tables. */
export function sortedTotals(map: Map<string, KindTotals>): Array<[string, KindTotals]> {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
