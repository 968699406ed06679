/**
 * Disbursement ledger as an Excel workbook (R16): sheet "Ledger" with one row per entry and the
 * totals per kind at the bottom, sheet "Totals" with commit/release/payment/outstanding per call,
 * region and voucher type. Every total is summed in integer cents (LedgerTotals), never by a
 * spreadsheet formula, so the figures equal the dashboard's to the cent whatever program opens
 * the file.
 *
 * Streams through XlsxStream: rows are written into the zip as they are read, and no more rows
 * are read while the output is full, so memory does not grow with the ledger.
 *
 * No CSV-style formula defusing is needed here: text is written as typed string cells
 * (inline strings), which a spreadsheet never evaluates, so "=HYPERLINK(...)" stays text.
 */
import { assertCents, formatAmount } from "../domain/money";
import {
  LEDGER_COLUMNS,
  LEDGER_KINDS,
  LEDGER_TABLE,
  LedgerTotals,
  assertExportTimeZone,
  assertIsoDay,
  kindOutstanding,
  ledgerHeaderRow,
  localIsoDate,
  sortedTotals,
  type KindTotals,
  type LedgerColumn,
  type LedgerHeader,
  type LedgerExportRow,
} from "./ledger-row";
import { AMOUNT_NUMFMT, DATE_NUMFMT, STYLE, XlsxStream, type Cell } from "./xlsx-stream";

export interface LedgerXlsxOptions {
  /** IANA zone the Date column is expressed in (the programme's zone, e.g. Europe/Copenhagen). */
  timeZone: string;
  /** Workbook title (document properties and the heading of the Totals sheet). */
  title?: string;
  /** The header row's labels in LEDGER_TABLE order (the reader's language, or stable keys); English by default. */
  headers?: readonly string[];
  /** Sheet names and the totals' labels in the reader's language; English (the stable form) by default. */
  words?: LedgerXlsxWords;
}

/** The workbook's own words besides the column headers. */
export interface LedgerXlsxWords {
  ledgerSheet: string;
  totalsSheet: string;
  /** The "Total" label of the totals per kind under the entries. */
  total: string;
  call: string;
  region: string;
  voucherType: string;
  all: string;
  /** Commit, release, payment and outstanding, in EUR. */
  totalsHeader: readonly [string, string, string, string];
}

export const AMOUNT_FORMAT = AMOUNT_NUMFMT;
export const DATE_FORMAT = DATE_NUMFMT;
export const LEDGER_SHEET = "Ledger";
export const TOTALS_SHEET = "Totals";
export const TOTALS_HEADER = ["Commit EUR", "Release EUR", "Payment EUR", "Outstanding EUR"] as const;

export const ENGLISH_LEDGER_WORDS: LedgerXlsxWords = {
  ledgerSheet: LEDGER_SHEET, totalsSheet: TOTALS_SHEET, total: "Total", call: "Call", region: "Region", voucherType: "Voucher type", all: "All",
  totalsHeader: TOTALS_HEADER,
};

/** 1-based column numbers in LEDGER_COLUMNS order, for tests and readers. */
export const LEDGER_COLUMN_NUMBER = Object.fromEntries(LEDGER_COLUMNS.map((h, i) => [h, i + 1])) as Record<LedgerHeader, number>;


/** Below 10^15 cents every amount has at most 15 significant digits, which a double holds exactly. */
const MAX_SPREADSHEET_CENTS = 999_999_999_999_999;

/**
 * The number handed to the spreadsheet for an amount in cents.
 *
 * This is not float arithmetic on money: the exact decimal is produced in integer arithmetic by
 * formatAmount ("1234.56"), and Number() only parses that text, giving the double nearest to it,
 * which is the very value Excel stores when a person types 1234.56 into a cell. Nothing is added,
 * multiplied or divided as a double, so no error can build up, and with at most 15 significant
 * digits the shortest decimal form of that double (what ends up in the sheet XML and what Excel
 * displays) is again exactly "1234.56".
 */
export function spreadsheetAmount(amountCents: number): number {
  const cents = assertCents(amountCents);
  const text = formatAmount(cents);
  if (Math.abs(cents) > MAX_SPREADSHEET_CENTS) {
    throw new RangeError(`Amount too large for an exact spreadsheet number: ${text}`);
  }
  return Number(text);
}

/** An amount in cents as a number cell, written from its exact decimal text (see spreadsheetAmount). */
function amountCell(cents: number, bold = false): Cell {
  spreadsheetAmount(cents);
  return { number: formatAmount(cents), style: bold ? STYLE.boldAmount : STYLE.amount };
}

/** The original-currency amount as a number when it is a plain decimal a double holds exactly. */
function originalAmountCell(value: string | null): Cell {
  if (value === null) return null;
  const m = /^-?(\d+)(?:\.(\d{1,2}))?$/.exec(value);
  if (m && ((m[1] ?? "") + (m[2] ?? "")).replace(/^0+/, "").length <= 15) return { number: String(Number(value)), style: STYLE.amount };
  return { text: value };
}

