/**
 * Disbursement ledger as an Excel workbook (R16): sheet "Ledger" with one row per entry and the
 * totals per kind at the bottom, sheet "Totals" with commit/release/payment/outstanding per call,
 * region and voucher type. Every total is summed in integer cents (LedgerTotals), never by a
 * spreadsheet formula, so the figures equal the dashboard's to the cent whatever program opens
 * the file.
 *
 * Streams with exceljs' WorkbookWriter: each row is committed (serialised into the zip) as soon
 * as it is read, so memory does not grow with the ledger. `out` is ended when the file is
 * complete.
 *
 * No CSV-style formula defusing is needed here: text is written as typed string cells
 * (inline strings), which a spreadsheet never evaluates, so "=HYPERLINK(...)" stays text.
 */
import type { Writable } from "node:stream";
import ExcelJS from "exceljs";
import { assertOpen, drained } from "./stream-out";
import { assertCents, formatAmount } from "../domain/money";
import {
  LEDGER_COLUMNS,
  LEDGER_KINDS,
  LedgerTotals,
  assertExportTimeZone,
  assertIsoDay,
  kindOutstanding,
  localDay,
  sortedTotals,
  type KindTotals,
  type LedgerExportRow,
} from "./ledger-row";

export interface LedgerXlsxOptions {
  /** IANA zone the Date column is expressed in (the programme's zone, e.g. Europe/Copenhagen). */
  timeZone: string;
  /** Workbook title (document properties and the heading of the Totals sheet). */
  title?: string;
}

export const AMOUNT_FORMAT = "#,##0.00";
export const DATE_FORMAT = "yyyy-mm-dd";
export const LEDGER_SHEET = "Ledger";
export const TOTALS_SHEET = "Totals";

/** 1-based column numbers in LEDGER_COLUMNS order, for tests and readers. */
export const LEDGER_COLUMN_NUMBER = Object.fromEntries(LEDGER_COLUMNS.map((h, i) => [h, i + 1])) as Record<
  (typeof LEDGER_COLUMNS)[number],
  number
>;

const COLUMN_WIDTHS = [10, 12, 10, 18, 32, 16, 22, 26, 24, 16, 14, 10, 14, 12, 20, 12, 22, 12];

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

/** The original-currency amount as a number when it is a plain decimal a double holds exactly. */
function originalAmountCell(value: string | null): number | string | null {
  if (value === null) return null;
  const m = /^-?(\d+)(?:\.(\d{1,2}))?$/.exec(value);
  if (m && (m[1] + (m[2] ?? "")).replace(/^0+/, "").length <= 15) return Number(value);
  return value;
}

/**
 * The local calendar date as an Excel date cell. Excel dates carry no zone; exceljs converts a
 * JS Date through its UTC fields, so midnight UTC of the local date gives a whole-day serial
 * number that displays as that date everywhere.
 */
function dateCell(iso: string, timeZone: string): Date {
  const d = localDay(iso, timeZone);
  return new Date(Date.UTC(d.year, d.month - 1, d.day));
}

/** The payment's value date as a date cell, the same whole-day UTC midnight as dateCell. */
function paidOnCell(value: string | null): Date | null {
  if (value === null) return null;
  const day = assertIsoDay(value);
  return new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))));
}

/**
 * Uncompressed sheet XML committed but not yet taken by the zip compressor. exceljs writes
 * committed rows into the zip entry without waiting (its StreamBuf ignores the write callback),
 * so when rows arrive faster than zlib deflates them the difference queues in memory: measured
 * at 100,000 rows per 100 MB RSS before this guard. The queue lives in the entry's pass-through
 * stream (readable-stream v2, hence `_writableState`). These are exceljs 4.4 internals; if they
 * are not there this returns 0 and only the periodic yield below remains.
 */
function zipBacklog(ws: unknown): number {
  const pipes = (ws as { stream?: { pipes?: unknown } }).stream?.pipes;
  if (!Array.isArray(pipes)) return 0;
  let bytes = 0;
  for (const p of pipes as Array<{ _writableState?: { length?: unknown } }>) {
    const len = p._writableState?.length;
    if (typeof len === "number") bytes += len;
  }
  return bytes;
}

/** Check the compressor and the output this often. */
const CHECK_EVERY_ROWS = 100;
/** Stop reading rows above this backlog, resume below the low mark. */
const ZIP_BACKLOG_HIGH = 1024 * 1024;
const ZIP_BACKLOG_LOW = 256 * 1024;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

