/**
 * A streaming Office Open XML workbook writer for exports of any length: sheets are written row by
 * row as XML text into a zip (fflate's streaming deflate), chunk by chunk, at the pace the output
 * takes them. It knows the little the ledger needs: inline strings (never shared strings, never
 * formulas, so text such as "=HYPERLINK(...)" stays text), numbers written from their exact
 * decimal text, whole-day dates, a frozen header, an auto-filter, column widths and a few fixed
 * cell styles. A general spreadsheet library builds an object per cell and a style per cell,
 * which made a 100,000-row ledger take tens of seconds.
 *
 * The zip container is written here too (local headers with data descriptors, a central
 * directory; no zip64, so a part stays under 4 GB). Each 64 KB of XML is compressed by Node's
 * zlib on its thread pool while the next is being built: a JavaScript deflate took a third of the
 * export's time. Consecutive raw deflate blocks ended by a sync flush, closed by one final empty
 * block, form one valid deflate stream. Dates in the zip are fixed, so the same ledger gives the
 * same bytes.
 */
import { promisify } from "node:util";
import zlib from "node:zlib";
import { drained, endStream, writeChunk } from "./stream-out";

const deflateRaw = promisify(zlib.deflateRaw);
/** Speed over size: level 1 still shrinks ledger XML about tenfold. */
const LEVEL = 1;
/** 1980-01-01 00:00 in MS-DOS date and time. */
const DOS_DATE = 0x21;
const DOS_TIME = 0;
const FLAGS = 0x0808; // sizes in a data descriptor; UTF-8 names

interface ZipEntry { name: Buffer; offset: number; crc: number; compressed: number; size: number }

/** One zip file being written: parts are added one after the other. */
class ZipOut {
  private offset = 0;
  private readonly entries: ZipEntry[] = [];
  private part: ZipEntry | null = null;

  constructor(private readonly out: NodeJS.WritableStream) {}

  private async put(data: Buffer): Promise<void> {
    this.offset += data.length;
    await writeChunk(this.out, data);
  }

  async begin(name: string): Promise<void> {
    const n = Buffer.from(name, "utf8");
    this.part = { name: n, offset: this.offset, crc: 0, compressed: 0, size: 0 };
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(FLAGS, 6);
    h.writeUInt16LE(8, 8);
    h.writeUInt16LE(DOS_TIME, 10);
    h.writeUInt16LE(DOS_DATE, 12);
    h.writeUInt16LE(n.length, 26);
    await this.put(Buffer.concat([h, n]));
  }

  /** Compresses a piece of the current part; resolves once it is written. */
  async data(text: string, last: boolean): Promise<void> {
    const part = this.part;
    if (!part) throw new Error("no zip part started");
    const raw = Buffer.from(text, "utf8");
    part.crc = zlib.crc32(raw, part.crc);
    part.size += raw.length;
    const packed = await deflateRaw(raw, { level: LEVEL, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH });
    part.compressed += packed.length;
    await this.put(packed);
    if (last) {
      if (part.size > 0xffffffff || this.offset > 0xffffffff) throw new RangeError("The workbook is too large for a zip without zip64.");
      const d = Buffer.alloc(16);
      d.writeUInt32LE(0x08074b50, 0);
      d.writeUInt32LE(part.crc >>> 0, 4);
      d.writeUInt32LE(part.compressed, 8);
      d.writeUInt32LE(part.size, 12);
      await this.put(d);
      this.entries.push(part);
      this.part = null;
    }
  }

  async end(): Promise<void> {
    const start = this.offset;
    const records = this.entries.map((e) => {
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(20, 4);
      c.writeUInt16LE(20, 6);
      c.writeUInt16LE(FLAGS, 8);
      c.writeUInt16LE(8, 10);
      c.writeUInt16LE(DOS_TIME, 12);
      c.writeUInt16LE(DOS_DATE, 14);
      c.writeUInt32LE(e.crc >>> 0, 16);
      c.writeUInt32LE(e.compressed, 20);
      c.writeUInt32LE(e.size, 24);
      c.writeUInt16LE(e.name.length, 28);
      c.writeUInt32LE(e.offset, 42);
      return Buffer.concat([c, e.name]);
    });
    const directory = Buffer.concat(records);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(start, 16);
    await this.put(Buffer.concat([directory, end]));
  }
}