const text = (value: string | null): Cell => (value === null ? null : { text: value });

/** A YYYY-MM-DD day as a date cell of that day. */
function dayCell(day: string): Cell {
  return { day: { year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)), day: Number(day.slice(8, 10)) }, style: STYLE.date };
}

/** The payment's value date as a date cell of that day. */
function paidOnCell(value: string | null): Cell {
  return value === null ? null : dayCell(assertIsoDay(value));
}

/** One column's cell, by what the column holds. */
function xlsxFormatter(column: LedgerColumn, timeZone: string): (row: LedgerExportRow) => Cell {
  switch (column.kind) {
    case "id": return (r) => ({ number: String(column.value(r)) });
    case "cents": return (r) => amountCell(column.value(r));
    // The local calendar date: Excel dates carry no zone.
    case "instant": return (r) => dayCell(localIsoDate(column.value(r), timeZone));
    case "amount": return (r) => originalAmountCell(column.value(r));
    // The rate stays text: it is kept exactly as recorded (R2), digit for digit.
    case "rate": return (r) => text(column.value(r));
    case "day": return (r) => paidOnCell(column.value(r));
    case "text": return (r) => text(column.value(r));
  }
}

/** Let the output take what was written this often. */
const CHECK_EVERY_ROWS = 100;

export async function writeLedgerXlsx(
  rows: AsyncIterable<LedgerExportRow>,
  out: NodeJS.WritableStream,
  opts: LedgerXlsxOptions,
): Promise<LedgerTotals> {
  const { timeZone } = opts;
  // Fail before writing a byte if the zone is wrong.
  assertExportTimeZone(timeZone);
  const headerRow = ledgerHeaderRow(opts.headers);
  const book = new XlsxStream(out, opts.title);
  const totals = new LedgerTotals();
  const words = opts.words ?? ENGLISH_LEDGER_WORDS;
  await book.startSheet({ name: words.ledgerSheet, widths: LEDGER_TABLE.map((c) => c.width), header: { columns: LEDGER_COLUMNS.length } });
  await book.addRow(headerRow.map((h) => ({ text: h, style: STYLE.bold })));

  const columns = LEDGER_TABLE.map((c) => xlsxFormatter(c, timeZone));
  let n = 0;
  for await (const row of rows) {
    const cells = columns.map((cell) => cell(row));
    totals.add(row);
    await book.addRow(cells);
    // A turn of the event loop now and then, so a client that went away is noticed even when
    // rows come from a source that never waits (an in-memory generator).
    if (++n % CHECK_EVERY_ROWS === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  await book.addRow(null);
  const totalRows: Array<[string, number]> = [
    ...LEDGER_KINDS.map((k): [string, number] => [k, totals.byKind[k]]),
    ["outstanding", totals.outstanding],
  ];
  for (const [label, cents] of totalRows) {
    const cells: Cell[] = new Array<Cell>(LEDGER_COLUMNS.length).fill(null);
    cells[0] = { text: words.total, style: STYLE.bold };
    cells[LEDGER_COLUMN_NUMBER["Kind"] - 1] = { text: label, style: STYLE.bold };
    cells[LEDGER_COLUMN_NUMBER["Amount EUR"] - 1] = amountCell(cents, true);
    await book.addRow(cells);
  }
  await book.endSheet();
  await writeTotalsSheet(book, totals, opts.title, words);
  await book.end();
  return totals;
}

async function writeTotalsSheet(book: XlsxStream, totals: LedgerTotals, title: string | undefined, words: LedgerXlsxWords): Promise<void> {
  await book.startSheet({ name: words.totalsSheet, widths: [32, 16, 16, 16, 18] });
  await book.addRow([{ text: title ?? "Disbursement ledger totals", style: STYLE.heading }]);
  const amountRow = (label: string, t: KindTotals, bold = false) => book.addRow([
    { text: label, style: bold ? STYLE.bold : STYLE.plain },
    amountCell(t.commit, bold), amountCell(t.release, bold), amountCell(t.payment, bold), amountCell(kindOutstanding(t), bold),
  ]);
  const sections: Array<[string, Map<string, KindTotals>]> = [
    [words.call, totals.perCall],
    [words.region, totals.perRegion],
    [words.voucherType, totals.perType],
  ];
  for (const [name, map] of sections) {
    await book.addRow(null);
    await book.addRow([name, ...words.totalsHeader].map((h) => ({ text: h, style: STYLE.bold })));
    for (const [key, t] of sortedTotals(map)) await amountRow(key, t);
    await amountRow(words.all, totals.byKind, true);
  }
  await book.endSheet();
}
