import { expect } from "chai";
import { Writable } from "node:stream";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { writeLedgerCsv } from "../../../server/exports/ledger-csv";
import { LEDGER_COLUMNS, LEDGER_KINDS, type LedgerExportRow } from "../../../server/exports/ledger-row";
import { ValidationError } from "../../../server/errors";
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
  return [
    row({ entryId: 1, kind: "commit", amountCents: 400000 }),
    row({ entryId: 2, kind: "commit", amountCents: 50000, voucherType: "Meet & Greet", call: "Call 2026-2", region: "Noord-Brabant", company: "Brabant Diagnostics B.V." }),
    row({ entryId: 3, kind: "payment", amountCents: 37255, voucherType: "Meet & Greet", call: "Call 2026-2", region: "Noord-Brabant", company: "Brabant Diagnostics B.V.", originalCurrency: "DKK", originalAmount: "2779.50", rate: "7.4604", rateMonth: "2026-02", paymentReference: "BANK-REF-77", paidOn: "2026-03-02" }),
    row({ entryId: 4, kind: "release", amountCents: 12745, voucherType: "Meet & Greet", call: "Call 2026-2", region: "Noord-Brabant", company: "Brabant Diagnostics B.V." }),
    row({ entryId: 5, kind: "payment", amountCents: 10, date: "2026-03-04T23:30:00Z" }),
    row({ entryId: 6, kind: "payment", amountCents: 20 }),
    row({ entryId: 7, kind: "payment", amountCents: -1230, paymentReference: "CORR-1", paidOn: "2026-03-02" }),
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

async function csvOf(rows: LedgerExportRow[], bom = false) {
  const sink = new Sink();
  const totals = await writeLedgerCsv(iterate(rows), sink, { timeZone: TZ, bom });
  return { buffer: sink.buffer, text: sink.buffer.toString("utf8"), totals };
}

/** "1234.56" / "-12.30" → cents, exactly (string arithmetic, no floats). */
function cents(s: string): bigint {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(s);
  if (!m) throw new Error(`not an amount: ${s}`);
  const v = BigInt(defined(m[2])) * 100n + BigInt(defined(m[3]));
  return m[1] ? -v : v;
}

describe("exports/ledger-csv", () => {
  it("writes a header and one record per row that parse back to the rows", async () => {
    const rows = sampleRows();
    const { text } = await csvOf(rows);
    const records = parse(text);
    expect(records[0]).to.deep.equal([...LEDGER_COLUMNS]);
    expect(records).to.have.length(rows.length + 1);
    expect(records[3]).to.deep.equal([
      "3", "2026-03-04", "payment", "IN2LS-2026-001", "Brabant Diagnostics B.V.", "DK12345678", "Noord-Brabant",
      "BioPeople", "Call 2026-2", "Meet & Greet", "372.55", "DKK", "2779.50", "7.4604", "BANK-REF-77", "2026-03-02", "Mette Finance", "2026-02",
    ]);
    expect(defined(records[1])[10]).to.equal("4000.00");
    expect(defined(records[6])[10]).to.equal("0.20");
    // A correction keeps its minus sign and is not mistaken for a formula.
    expect(defined(records[7])[10]).to.equal("-12.30");
    // Null columns are empty cells.
    expect(defined(records[1]).slice(11, 16)).to.deep.equal(["", "", "", "", ""]);
    // Payment entry without a payment row: no value date.
    expect(defined(records[6])[LEDGER_COLUMNS.indexOf("Paid on")]).to.equal("");
  });

  it("puts the payment's value date right after the payment reference, not the entry's date", async () => {
    expect(LEDGER_COLUMNS.indexOf("Paid on")).to.equal(LEDGER_COLUMNS.indexOf("Payment reference") + 1);
    // Recorded late in the evening of the 4th local time; the bank paid on the 2nd.
    const { text } = await csvOf([row({ kind: "payment", date: "2026-03-04T22:30:00Z", paymentReference: "BANK-1", paidOn: "2026-03-02" })]);
    const r = defined(parse(text)[1]);
    expect(r[LEDGER_COLUMNS.indexOf("Date")]).to.equal("2026-03-04");
    expect(r[LEDGER_COLUMNS.indexOf("Paid on")]).to.equal("2026-03-02");
  });

  it("refuses a value date that is not a real YYYY-MM-DD day", async () => {
    for (const paidOn of ["2026-02-30", "02/03/2026", "=1+1", "2026-03-02T00:00:00Z"]) {
      let error: unknown;
      await writeLedgerCsv(iterate([row({ kind: "payment", paidOn })]), new Sink(), { timeZone: TZ }).catch((e: unknown) => (error = e));
      expect(error, paidOn).to.be.instanceOf(ValidationError);
    }
  });

  it("uses CRLF between records and no BOM by default", async () => {
    const { text, buffer } = await csvOf(sampleRows());
    expect(buffer[0]).to.equal("E".charCodeAt(0));
    expect(text.endsWith("\r\n")).to.equal(true);
    expect(text.split("\r\n")).to.have.length(sampleRows().length + 2);
    expect(text.replace(/\r\n/g, "")).not.to.match(/[\r\n]/);
  });

  it("expresses the date in the programme's time zone", async () => {
    const { text } = await csvOf([row({ date: "2026-03-04T23:30:00Z" }), row({ date: "2026-07-31T22:00:00.000Z" })]);
    const records = parse(text);
    expect(defined(records[1])[1]).to.equal("2026-03-05");
    expect(defined(records[2])[1]).to.equal("2026-08-01");
  });

  it("returns totals equal to the amounts re-summed from the file", async () => {
    const rows = sampleRows();
    const { text, totals } = await csvOf(rows);
    const records = parse(text, { from_line: 2 });
    const byKind: Record<string, bigint> = { commit: 0n, release: 0n, payment: 0n };
    const perCall = new Map<string, bigint>();
    for (const r of records) {
      const kind = defined(r[2]);
      byKind[kind] = defined(byKind[kind], kind) + cents(defined(r[10]));
      const key = `${r[8]}|${r[2]}`;
      perCall.set(key, (perCall.get(key) ?? 0n) + cents(defined(r[10])));
    }
    for (const k of LEDGER_KINDS) expect(BigInt(totals.byKind[k])).to.equal(byKind[k]);
    expect(totals.byKind).to.deep.equal({ commit: 450000, release: 12745, payment: 37255 + 10 + 20 - 1230 });
    expect(totals.outstanding).to.equal(450000 - 12745 - (37255 + 10 + 20 - 1230));
    for (const [call, t] of totals.perCall) {
      for (const k of LEDGER_KINDS) expect(BigInt(t[k])).to.equal(perCall.get(`${call}|${k}`) ?? 0n);
    }
    expect(totals.perRegion.get("Noord-Brabant")).to.deep.equal({ commit: 50000, release: 12745, payment: 37255 });
    expect(totals.perType.get("Insight")).to.deep.equal({ commit: 400000, release: 0, payment: 10 + 20 - 1230 });
    expect(totals.rowCount).to.equal(rows.length);
  });

  it("round-trips a company name with a comma, a quote, a newline and non-ASCII letters", async () => {
    const company = 'Fjord, "Nordic"\nBiotech Ærø ø\r\nß';
    const { text } = await csvOf([row({ company })]);
    expect(text).to.include('"Fjord, ""Nordic""\nBiotech Ærø ø\r\nß"');
    const records = parse(text);
    expect(records).to.have.length(2);
    expect(defined(records[1])[4]).to.equal(company);
  });

  it("quotes a field holding only a line break, so it stays one record", async () => {
    const { text } = await csvOf([row({ company: "Line one\nLine two", partner: "a\rb", call: "x\r\ny" })]);
    // csv-parse would tolerate a bare LF inside a CRLF file; spreadsheets would not.
    expect(text).to.include(',"Line one\nLine two",').and.include(',"a\rb","x\r\ny",');
    const records = parse(text);
    expect(records).to.have.length(2);
    expect([defined(records[1])[4], defined(records[1])[7], defined(records[1])[8]]).to.deep.equal(["Line one\nLine two", "a\rb", "x\r\ny"]);
  });

  it("starts with a UTF-8 BOM when asked, for Excel", async () => {
    const { buffer } = await csvOf([row({ company: "Øresund Bio" })], true);
    expect([...buffer.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const records: string[][] = parse(buffer, { bom: true });
    expect(defined(records[0])[0]).to.equal("Entry ID");
    expect(defined(records[1])[4]).to.equal("Øresund Bio");
  });

  it("writes a valid file with only the header when there are no rows", async () => {
    const { text, totals } = await csvOf([]);
    expect(text).to.equal(`${LEDGER_COLUMNS.join(",")}\r\n`);
    expect(parse(text)).to.deep.equal([[...LEDGER_COLUMNS]]);
    expect(totals.byKind).to.deep.equal({ commit: 0, release: 0, payment: 0 });
    expect(totals.perCall.size).to.equal(0);
  });

  it("defuses cells that a spreadsheet would run as formulas, but not amounts", async () => {
    const { text } = await csvOf([
      row({
        company: '=HYPERLINK("http://evil.example","Click")',
        vatNumber: "+45 1234",
        partner: "-2+3",
        call: "@SUM(A1:A2)",
        recordedBy: "\t=1+1",
        paymentReference: "ref=ok",
        amountCents: -1230,
        originalAmount: "-5.00",
        rate: "=1",
      }),
    ]);
    const r = defined(parse(text)[1]);
    expect(r[4]).to.equal(`'=HYPERLINK("http://evil.example","Click")`);
    expect(r[5]).to.equal("'+45 1234");
    expect(r[7]).to.equal("'-2+3");
    expect(r[8]).to.equal("'@SUM(A1:A2)");
    expect(r[LEDGER_COLUMNS.indexOf("Recorded by")]).to.equal("'\t=1+1");
    expect(r[14]).to.equal("ref=ok");
    expect(r[10]).to.equal("-12.30");
    expect(r[12]).to.equal("-5.00");
    expect(r[13]).to.equal("'=1");
  });

  it("round-trips any text that a spreadsheet would not run as a formula, and prefixes an apostrophe to one it would", async () => {
    // The expectation is written out here, not taken from defuseFormula: a formula starts with
    // = + - @ or a tab or carriage return.
    const formulaStart = /^[=+\-@\t\r]/;
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "binary", maxLength: 20 }), async (company, call) => {
        const { text } = await csvOf([row({ company, call })]);
        const records = parse(text);
        expect(records).to.have.length(2);
        expect(defined(records[1])[4]).to.equal(formulaStart.test(company) ? `'${company}` : company);
        expect(defined(records[1])[8]).to.equal(formulaStart.test(call) ? `'${call}` : call);
      }),
      { numRuns: 200 },
    );
  });

  it("pulls rows only as fast as the output accepts them (backpressure)", async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<LedgerExportRow> {
      for (let i = 1; i <= 100_000; i++) {
        pulled++;
        yield await Promise.resolve(row({ entryId: i }));
      }
    }
    let release: (() => void) | null = null;
    const stuck = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        // Accept the first chunk, then stall like a client that stopped reading.
        if (release === null) release = () => cb(new Error("client went away"));
        else cb();
      },
    });
    const done = writeLedgerCsv(endless(), stuck, { timeZone: TZ });
    await waitUntil(() => stuck.writableNeedDrain, "the stalled output is full");
    await waitUntilSteady(() => pulled, "the number of rows pulled");
    expect(pulled).to.be.greaterThan(0);
    expect(pulled).to.be.lessThan(2000);
    (release as unknown as () => void)();
    let failed: unknown = null;
    await done.catch((e: unknown) => (failed = e));
    expect(failed).to.be.instanceOf(Error);
  });

  it("refuses an unknown kind, a bad date and a non-integer amount", async () => {
    for (const bad of [
      row({ kind: "refund" as unknown as LedgerExportRow["kind"] }),
      row({ date: "yesterday" }),
      row({ amountCents: 12.5 }),
    ]) {
      let failed: unknown = null;
      await csvOf([row(), bad]).catch((e: unknown) => (failed = e));
      expect(failed, JSON.stringify(bad)).to.be.instanceOf(Error);
    }
    let zoneError: unknown = null;
    await writeLedgerCsv(iterate([row()]), new Sink(), { timeZone: "Mars/Olympus" }).catch((e: unknown) => (zoneError = e));
    expect(zoneError).to.be.instanceOf(ValidationError);
  });
});