/** The fixed cell styles (indexes into cellXfs below). */
export const STYLE = { plain: 0, amount: 1, date: 2, bold: 3, boldAmount: 4, heading: 5 } as const;
export type Style = (typeof STYLE)[keyof typeof STYLE];

export const AMOUNT_NUMFMT = "#,##0.00";
export const DATE_NUMFMT = "yyyy-mm-dd";

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

const STYLES_XML = `${XML}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
  `<numFmts count="2"><numFmt numFmtId="164" formatCode="${AMOUNT_NUMFMT}"/><numFmt numFmtId="165" formatCode="${DATE_NUMFMT}"/></numFmts>` +
  '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="14"/><name val="Calibri"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="6">' +
  '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>' +
  '<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>' +
  '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>' +
  '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>';

// Characters XML 1.0 cannot carry at all (controls other than tab and line breaks); input checks
// refuse them, so they only ever get dropped here.
const ch = (code: number) => String.fromCharCode(code);
const INVALID_XML = new RegExp(`[${ch(0)}-${ch(8)}${ch(11)}${ch(12)}${ch(14)}-${ch(31)}${ch(0xfffe)}${ch(0xffff)}]`, "g");
const XML_SPECIAL = /[&<>"]/g;
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

const NEEDS_ESCAPING = new RegExp(`[&<>"${ch(0)}-${ch(8)}${ch(11)}${ch(12)}${ch(14)}-${ch(31)}${ch(0xfffe)}${ch(0xffff)}]`);

export function xmlText(value: string): string {
  if (!NEEDS_ESCAPING.test(value)) return value;
  return value.replace(INVALID_XML, "").replace(XML_SPECIAL, (c) => ESCAPES[c] ?? c);
}

/** "A", "B", ... "Z", "AA", ... for a 1-based column number. */
export function columnName(n: number): string {
  let s = "";
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(65 + ((k - 1) % 26)) + s;
  return s;
}

/** A cell: text, a number given as its exact decimal text, a whole day, or nothing. */
export type Cell =
  | { text: string; style?: Style }
  | { number: string; style?: Style }
  | { day: { year: number; month: number; day: number }; style?: Style }
  | null;

const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

/** The 1900 date system's serial number of a calendar day. */
function serial(d: { year: number; month: number; day: number }): number {
  const t = new Date(Date.UTC(2000, d.month - 1, d.day));
  t.setUTCFullYear(d.year);
  return Math.round((t.getTime() - EXCEL_EPOCH) / 86_400_000);
}

export interface SheetOptions {
  name: string;
  widths: readonly number[];
  /** Freeze the first row and put an auto-filter on it. */
  header?: { columns: number };
}

const CHUNK_CHARS = 64 * 1024;
/** Text whose spaces or line breaks a reader would otherwise be free to drop. */
const PRESERVE = /^\s|\s$|\n/;
const COLUMNS = Array.from({ length: 26 }, (_, i) => columnName(i + 1));
/** Bounds the remembered text cells; a ledger repeats a few thousand names over and over. */
const MAX_CACHED_TEXTS = 20_000;

export class XlsxStream {
  private readonly zip: ZipOut;
  private readonly sheets: string[] = [];
  private current: { xml: string; row: number; options: SheetOptions } | null = null;
  /** The previous piece being compressed and written while the next one is built. */
  private writing: Promise<void> = Promise.resolve();
  /** The first sheet's auto-filter range, e.g. "$A$1:$R$1", for the workbook's defined name. */
  private filterRange: string | null = null;
  /** Text cells' XML (escaped, space-preserving where needed) by their text. */
  private readonly texts = new Map<string, string>();

  constructor(private readonly out: NodeJS.WritableStream, private readonly title: string | undefined) {
    this.zip = new ZipOut(out);
  }

  private async piece(text: string, last: boolean): Promise<void> {
    await this.writing;
    this.writing = this.zip.data(text, last);
    // The output's own pace: no more rows are built while it is full.
    await drained(this.out);
    if (last) await this.writing;
  }

  private async addFile(name: string, text: string): Promise<void> {
    await this.zip.begin(name);
    await this.zip.data(text, true);
  }

  async startSheet(options: SheetOptions): Promise<void> {
    if (this.current) throw new Error("finish the current sheet first");
    await this.zip.begin(`xl/worksheets/sheet${this.sheets.length + 1}.xml`);
    if (this.sheets.length === 0 && options.header) this.filterRange = `$A$1:$${columnName(options.header.columns)}$1`;
    this.sheets.push(options.name);
    const pane = options.header ? '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>' : '<sheetViews><sheetView workbookViewId="0"/></sheetViews>';
    const cols = options.widths.map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`).join("");
    this.current = { xml: `${XML}<worksheet ${NS}>${pane}<sheetFormatPr defaultRowHeight="15"/><cols>${cols}</cols><sheetData>`, row: 0, options };
  }

  /** Writes the next row (null leaves a row empty); returns its row number. */
  async addRow(cells: readonly Cell[] | null): Promise<number> {
    const s = this.current;
    if (!s) throw new Error("no sheet started");
    const r = ++s.row;
    if (cells !== null) {
      let xml = `<row r="${r}">`;
      for (let i = 0; i < cells.length; i++) {
        const c = cells[i];
        if (!c) continue;
        const ref = `${COLUMNS[i] ?? columnName(i + 1)}${r}`;
        const style = c.style ? ` s="${c.style}"` : "";
        if ("text" in c) xml += `<c r="${ref}"${style} t="inlineStr">${this.inlineString(c.text)}</c>`;
        else if ("number" in c) xml += `<c r="${ref}"${style}><v>${c.number}</v></c>`;
        else xml += `<c r="${ref}"${style}><v>${serial(c.day)}</v></c>`;
      }
      s.xml += `${xml}</row>`;
    }
    if (s.xml.length >= CHUNK_CHARS) {
      const text = s.xml;
      s.xml = "";
      await this.piece(text, false);
    }
    return r;
  }

  private inlineString(text: string): string {
    let xml = this.texts.get(text);
    if (xml === undefined) {
      xml = `<is>${PRESERVE.test(text) ? '<t xml:space="preserve">' : "<t>"}${xmlText(text)}</t></is>`;
      if (this.texts.size >= MAX_CACHED_TEXTS) this.texts.clear();
      this.texts.set(text, xml);
    }
    return xml;
  }

  async endSheet(): Promise<void> {
    const s = this.current;
    if (!s) throw new Error("no sheet started");
    const filter = s.options.header ? `<autoFilter ref="A1:${columnName(s.options.header.columns)}1"/>` : "";
    this.current = null;
    await this.piece(`${s.xml}</sheetData>${filter}</worksheet>`, true);
  }

  /** Writes the workbook's remaining parts, ends the zip and the output. */
  async end(): Promise<void> {
    if (this.current) await this.endSheet();
    await this.writing;
    const sheetIds = this.sheets.map((_, i) => i + 1);
    const first = this.sheets[0];
    const filterNames = first !== undefined && this.filterRange ? [`<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'${xmlText(first)}'!${this.filterRange}</definedName>`] : [];
    await this.addFile("[Content_Types].xml", `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      sheetIds.map((i) => `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join("") +
      '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
      '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>');
    await this.addFile("_rels/.rels", `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
      '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>');
    await this.addFile("docProps/core.xml", `${XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
      `<dc:creator>Voucherdesk</dc:creator>${this.title ? `<dc:title>${xmlText(this.title)}</dc:title>` : ""}</cp:coreProperties>`);
    await this.addFile("xl/workbook.xml", `${XML}<workbook ${NS}><bookViews><workbookView/></bookViews><sheets>` +
      this.sheets.map((name, i) => `<sheet name="${xmlText(name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join("") +
      `</sheets>${filterNames.length ? `<definedNames>${filterNames.join("")}</definedNames>` : ""}</workbook>`);
    await this.addFile("xl/_rels/workbook.xml.rels", `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      sheetIds.map((i) => `<Relationship Id="rId${i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i}.xml"/>`).join("") +
      `<Relationship Id="rId${sheetIds.length + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`);
    await this.addFile("xl/styles.xml", STYLES_XML);
    await this.zip.end();
    await endStream(this.out);
  }
}
