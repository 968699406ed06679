/**
 * Disbursement ledger as CSV (R16): RFC 4180, UTF-8, CRLF, header row always present.
 *
 * Streams: rows are pulled from the async iterable only as fast as `out` accepts bytes
 * (stream.pipeline propagates backpressure), so an export of any size uses constant memory.
 * `out` is ended when the file is complete, and destroyed if anything fails.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";
import { formatAmount } from "../domain/money";
import { LEDGER_COLUMNS, LedgerTotals, assertIsoDay, localIsoDate, type LedgerExportRow } from "./ledger-row";

export interface LedgerCsvOptions {
  /** IANA zone the Date column is expressed in (the programme's zone, e.g. Europe/Copenhagen). */
  timeZone: string;
  /**
   * Start the file with a UTF-8 byte order mark. Default false, because a BOM is noise to most
   * programs (scripts, databases, diff) and RFC 4180 does not use one. Set it for files meant to
   * be double-clicked open in Excel: without a BOM Excel reads the file as the local ANSI code
   * page and shows "ø" as "Ã¸".
   */
  bom?: boolean;
}

/**
 * CSV injection defence (OWASP "CSV Injection"): a spreadsheet that opens the file treats a cell
 * starting with = + - @ (or tab / carriage return, which some versions skip before such a
 * character) as a formula, so a company name like "=HYPERLINK(...)" typed by an applicant would
 * run on the finance officer's machine. Prefixing a single quote makes the spreadsheet show the
 * text as text. Only free-text cells are defused: the amount, id and rate cells are produced by us
 * in a strict numeric format, and prefixing "-12.30" would turn a correction into text.
 */
export function defuseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const STRICT_DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** A stored decimal string we can let through as a number; anything else is treated as text. */
function decimalCell(value: string | null): string {
  if (value === null) return "";
  return STRICT_DECIMAL.test(value) ? value : defuseFormula(value);
}

function text(value: string | null): string {
  return value === null ? "" : defuseFormula(value);
}

/** A value date is written only as a real YYYY-MM-DD day; anything else is refused, not guessed. */
export function paidOnCell(value: string | null): string {
  if (value === null) return "";
  return assertIsoDay(value);
}

export function ledgerCsvRecord(row: LedgerExportRow, timeZone: string): string[] {
  if (!Number.isSafeInteger(row.entryId)) throw new TypeError(`Invalid ledger entry id: ${String(row.entryId)}`);
  return [
    String(row.entryId),
    localIsoDate(row.date, timeZone),
    text(row.kind),
    text(row.voucherReference),
    text(row.company),
    text(row.vatNumber),
    text(row.region),
    text(row.partner),
    text(row.call),
    text(row.voucherType),
    formatAmount(row.amountCents),
    text(row.originalCurrency),
    decimalCell(row.originalAmount),
    decimalCell(row.rate),
    text(row.paymentReference),
    paidOnCell(row.paidOn),
    text(row.recordedBy),
    text(row.rateMonth ?? null),
  ];
}

export async function writeLedgerCsv(
  rows: AsyncIterable<LedgerExportRow>,
  out: NodeJS.WritableStream,
  opts: LedgerCsvOptions,
): Promise<LedgerTotals> {
  const totals = new LedgerTotals();
  const timeZone = opts.timeZone;
  // Fail before writing a byte if the zone is wrong, rather than after the header.
  localIsoDate("2000-01-01T00:00:00Z", timeZone);

  async function* records(): AsyncGenerator<string[]> {
    // Written as a record rather than via the `header` option so that an empty ledger still
    // produces a file with its header row.
    yield [...LEDGER_COLUMNS];
    for await (const row of rows) {
      const record = ledgerCsvRecord(row, timeZone);
      totals.add(row);
      yield record;
    }
  }

  const stringifier = stringify({
    bom: opts.bom ?? false,
    record_delimiter: "windows",
    // Must be explicit: with a custom record_delimiter csv-stringify would otherwise leave a
    // field containing a bare "\n" or "\r" unquoted, which breaks the record structure.
    quote_record_delimiter: true,
  });

  await pipeline(Readable.from(records()), stringifier, out);
  return totals;
}
