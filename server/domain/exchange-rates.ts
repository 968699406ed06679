/**
 * The monthly exchange-rate table (R2): which rate applies to a claim, and how a rate entry or a
 * line of an imported rates file is read. The Commission publishes one accounting rate per
 * currency and month (InforEuro), as foreign units per euro; conversion itself is
 * convertToEurCents in money.ts, which divides by the rate exactly as recorded.
 */
import { DateTime } from "luxon";
import { msg, sentences, type Message, type Text } from "./message";
import { parseRate } from "./money";

/**
 * The ISO 4217 codes of currencies in use, as the runtime's Unicode data lists them, without the
 * units of account that no cost is paid in (XDR, XSU): any three letters ("XXX") would otherwise
 * pass, and a cost line in them would wait for a rate nobody publishes.
 */
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf("currency").filter((c) => c !== "XDR" && c !== "XSU"));

/** A currency a cost can be in and the Commission publishes a rate for (EUR included). */
export function isCurrencyCode(code: string): boolean {
  return CURRENCIES.has(code);
}
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: Message };

export function checkCurrency(input: string): Checked<string> {
  const s = (input ?? "").trim().toUpperCase();
  if (s === "") return { ok: false, reason: msg("errors:rates.currencyMissing") };
  if (!isCurrencyCode(s)) return { ok: false, reason: msg("errors:rates.currencyInvalid", { given: input.trim().slice(0, 20) }) };
  if (s === "EUR") return { ok: false, reason: msg("errors:rates.currencyEuro") };
  return { ok: true, value: s };
}

export function checkMonth(input: string): Checked<string> {
  const s = (input ?? "").trim();
  if (s === "") return { ok: false, reason: msg("errors:rates.monthMissing") };
  if (!MONTH_RE.test(s)) return { ok: false, reason: msg("errors:rates.monthInvalid", { given: s.slice(0, 20) }) };
  return { ok: true, value: s };
}

/**
 * The month whose rate applies to a claim: the month, in the programme's time zone, in which the
 * claim was submitted. A claim submitted at 00:30 on 1 December in Copenhagen is a December claim
 * even though it is still November in UTC.
 */
export function claimRateMonth(submittedAt: string, timeZone: string): string {
  const dt = DateTime.fromISO(submittedAt, { zone: "utc", setZone: true }).setZone(timeZone);
  if (!dt.isValid) throw new RangeError(`Invalid claim submission time: ${submittedAt}`);
  return dt.toFormat("yyyy-LL");
}

/** The refusal when finance has not entered the rate a claim needs. */
export function missingRateMessage(currency: string, month: string): Message {
  return msg("errors:rates.missing", { currency, month });
}

export interface RateEntry { currency: string; month: string; rate: string }

export type RateLineResult = { ok: true; entry: RateEntry } | { ok: false; errors: Message[] };

/** One rate as typed on the finance page or read from a line of an imported file. */
export function checkRateEntry(currency: string, month: string, rate: string): RateLineResult {
  const c = checkCurrency(currency);
  const m = checkMonth(month);
  const r = parseRate(rate);
  const errors = [c, m].filter((x): x is { ok: false; reason: Message } => !x.ok).map((x) => x.reason);
  if (!r.ok) errors.push(r.reason);
  if (errors.length || !c.ok || !m.ok || !r.ok) return { ok: false, errors };
  return { ok: true, entry: { currency: c.value, month: m.value, rate: r.rate } };
}

export interface ImportLineError { line: number; message: Text }

/**
 * Reads the records of a rates file: columns currency, month, rate, with an optional header row
 * naming them. Every line is checked and every problem reported with its line number; the same
 * currency and month twice in one file is refused, since one of the two would silently win.
 */
export function checkRateRecords(records: { line: number; cells: string[] }[]): { entries: RateEntry[]; errors: ImportLineError[] } {
  const entries: RateEntry[] = [];
  const errors: ImportLineError[] = [];
  const seen = new Map<string, number>();
  let first = true;
  records.forEach(({ line, cells: raw }) => {
    const cells = raw.map((c) => c.trim());
    if (cells.every((c) => c === "")) return;
    const isHeader = first && cells[0]?.toLowerCase() === "currency";
    first = false;
    if (isHeader) return;
    const [currency, month, rate] = cells;
    if (cells.length !== 3 || currency === undefined || month === undefined || rate === undefined) {
      errors.push({ line, message: msg("errors:rates.lineValues", { found: cells.length }) });
      return;
    }
    const r = checkRateEntry(currency, month, rate);
    if (!r.ok) {
      errors.push({ line, message: sentences(r.errors) });
      return;
    }
    const key = `${r.entry.currency} ${r.entry.month}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errors.push({ line, message: msg("errors:rates.lineTwice", { currency: r.entry.currency, month: r.entry.month, earlier }) });
      return;
    }
    seen.set(key, line);
    entries.push(r.entry);
  });
  return { entries, errors };
}