export async function writeLedgerXlsx(
  rows: AsyncIterable<LedgerExportRow>,
  out: NodeJS.WritableStream,
  opts: LedgerXlsxOptions,
): Promise<LedgerTotals> {
  const { timeZone } = opts;
  // Fail before writing a byte if the zone is wrong.
  assertExportTimeZone(timeZone);

  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out as Writable,
    useSharedStrings: false,
    useStyles: true,
  });
  wb.creator = "Voucherdesk";
  if (opts.title) wb.title = opts.title;

  const totals = new LedgerTotals();
  const ws = wb.addWorksheet(LEDGER_SHEET, { views: [{ state: "frozen", ySplit: 1 }] });
  ws.columns = COLUMN_WIDTHS.map((width) => ({ width }));
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: LEDGER_COLUMNS.length } };

  const header = ws.addRow([...LEDGER_COLUMNS]);
  header.font = { bold: true };
  header.commit();

  const amountCol = LEDGER_COLUMN_NUMBER["Amount EUR"];
  const dateCol = LEDGER_COLUMN_NUMBER["Date"];
  const originalCol = LEDGER_COLUMN_NUMBER["Original amount"];
  const paidOnCol = LEDGER_COLUMN_NUMBER["Paid on"];

  let n = 0;
  for await (const row of rows) {
    if (!Number.isSafeInteger(row.entryId)) throw new TypeError(`Invalid ledger entry id: ${String(row.entryId)}`);
    const values = [
      row.entryId,
      dateCell(row.date, timeZone),
      row.kind,
      row.voucherReference,
      row.company,
      row.vatNumber,
      row.region,
      row.partner,
      row.call,
      row.voucherType,
      spreadsheetAmount(row.amountCents),
      row.originalCurrency,
      originalAmountCell(row.originalAmount),
      // The rate stays text: it is kept exactly as recorded (R2), digit for digit.
      row.rate,
      row.paymentReference,
      paidOnCell(row.paidOn),
      row.recordedBy,
      row.rateMonth ?? null,
    ];
    totals.add(row);
    const r = ws.addRow(values);
    r.getCell(dateCol).numFmt = DATE_FORMAT;
    r.getCell(amountCol).numFmt = AMOUNT_FORMAT;
    if (typeof values[originalCol - 1] === "number") r.getCell(originalCol).numFmt = AMOUNT_FORMAT;
    if (values[paidOnCol - 1] !== null) r.getCell(paidOnCol).numFmt = DATE_FORMAT;
    r.commit();

    if (++n % CHECK_EVERY_ROWS === 0) {
      // A turn of the event loop lets zlib and the output make progress even when the rows
      // come from a source that never waits (an in-memory generator).
      await nextTurn();
      if (zipBacklog(ws) > ZIP_BACKLOG_HIGH) {
        while (zipBacklog(ws) > ZIP_BACKLOG_LOW) {
          assertOpen(out);
          // A stalled client stops the zip, so wait for it by event rather than by polling.
          if ((out as Partial<Writable>).writableNeedDrain) await drained(out);
          else await pause();
        }
      }
      await drained(out);
    }
  }

  ws.addRow([]).commit();
  const totalRows: Array<[string, number]> = [
    ...LEDGER_KINDS.map((k): [string, number] => [k, totals.byKind[k]]),
    ["outstanding", totals.outstanding],
  ];
  for (const [label, cents] of totalRows) {
    const values: Array<string | number | null> = new Array<string | number | null>(LEDGER_COLUMNS.length).fill(null);
    values[0] = "Total";
    values[LEDGER_COLUMN_NUMBER["Kind"] - 1] = label;
    values[amountCol - 1] = spreadsheetAmount(cents);
    const r = ws.addRow(values);
    r.font = { bold: true };
    r.getCell(amountCol).numFmt = AMOUNT_FORMAT;
    r.commit();
  }
  ws.commit();

  writeTotalsSheet(wb, totals, opts.title);
  await wb.commit();
  return totals;
}

export const TOTALS_HEADER = ["Commit EUR", "Release EUR", "Payment EUR", "Outstanding EUR"] as const;

function writeTotalsSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, totals: LedgerTotals, title: string | undefined): void {
  const ws = wb.addWorksheet(TOTALS_SHEET);
  ws.columns = [{ width: 32 }, { width: 16 }, { width: 16 }, { width: 16 }, { width: 18 }];

  const heading = ws.addRow([title ?? "Disbursement ledger totals"]);
  heading.font = { bold: true, size: 14 };
  heading.commit();

  const amountRow = (label: string, t: KindTotals, bold = false) => {
    const r = ws.addRow([
      label,
      spreadsheetAmount(t.commit),
      spreadsheetAmount(t.release),
      spreadsheetAmount(t.payment),
      spreadsheetAmount(kindOutstanding(t)),
    ]);
    for (let c = 2; c <= 5; c++) r.getCell(c).numFmt = AMOUNT_FORMAT;
    if (bold) r.font = { bold: true };
    r.commit();
  };

  const sections: Array<[string, Map<string, KindTotals>]> = [
    ["Call", totals.perCall],
    ["Region", totals.perRegion],
    ["Voucher type", totals.perType],
  ];
  for (const [name, map] of sections) {
    ws.addRow([]).commit();
    const h = ws.addRow([name, ...TOTALS_HEADER]);
    h.font = { bold: true };
    h.commit();
    for (const [key, t] of sortedTotals(map)) amountRow(key, t);
    amountRow("All", totals.byKind, true);
  }
  ws.commit();
}
