import { expect } from "chai";
import { Writable } from "node:stream";
import ExcelJS from "exceljs";
import {
  AMOUNT_FORMAT,
  DATE_FORMAT,
  LEDGER_COLUMN_NUMBER,
  TOTALS_HEADER,
  spreadsheetAmount,
  writeLedgerXlsx,
} from "../../../server/exports/ledger-xlsx";
import { LEDGER_COLUMNS, LEDGER_KINDS, type LedgerExportRow } from "../../../server/exports/ledger-row";
import { defined } from "../../support/defined";
import { waitUntil, waitUntilSteady } from "../../support/wait";

const TZ = "Europe/Copenhagen";

function row(over: Partial<LedgerExportRow> = {}): LedgerExportRow {
  return {
    entryId: 1,
    date: "2026-03-04T10:15:00.000Z",
    kind: "commit",
    voucherReference: "IN2LS-2026-001",
    company: "Nordic Enzymes ApS",
    vatNumber: "DK12345678",
    region: "Capital Region of Denmark",
    partner: "BioPeople",
    call: "Call 2026-1",
    voucherType: "Insight",
    amountCents: 400000,
    originalCurrency: null,
    originalAmount: null,
    rate: null,
    paymentReference: null,
    paidOn: null,
    recordedBy: "Mette Finance",
    ...over,
  };
}

function sampleRows(): LedgerExportRow[] {
  const mg = { voucherType: "Meet & Greet", call: "Call 2026-2", region: "Noord-Brabant", company: "Brabant Diagnostics B.V." };
  return [
    row({ entryId: 1, kind: "commit", amountCents: 400000 }),
    row({ entryId: 2, kind: "commit", amountCents: 50000, ...mg }),
    row({ entryId: 3, kind: "payment", amountCents: 37255, ...mg, originalCurrency: "DKK", originalAmount: "2779.50", rate: "7.4604", paymentReference: "BANK-REF-77", paidOn: "2026-03-02" }),
    row({ entryId: 4, kind: "release", amountCents: 12745, ...mg }),
    // 0.10 + 0.20 is the classic float trap (0.30000000000000004).
    row({ entryId: 5, kind: "payment", amountCents: 10, date: "2026-03-04T23:30:00Z" }),
    row({ entryId: 6, kind: "payment", amountCents: 20, company: "=HYPERLINK(\"http://evil.example\")" }),
    row({ entryId: 7, kind: "payment", amountCents: -1230, paymentReference: "CORR-1", company: "Fjord, \"Nordic\"\nBiotech Ærø" }),
  ];
}

/** Rows as a database cursor hands them over: each one after an await. */
async function* iterate<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

class Sink extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  get buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

async function workbookOf(rows: LedgerExportRow[], title?: string) {
  const sink = new Sink();
  const totals = await writeLedgerXlsx(iterate(rows), sink, { timeZone: TZ, title });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(sink.buffer as unknown as ArrayBuffer);
  return { wb, totals, bytes: sink.buffer.length };
}

/**
 * A number read back from the sheet → cents, through its shortest decimal text. Exact: a value
 * that was not written as an exact two-decimal number (e.g. 0.30000000000000004) is rejected.
 */
function centsOf(value: unknown): bigint {
  expect(value).to.be.a("number");
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(value));
  if (!m) throw new Error(`not an exact two-decimal amount: ${String(value)}`);
  const v = BigInt(defined(m[2])) * 100n + BigInt((m[3] ?? "").padEnd(2, "0"));
  return m[1] ? -v : v;
}

const AMOUNT = LEDGER_COLUMN_NUMBER["Amount EUR"];

