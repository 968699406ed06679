import { PassThrough } from "node:stream";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import type { Db } from "../../server/db/connection";
import { writeLedgerCsv } from "../../server/exports/ledger-csv";
import { writeLedgerXlsx } from "../../server/exports/ledger-xlsx";
import { LEDGER_COLUMNS, type LedgerExportRow } from "../../server/exports/ledger-row";
import { type Actor, type ServiceContext, type UserRole } from "../../server/services/platform/context";
import { currentRates, importRates, setRate } from "../../server/services/finance/exchange-rates";
import { rateTable } from "../../server/services/finance/exchange-rate-queries";
import { ledgerExportRows, ledgerPage, ledgerTotals } from "../../server/services/finance/ledger-queries";
import { createSepaBatch, recordPayment, recordPaymentReturn } from "../../server/services/finance/payments";
import { getBatch, paymentQueue } from "../../server/services/finance/payment-queries";
import { testConfig, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { insertCall, insertVerifiedClaim, registerSme } from "../support/journey";
import { refusal } from "../support/rejects";
import { englishText } from "../../server/i18n/messages";

const TZ = "Europe/Copenhagen";
const NOW = "2026-11-20T10:00:00.000Z";

function ctxFor(db: Db, a: Actor | null, now = NOW): ServiceContext {
  return { db, config: testConfig({ timeZone: TZ }), actor: a, now: () => new Date(now) };
}

async function user(db: Db, email: string, role: UserRole): Promise<Actor> {
  const [row] = await db("users").insert({ email, name: email.slice(0, email.indexOf("@")), password_hash: "x", role, created_at: NOW }).returning("id");
  return { id: Number(typeof row === "object" ? row.id : row), email, name: email.slice(0, email.indexOf("@")), role, companyId: null, partnerId: null, regionId: null };
}


async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

for (const engine of testDatabases()) {
  describe(`exchange-rate table (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let finance: Actor;
    let manager: Actor;

    beforeEach(async () => {
      db = await engine.create();
      finance = await user(db, "f@t.test", "finance");
      manager = await user(db, "m@t.test", "manager");
    });
    afterEach(() => db.destroy());

    it("adds a rate, corrects it keeping the earlier value, and audits both with before and after", async () => {
      expect(await setRate(ctxFor(db, finance), { currency: "dkk", month: "2026-11", rate: "7,4604" })).to.equal("added");
      expect(await setRate(ctxFor(db, finance), { currency: "DKK", month: "2026-11", rate: "7.4604" })).to.equal("unchanged");
      expect(await setRate(ctxFor(db, finance), { currency: "DKK", month: "2026-11", rate: "7.4612", note: "typo" })).to.equal("corrected");
      const table = await rateTable(ctxFor(db, finance));
      expect(table.current.map((r) => [r.currency, r.month, r.rate, r.revision])).to.deep.equal([["DKK", "2026-11", "7.4612", 2]]);
      expect(table.history.map((r) => r.rate)).to.deep.equal(["7.4604"]);
      // Verification reads the corrected rate; a further correction is the next revision.
      expect((await currentRates(db, [{ currency: "DKK", month: "2026-11" }])).get("DKK 2026-11")?.rate).to.equal("7.4612");
      expect(await setRate(ctxFor(db, finance), { currency: "DKK", month: "2026-11", rate: "7.4613" })).to.equal("corrected");
      expect((await currentRates(db, [{ currency: "DKK", month: "2026-11" }])).get("DKK 2026-11")?.revision).to.equal(3);
      expect(await db("exchange_rates").count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(3);
      const events = await db("audit_events").where({ entity_type: "exchange-rate" }).orderBy("id");
      expect(events.map((e) => e.action)).to.deep.equal(["exchange-rate.added", "exchange-rate.corrected", "exchange-rate.corrected"]);
      expect(JSON.parse(defined(defined(events[1]).before_json))).to.include({ rate: "7.4604", revision: 1 });
      expect(JSON.parse(defined(defined(events[1]).after_json))).to.include({ rate: "7.4612", revision: 2, note: "typo" });
    });

    // Only PostgreSQL lets two transactions overlap here: SQLite's single connection serialises them.
    if (engine.name === "postgres") {
      it("two corrections of one month at the same moment: one is kept, the other is refused as changed meanwhile", async () => {
        await setRate(ctxFor(db, finance), { currency: "DKK", month: "2026-11", rate: "7.4604" });
        const first = await db.transaction();
        // Other test runs may share the database server, so only this table's inserts are counted.
        const blocked = async () => Number(defined((await db.raw<{ rows: { n: number }[] }>(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'insert into \"exchange_rates\"%'",
        )).rows[0]).n);
        let second: Promise<unknown> | undefined;
        let settled = false;
        try {
          await first("exchange_rates").insert({ currency: "DKK", month: "2026-11", rate: "7.4700", revision: 2, entered_by: finance.id, entered_at: NOW });
          second = setRate(ctxFor(db, finance), { currency: "DKK", month: "2026-11", rate: "7.4800" }).finally(() => { settled = true; });
          second.catch(() => undefined);
          // The second correction read revision 1 and now waits on the first one's uncommitted revision 2.
          for (let i = 0; i < 500 && (await blocked()) === 0; i++) await new Promise((r) => setImmediate(r));
          expect([await blocked(), settled]).to.deep.equal([1, false]);
          await first.commit();
        } finally {
          if (!first.isCompleted()) await first.rollback();
        }
        const e = await refusal(second, 409);
        expect(e.message).to.match(/changed by someone else meanwhile/);
        expect((await db("exchange_rates").orderBy("revision")).map((r) => r.rate)).to.deep.equal(["7.4604", "7.4700"]);
      });
    }

    it("refuses a bad rate, month or currency field by field, and anyone but finance", async () => {
      const e = await refusal(setRate(ctxFor(db, finance), { currency: "EUR", month: "2026-13", rate: "-7" }), 422);
      expect(Object.keys(e.fields).sort()).to.deep.equal(["currency", "month", "rate"]);
      await refusal(setRate(ctxFor(db, manager), { currency: "DKK", month: "2026-11", rate: "7.4604" }), 403);
      await refusal(importRates(ctxFor(db, manager), "DKK,2026-11,7.4604\n"), 403);
      expect(await db("exchange_rates")).to.have.length(0);
    });

    it("imports a file of rates; a file with any bad line reports every bad line and writes nothing", async () => {
      await setRate(ctxFor(db, finance), { currency: "DKK", month: "2026-10", rate: "7.4600" });
      const bad = "currency,month,rate\nDKK,2026-11,7.4604\nSEK,2026-11,eleven\n\nNOK,2026-14,11.7\nDKK,2026-11,7.4605\nPLN,2026-11\n";
      const e = await refusal(importRates(ctxFor(db, finance), bad), 422);
      expect(e.fields).to.deep.include({
        "line-3": "Line 3: Please enter the rate as units of the foreign currency per 1 euro, for example 7.4604 for Danish kroner.",
        "line-6": "Line 6: DKK for 2026-11 is already given on line 2.",
        "line-7": "Line 7: Expected three values (currency, month, rate) but found 2.",
      });
      expect(e.fields["line-5"]).to.match(/^Line 5: "2026-14" is not a month/);
      expect(Object.keys(e.fields).filter((k) => k.startsWith("line-"))).to.have.length(4);
      expect(await db("exchange_rates")).to.have.length(1);

      const good = "currency;month;rate\r\nDKK;2026-10;7,4600\r\nDKK;2026-11;7,4604\r\nSEK;2026-11;11,1355\r\n";
      expect(await importRates(ctxFor(db, finance), good)).to.deep.equal({ added: 2, corrected: 0, unchanged: 1 });
      const table = await rateTable(ctxFor(db, finance));
      expect(table.current.map((r) => `${r.currency} ${r.month} ${r.rate}`)).to.deep.equal(["DKK 2026-11 7.4604", "SEK 2026-11 11.1355", "DKK 2026-10 7.4600"]);
      await refusal(importRates(ctxFor(db, finance), "DKK,\"2026-11,7.4\n"), 422);
    });
  });

  describe(`non-euro SEPA accounts and foreign-currency payments in the ledger (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let finance: Actor;
    let callId: number;
    let companyId: number;
    let email: string;

    beforeEach(async () => {
      db = await engine.create();
      await seedDemoData(db, () => new Date(NOW));
      finance = await actorByEmail(db, "finance@demo.test");
      callId = await insertCall(db, { opensAt: "2026-09-01T08:00:00.000Z", closesAt: "2026-10-31T12:00:00.000Z", title: "Call 2026" });
      ({ email, companyId } = await registerSme(db, {
        legalName: "Amager Nutrition ApS", iban: "DK5000400440116243", accountHolder: "Amager Nutrition", euroAccountConfirmed: false,
      }));
      // Finance's rates for the month of the claims.
      const entering = ctxFor(db, finance, "2026-11-09T10:00:00.000Z");
      await setRate(entering, { currency: "DKK", month: "2026-11", rate: "7.4604" });
      await setRate(entering, { currency: "SEK", month: "2026-11", rate: "11.1355" });
    });
    afterEach(() => db.destroy());

    /** A Meet & Greet paid from a EUR and two DKK lines (one ineligible) and a SEK line, claimed and verified in November. */
    async function verifiedClaim(): Promise<number> {
      const line = (currency: string, originalMinor: number, ineligibleReason?: string) => ({ incurredOn: "2026-11-02", description: "cost", currency, originalMinor, ineligibleReason });
      return (await insertVerifiedClaim(db, {
        email, callId, type: "MG", requestedCents: 50_000,
        // EUR 101.95 + DKK 1,495.00 at 7.4604 (EUR 119.97 + 80.42) + SEK 1,200.00 at 11.1355 (EUR 107.76) = EUR 410.10.
        lines: [line("EUR", 10_195), line("DKK", 89_500), line("DKK", 60_000), line("DKK", 50_000, "Not part of the trip"), line("SEK", 120_000)],
        timeline: {
          submittedAt: "2026-10-01T10:00:00.000Z", approvedAt: "2026-10-15T10:00:00.000Z", acceptedAt: "2026-10-16T10:00:00.000Z",
          activityStart: "2026-11-02", claimedAt: "2026-11-10T10:00:00.000Z", verifiedAt: "2026-11-12T10:00:00.000Z",
        },
      })).claimId;
    }

    it("a Danish IBAN is not payable until the company confirms it receives euros; then the queue shows it and it is paid (R15)", async () => {
      const claimId = await verifiedClaim();
      const [item] = (await paymentQueue(ctxFor(db, finance))).rows;
      expect(englishText(defined(defined(item).ibanProblem))).to.match(/Denmark \(DK\), which does not use the euro, and the company has not confirmed/);
      expect(defined(item).confirmedNonEuroAccount).to.equal(false);
      const e = await refusal(recordPayment(ctxFor(db, finance), { claimId, paidOn: "2026-11-20", bankReference: "X" }), 422);
      expect(e.message).to.match(/has not confirmed that it can receive euros/);
      const batch = await refusal(createSepaBatch(ctxFor(db, finance), [claimId], "2026-11-23"), 409);
      expect(batch.message).to.match(/has not confirmed that it can receive euros/);

      await db("companies").where({ id: companyId }).update({ euro_account_confirmed: true });
      const [confirmed] = (await paymentQueue(ctxFor(db, finance))).rows;
      expect([defined(confirmed).ibanProblem, defined(confirmed).confirmedNonEuroAccount]).to.deep.equal([null, true]);
      const prepared = await createSepaBatch(ctxFor(db, finance), [claimId], "2026-11-23");
      const xml = (await getBatch(ctxFor(db, finance), prepared.id)).xml;
      expect(xml).to.contain("<IBAN>DK5000400440116243</IBAN>").and.contain('<InstdAmt Ccy="EUR">410.10</InstdAmt>');
    });

    it("fills the ledger's original currency, amount and rate for a payment from foreign costs, in CSV, XLSX and the page; totals unchanged (R2, R16)", async () => {
      await db("companies").where({ id: companyId }).update({ euro_account_confirmed: true });
      const claimId = await verifiedClaim();
      await recordPayment(ctxFor(db, finance), { claimId, paidOn: "2026-11-20", bankReference: "BANK-DKK" });
      const rows = await collect(ledgerExportRows(db, {}));
      const payment = rows.find((r) => r.kind === "payment") as LedgerExportRow;
      // Eligible lines only: DKK 895.00 + 600.00; the ineligible DKK 500.00 is not part of the payment.
      expect([payment.originalCurrency, payment.originalAmount, payment.rate, payment.rateMonth]).to.deep.equal(["DKK; SEK", "1495.00; 1200.00", "7.4604; 11.1355", "2026-11; 2026-11"]);
      expect(payment.amountCents).to.equal(41_010);
      for (const r of rows.filter((x) => x.kind !== "payment")) expect([r.originalCurrency, r.originalAmount, r.rate]).to.deep.equal([null, null, null]);

      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on("data", (c: Buffer) => chunks.push(c));
      const csvTotals = await writeLedgerCsv(ledgerExportRows(db, {}), out, { timeZone: TZ });
      const csv = parse(Buffer.concat(chunks).toString("utf8"));
      const col = (name: (typeof LEDGER_COLUMNS)[number]) => defined(csv[0]).indexOf(name);
      const paid = csv.find((r) => r[col("Kind")] === "payment")!;
      expect([paid[col("Original currency")], paid[col("Original amount")], paid[col("Rate")], paid[col("Rate month")], paid[col("Amount EUR")]]).to.deep.equal(["DKK; SEK", "1495.00; 1200.00", "7.4604; 11.1355", "2026-11; 2026-11", "410.10"]);

      const xout = new PassThrough();
      const xchunks: Buffer[] = [];
      xout.on("data", (c: Buffer) => xchunks.push(c));
      const xlsxTotals = await writeLedgerXlsx(ledgerExportRows(db, {}), xout, { timeZone: TZ });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.concat(xchunks) as unknown as ArrayBuffer);
      const sheet = wb.getWorksheet("Ledger")!;
      const header = (sheet.getRow(1).values as unknown[]).map(String);
      let found: unknown[] | null = null;
      sheet.eachRow((row) => { if (typeof row.getCell(1).value === "number" && row.getCell(header.indexOf("Kind")).value === "payment") found = [row.getCell(header.indexOf("Original currency")).value, row.getCell(header.indexOf("Rate")).value, row.getCell(header.indexOf("Rate month")).value]; });
      expect(found).to.deep.equal(["DKK; SEK", "7.4604; 11.1355", "2026-11; 2026-11"]);

      const page = await ledgerPage(db, {});
      const pageRow = page.rows.find((r) => r.kind === "payment")!;
      expect([pageRow.originalCurrency, pageRow.originalAmount]).to.deep.equal(["DKK; SEK", "1495.00; 1200.00"]);
      const totals = await ledgerTotals(db, {});
      expect([csvTotals.byKind.payment, xlsxTotals.byKind.payment, totals.paid]).to.deep.equal([41_010, 41_010, 41_010]);
      expect(csvTotals.byKind.commit).to.equal(totals.committed);

      // The bank sends it back (R5): the correction carries the same costs with its own sign.
      const paymentId = Number(defined(await db("payments").where({ claim_id: claimId }).first("id")).id);
      await recordPaymentReturn(ctxFor(db, finance), { paymentId, returnedOn: "2026-11-20", reason: "Account closed" });
      const correction = (await collect(ledgerExportRows(db, {}))).filter((r) => r.kind === "payment").at(-1) as LedgerExportRow;
      expect([correction.amountCents, correction.originalCurrency, correction.originalAmount, correction.rate]).to.deep.equal([-41_010, "DKK; SEK", "-1495.00; -1200.00", "7.4604; 11.1355"]);
    });
  });
}
