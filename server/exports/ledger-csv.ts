/**
 * Disbursement ledger as CSV (R16): RFC 4180, UTF-8, CRLF, header row always present.
 *
 * Streams: records are gathered into chunks of about 64 KB and each chunk is written only when
 * `out` has taken the one before (backpressure), so rows are pulled from the async iterable only
 * as fast as the reader downloads and an export of any size uses constant memory. `out` is ended
 * when the file is complete, and destroyed if anything fails.
 *
 * The records are written here rather than through a CSV library: the format is four lines of
 * rules (below), and a per-record stream transform cost more than all the rest of the export.
 */
import type { Writable } from "node:stream";
import { formatAmount } from "../domain/money";
import {
  LEDGER_TABLE, ledgerHeaderRow, LedgerTotals, assertExportTimeZone, assertIsoDay, localIsoDate, type LedgerColumn, type LedgerExportRow,
} from "./ledger-row";
import { endStream, writeChunk } from "./stream-out";

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
  /** The header row's labels in LEDGER_TABLE order (the reader's language, or stable keys); English by default. */
  headers?: readonly string[];
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
  const c = value.charCodeAt(0);
  // = + - @ tab CR
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 ? `'${value}` : value;
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

/*
 * RFC 4180: a field holding a comma, a double quote or a line break (CR or LF, alone or together)
 * is quoted and its quotes doubled; every other field is written as it is. Records end in CRLF.
 */
const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(QUOTE, '""')}"` : value;
}

function csvLine(record: readonly string[]): string {
  let line = "";
  for (let i = 0; i < record.length; i++) line += (i === 0 ? "" : ",") + csvField(record[i] ?? "");
  return `${line}\r\n`;
}

type Field = (row: LedgerExportRow) => string;

/** One column's cell as CSV text (before quoting), by what the column holds. */
function csvFormatter(column: LedgerColumn, timeZone: string): Field {
  switch (column.kind) {
    case "id": return (r) => String(column.value(r));
    case "cents": return (r) => formatAmount(column.value(r));
    case "instant": return (r) => localIsoDate(column.value(r), timeZone);
    case "amount": case "rate": return (r) => decimalCell(column.value(r));
    case "day": return (r) => paidOnCell(column.value(r));
    case "text": return (r) => text(column.value(r));
  }
}

/** Numbers and days we write ourselves hold no comma, quote or line break: they are never quoted. */
const UNQUOTED_KINDS: ReadonlySet<LedgerColumn["kind"]> = new Set(["id", "cents", "instant", "day"]);

/** One column's field as written into the file (quoted where RFC 4180 asks for it). */
function csvFieldWriter(column: LedgerColumn, timeZone: string): Field {
  const cell = csvFormatter(column, timeZone);
  return UNQUOTED_KINDS.has(column.kind) ? cell : (r) => csvField(cell(r));
}

/** The CSV fields of one entry, in LEDGER_TABLE's order, before quoting. */
export function ledgerCsvRecord(row: LedgerExportRow, timeZone: string): string[] {
  return LEDGER_TABLE.map((c) => csvFormatter(c, timeZone)(row));
}

const CHUNK_CHARS = 64 * 1024;

export async function writeLedgerCsv(
  rows: AsyncIterable<LedgerExportRow>,
  out: NodeJS.WritableStream,
  opts: LedgerCsvOptions,
): Promise<LedgerTotals> {
  const totals = new LedgerTotals();
  const timeZone = opts.timeZone;
  try {
    // Fail before writing a byte if the zone is wrong, rather than after the header.
    assertExportTimeZone(timeZone);
    const headerRow = ledgerHeaderRow(opts.headers);
    // Written even for an empty ledger, so the file always has its header row.
    let chunk = (opts.bom ? "\uFEFF" : "") + csvLine(headerRow);
    // One formatter per column, made once: a row is written without building an array for it.
    const fields = LEDGER_TABLE.map((c) => csvFieldWriter(c, timeZone));
    for await (const row of rows) {
      let line = "";
      let separator = "";
      for (const field of fields) {
        line += separator + field(row);
        separator = ",";
      }
      totals.add(row);
      chunk += `${line}\r\n`;
      if (chunk.length >= CHUNK_CHARS) {
        await writeChunk(out, chunk);
        chunk = "";
      }
    }
    await writeChunk(out, chunk);
    await endStream(out);
  } catch (err) {
    // Without an error argument: the caller gets the error from this promise, and a stream
    // nobody listens to for "error" would otherwise crash the process.
    (out as Partial<Writable>).destroy?.();
    throw err;
  }
  return totals;
}