describe("exports/ledger-xlsx", () => {
  it("has a Ledger sheet with the header, frozen, and the same rows", async () => {
    const rows = sampleRows();
    const { wb } = await workbookOf(rows);
    const ws = wb.getWorksheet("Ledger");
    expect(ws).to.not.equal(undefined);
    const sheet = ws as ExcelJS.Worksheet;
    expect((sheet.getRow(1).values as unknown[]).slice(1)).to.deep.equal([...LEDGER_COLUMNS]);
    expect(sheet.views[0]).to.include({ state: "frozen", ySplit: 1 });

    rows.forEach((r, i) => {
      const x = sheet.getRow(i + 2);
      expect(x.getCell(1).value).to.equal(r.entryId);
      expect(x.getCell(3).value).to.equal(r.kind);
      expect(x.getCell(4).value).to.equal(r.voucherReference);
      expect(x.getCell(5).value).to.equal(r.company);
      expect(x.getCell(7).value).to.equal(r.region);
      expect(x.getCell(9).value).to.equal(r.call);
      expect(x.getCell(10).value).to.equal(r.voucherType);
      expect(centsOf(x.getCell(AMOUNT).value)).to.equal(BigInt(r.amountCents));
      expect(x.getCell(AMOUNT).type).to.equal(ExcelJS.ValueType.Number);
      expect(x.getCell(AMOUNT).numFmt).to.equal(AMOUNT_FORMAT);
      expect(x.getCell(LEDGER_COLUMN_NUMBER["Payment reference"]).value).to.equal(r.paymentReference);
      expect(x.getCell(LEDGER_COLUMN_NUMBER["Recorded by"]).value).to.equal(r.recordedBy);
    });
  });

  it("writes dates as date cells of the local calendar date", async () => {
    const { wb } = await workbookOf(sampleRows());
    const sheet = wb.getWorksheet("Ledger") as ExcelJS.Worksheet;
    const first = sheet.getRow(2).getCell(LEDGER_COLUMN_NUMBER["Date"]);
    expect(first.type).to.equal(ExcelJS.ValueType.Date);
    expect(first.numFmt).to.equal(DATE_FORMAT);
    expect((first.value as Date).toISOString()).to.equal("2026-03-04T00:00:00.000Z");
    // 23:30 UTC is already the next day in Copenhagen.
    const late = sheet.getRow(6).getCell(LEDGER_COLUMN_NUMBER["Date"]);
    expect((late.value as Date).toISOString()).to.equal("2026-03-05T00:00:00.000Z");
  });

  it("writes the payment's value date as a date cell after the payment reference, empty otherwise", async () => {
    expect(LEDGER_COLUMN_NUMBER["Paid on"]).to.equal(LEDGER_COLUMN_NUMBER["Payment reference"] + 1);
    const { wb } = await workbookOf(sampleRows());
    const sheet = wb.getWorksheet("Ledger") as ExcelJS.Worksheet;
    const paid = sheet.getRow(4).getCell(LEDGER_COLUMN_NUMBER["Paid on"]);
    expect(paid.type).to.equal(ExcelJS.ValueType.Date);
    expect(paid.numFmt).to.equal(DATE_FORMAT);
    expect((paid.value as Date).toISOString()).to.equal("2026-03-02T00:00:00.000Z");
    // A commit entry, and a payment entry without a payment row.
    expect(sheet.getRow(2).getCell(LEDGER_COLUMN_NUMBER["Paid on"]).value).to.equal(null);
    expect(sheet.getRow(6).getCell(LEDGER_COLUMN_NUMBER["Paid on"]).value).to.equal(null);
  });

  it("keeps the original amount as a number and the rate exactly as recorded", async () => {
    const { wb } = await workbookOf(sampleRows());
    const x = (wb.getWorksheet("Ledger") as ExcelJS.Worksheet).getRow(4);
    expect(x.getCell(LEDGER_COLUMN_NUMBER["Original currency"]).value).to.equal("DKK");
    expect(x.getCell(LEDGER_COLUMN_NUMBER["Original amount"]).value).to.equal(2779.5);
    expect(x.getCell(LEDGER_COLUMN_NUMBER["Original amount"]).numFmt).to.equal(AMOUNT_FORMAT);
    expect(x.getCell(LEDGER_COLUMN_NUMBER["Rate"]).value).to.equal("7.4604");
  });

  it("stores text that looks like a formula as text, not as a formula", async () => {
    const { wb } = await workbookOf(sampleRows());
    const cell = (wb.getWorksheet("Ledger") as ExcelJS.Worksheet).getRow(7).getCell(5);
    expect(cell.type).to.equal(ExcelJS.ValueType.String);
    expect(cell.value).to.equal('=HYPERLINK("http://evil.example")');
  });

  it("ends the Ledger sheet with totals per kind equal to the sum of the rows, to the cent", async () => {
    const rows = sampleRows();
    const { wb, totals } = await workbookOf(rows);
    const sheet = wb.getWorksheet("Ledger") as ExcelJS.Worksheet;
    const sums: Record<string, bigint> = { commit: 0n, release: 0n, payment: 0n };
    for (let i = 0; i < rows.length; i++) {
      const x = sheet.getRow(i + 2);
      const kind = x.getCell(3).text;
      sums[kind] = defined(sums[kind], kind) + centsOf(x.getCell(AMOUNT).value);
    }
    // A blank row, then Total commit/release/payment/outstanding.
    expect(sheet.getRow(rows.length + 2).getCell(1).value).to.equal(null);
    const totalRows = [rows.length + 3, rows.length + 4, rows.length + 5, rows.length + 6].map((n) => sheet.getRow(n));
    expect(totalRows.map((r) => r.getCell(1).value)).to.deep.equal(["Total", "Total", "Total", "Total"]);
    expect(totalRows.map((r) => r.getCell(3).value)).to.deep.equal([...LEDGER_KINDS, "outstanding"]);
    LEDGER_KINDS.forEach((k, i) => {
      expect(centsOf(defined(totalRows[i]).getCell(AMOUNT).value), k).to.equal(sums[k]);
      expect(BigInt(totals.byKind[k])).to.equal(sums[k]);
      expect(defined(totalRows[i]).getCell(AMOUNT).numFmt).to.equal(AMOUNT_FORMAT);
    });
    expect(sums.payment).to.equal(37255n + 10n + 20n - 1230n);
    expect(centsOf(defined(totalRows[3]).getCell(AMOUNT).value)).to.equal(defined(sums.commit) - defined(sums.release) - defined(sums.payment));
    expect(sheet.rowCount).to.equal(rows.length + 6);
  });

  it("has a Totals sheet per call, region and voucher type from integer cents", async () => {
    const { wb, totals } = await workbookOf(sampleRows(), "Ledger 2026");
    const sheet = wb.getWorksheet("Totals") as ExcelJS.Worksheet;
    expect(sheet.getRow(1).getCell(1).value).to.equal("Ledger 2026");

    const sections = new Map<string, Map<string, bigint[]>>();
    let current: Map<string, bigint[]> | null = null;
    sheet.eachRow((r, n) => {
      if (n === 1) return;
      const label = r.getCell(1).value as string;
      if (r.getCell(2).value === TOTALS_HEADER[0]) {
        expect((r.values as unknown[]).slice(2)).to.deep.equal([...TOTALS_HEADER]);
        current = new Map();
        sections.set(label, current);
        return;
      }
      (current as unknown as Map<string, bigint[]>).set(label, [2, 3, 4, 5].map((c) => centsOf(r.getCell(c).value)));
    });
    expect([...sections.keys()]).to.deep.equal(["Call", "Region", "Voucher type"]);

    const brabant = [50000n, 12745n, 37255n, 50000n - 12745n - 37255n];
    const call1Payment = 10n + 20n - 1230n;
    expect(sections.get("Call")?.get("Call 2026-2")).to.deep.equal(brabant);
    expect(sections.get("Call")?.get("Call 2026-1")).to.deep.equal([400000n, 0n, call1Payment, 400000n - call1Payment]);
    expect(sections.get("Region")?.get("Noord-Brabant")).to.deep.equal(brabant);
    expect(sections.get("Voucher type")?.get("Meet & Greet")).to.deep.equal(brabant);
    expect(sections.get("Voucher type")?.get("Insight")).to.deep.equal([400000n, 0n, call1Payment, 400000n - call1Payment]);
    const all = [450000n, 12745n, 37255n + call1Payment, 450000n - 12745n - 37255n - call1Payment];
    for (const s of sections.values()) expect(s.get("All")).to.deep.equal(all);
    expect(all.slice(0, 3)).to.deep.equal(LEDGER_KINDS.map((k) => BigInt(totals.byKind[k])));
    for (let c = 2; c <= 5; c++) expect(sheet.getRow(4).getCell(c).numFmt).to.equal(AMOUNT_FORMAT);
  });

  it("writes a valid workbook for an empty ledger", async () => {
    const { wb, totals } = await workbookOf([]);
    const sheet = wb.getWorksheet("Ledger") as ExcelJS.Worksheet;
    expect((sheet.getRow(1).values as unknown[]).slice(1)).to.deep.equal([...LEDGER_COLUMNS]);
    expect(sheet.getRow(3).getCell(1).value).to.equal("Total");
    expect(centsOf(sheet.getRow(3).getCell(AMOUNT).value)).to.equal(0n);
    expect(totals.rowCount).to.equal(0);
    expect(wb.getWorksheet("Totals")).to.not.equal(undefined);
  });

  it("sends bytes to the output before the last row is read (rows are committed as they stream)", async () => {
    const sink = new Sink();
    let bytesBeforeLastRow = -1;
    async function* many(): AsyncGenerator<LedgerExportRow> {
      for (let i = 1; i <= 20_000; i++) {
        if (i === 20_000) bytesBeforeLastRow = sink.buffer.length;
        yield await Promise.resolve(row({ entryId: i, company: `Company ${i}` }));
      }
    }
    const totals = await writeLedgerXlsx(many(), sink, { timeZone: TZ });
    expect(totals.rowCount).to.equal(20_000);
    expect(bytesBeforeLastRow).to.be.greaterThan(50_000);
  });

  it("stops reading rows while the client is not reading, and fails when it goes away", async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<LedgerExportRow> {
      for (let i = 1; i <= 1_000_000; i++) {
        pulled++;
        yield await Promise.resolve(row({ entryId: i, company: `Company ${i}` }));
      }
    }
    let fail: (() => void) | null = null;
    const stuck = new Writable({
      highWaterMark: 16 * 1024,
      write(_chunk, _enc, cb) {
        // Accept the first chunk, then stall like a client that stopped reading.
        if (fail === null) fail = () => cb(new Error("client went away"));
        else cb();
      },
    });
    const done = writeLedgerXlsx(endless(), stuck, { timeZone: TZ });
    let failed: unknown = null;
    const settled = done.catch((e: unknown) => (failed = e));
    await waitUntil(() => stuck.writableNeedDrain, "the stalled output is full");
    // Fails unless the rows pulled stop growing while the output stays stalled.
    await waitUntilSteady(() => pulled, "the number of rows pulled");
    expect(pulled).to.be.greaterThan(0).and.lessThan(100_000);
    (fail as unknown as () => void)();
    await settled;
    expect(failed).to.be.instanceOf(Error);
  });

  it("hands amounts to the spreadsheet as exact decimals", () => {
    expect(spreadsheetAmount(123456)).to.equal(1234.56);
    expect(String(spreadsheetAmount(30))).to.equal("0.3");
    expect(String(spreadsheetAmount(-1230))).to.equal("-12.3");
    expect(String(spreadsheetAmount(999_999_999_999_999))).to.equal("9999999999999.99");
    expect(() => spreadsheetAmount(1_000_000_000_000_000)).to.throw(RangeError);
    expect(() => spreadsheetAmount(0.5)).to.throw();
  });
});
