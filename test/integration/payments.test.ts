import { PassThrough } from "node:stream";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import type { Db } from "../../server/db/connection";
import { writeLedgerCsv } from "../../server/exports/ledger-csv";
import { writeLedgerXlsx } from "../../server/exports/ledger-xlsx";
import { LEDGER_COLUMNS } from "../../server/exports/ledger-row";
import { AppError } from "../../server/errors";
import { exportLedgerCommand } from "../../server/cli/export-ledger";
import * as budget from "../../server/services/finance/budget";
import { type Actor, type ServiceContext, inTransaction } from "../../server/services/platform/context";
import { parseLedgerFilter } from "../../server/services/finance/ledger-filter";
import { ledgerExportRows } from "../../server/services/finance/ledger-queries";
import { reconciliation } from "../../server/services/finance/reconciliation";
import { createSepaBatch, markBatchExecuted, recordPayment } from "../../server/services/finance/payments";
import { getBatch, paymentQueue } from "../../server/services/finance/payment-queries";
import { testConfig, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { refusal } from "../support/rejects";
import { changeBankAccount, changeRole, createStaff, type NewSmeClaimOptions, type PaymentWorld, startPaymentWorld, verifiedClaimOfNewSme } from "../support/journey";

const TZ = "Europe/Copenhagen";
const NOW = "2026-06-15T10:00:00.000Z";

function ctxFor(db: Db, a: Actor | null, now = NOW): ServiceContext {
  return { db, config: testConfig({ timeZone: TZ }), actor: a, now: () => new Date(now) };
}

/**
 * A claim verified through the services for a company of its own (verifiedClaimOfNewSme): approved
 * on 1 March 2026 unless `at` (the moment of approval, which dates the budget commitment), verified
 * in May, so the payments the tests date in June come after it.
 */
function verifiedClaim(w: PaymentWorld, o: Omit<NewSmeClaimOptions, "approvedAt"> & { at?: string } = {}) {
  return verifiedClaimOfNewSme(w.db, w.callId, { ...o, approvedAt: o.at });
}


async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function toBuffer(write: (out: PassThrough) => Promise<unknown>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => out.on("end", resolve));
  await write(out);
  await done;
  return Buffer.concat(chunks);
}

for (const engine of testDatabases()) {
  describe(`payments and the disbursement ledger (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let w: PaymentWorld;

    beforeEach(async () => {
      db = await engine.create();
      w = await startPaymentWorld(db);
    });
    afterEach(() => db.destroy());

    it("pays a verified claim: payment row, ledger payment and release, claim paid, application paid, audit", async () => {
      const { claimId, applicationId } = await verifiedClaim(w, { award: 50_000, payable: 41_234, type: "MG" });
      expect((await paymentQueue(ctxFor(db, w.finance))).rows.map((q) => q.claimId)).to.deep.equal([claimId]);
      const r = await recordPayment(ctxFor(db, w.finance), { claimId, paidOn: "2026-06-15", bankReference: "BANK-1" });
      expect(r.amountCents).to.equal(41_234);
      expect(r.releasedCents).to.equal(8_766);
      const pays = await db("payments").where({ claim_id: claimId });
      expect(pays).to.have.length(1);
      expect(defined(pays[0]).iban).to.equal("DE89370400440532013000");
      const entries = await db("ledger_entries").where({ application_id: applicationId }).orderBy("id");
      expect(entries.map((e) => [e.kind, Number(e.amount_cents), e.idempotency_key])).to.deep.equal([
        ["commit", 50_000, `approve:${applicationId}`], ["payment", 41_234, `pay:${claimId}`], ["release", 8_766, `pay-release:${claimId}`],
      ]);
      expect(Number(defined(entries[1]).payment_id)).to.equal(r.paymentId);
      expect(defined(await db("claims").where({ id: claimId }).first()).status).to.equal("paid");
      expect(defined(await db("applications").where({ id: applicationId }).first()).state).to.equal("paid");
      expect(await db("audit_events").where({ action: "payment.recorded" })).to.have.length(1);
      expect(await db("audit_events").where({ action: "application.pay" })).to.have.length(1);
      expect((await paymentQueue(ctxFor(db, w.finance))).rows).to.have.length(0);
      expect((await budget.verifyLedgerTotals(db, w.callId)).every((c) => c.ok)).to.equal(true);
    });

    it("a second payment of the same claim (replay) changes nothing and says when and how it was paid", async () => {
      const { claimId } = await verifiedClaim(w);
      await recordPayment(ctxFor(db, w.finance), { claimId, paidOn: "2026-06-15", bankReference: "BANK-1" });
      const before = await db("ledger_entries").count({ n: "*" });
      await refusal(recordPayment(ctxFor(db, w.finance2), { claimId, paidOn: "2026-06-15", bankReference: "BANK-2" }), 409,
        /already paid on 15 June 2026, reference BANK-1/);
      expect(await db("ledger_entries").count({ n: "*" })).to.deep.equal(before);
      expect(await db("payments")).to.have.length(1);
    });

    it("two concurrent payments of one claim: exactly one payment row and one ledger payment", async () => {
      const { claimId } = await verifiedClaim(w, { award: 50_000, payable: 30_000, type: "MG" });
      const results = await Promise.allSettled([
        recordPayment(ctxFor(db, w.finance), { claimId, paidOn: "2026-06-15", bankReference: "A" }),
        recordPayment(ctxFor(db, w.finance2), { claimId, paidOn: "2026-06-15", bankReference: "B" }),
        recordPayment(ctxFor(db, w.finance), { claimId, paidOn: "2026-06-15", bankReference: "A" }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).to.have.length(1);
      for (const r of results) {
        if (r.status === "rejected") {
          expect(r.reason).to.be.instanceOf(AppError);
          expect((r.reason as AppError).message).to.match(/already paid on 15 June 2026/);
        }
      }
      expect(await db("payments").where({ claim_id: claimId })).to.have.length(1);
      expect(await db("ledger_entries").where({ kind: "payment" })).to.have.length(1);
      expect(await db("ledger_entries").where({ kind: "release" })).to.have.length(1);
      expect((await budget.verifyLedgerTotals(db, w.callId)).every((c) => c.ok)).to.equal(true);
    });

    it("separation of duties: whoever verified the claim or approved the application cannot pay it (R15)", async () => {
      // Two cluster managers who then moved to finance: one verified a claim, the other approved an application.
      await createStaff(db, { email: "verifier@t.test", role: "manager" });
      await createStaff(db, { email: "approver@t.test", role: "manager" });
      const verifiedByFinance = await verifiedClaim(w, { verifierEmail: "verifier@t.test" });
      const decided = await verifiedClaim(w, { approverEmail: "approver@t.test" });
      const exVerifier = await changeRole(db, "verifier@t.test", "finance");
      const exApprover = await changeRole(db, "approver@t.test", "finance");
      const e = await refusal(recordPayment(ctxFor(db, exVerifier), { claimId: verifiedByFinance.claimId, paidOn: "2026-06-15", bankReference: "X" }), 403, /separation of duties/);
      expect(e.code).to.equal("separation_of_duties");
      expect(await db("payments")).to.have.length(0);
      await refusal(recordPayment(ctxFor(db, exApprover), { claimId: decided.claimId, paidOn: "2026-06-15", bankReference: "X" }), 403, /separation of duties/);
      // Another officer may.
      await recordPayment(ctxFor(db, exApprover), { claimId: verifiedByFinance.claimId, paidOn: "2026-06-15", bankReference: "OK" });
      // A manager may not pay at all.
      await refusal(recordPayment(ctxFor(db, w.manager), { claimId: decided.claimId, paidOn: "2026-06-15", bankReference: "X" }), 403);
    });

    it("a missing or non-euro IBAN blocks the payment with its reason", async () => {
      // The applicant removed the company's account from the profile after the claim was verified.
      const removed = await verifiedClaim(w);
      await changeBankAccount(db, removed.email, "", "2026-06-02T10:00:00.000Z");
      await refusal(recordPayment(ctxFor(db, w.finance), { claimId: removed.claimId, paidOn: "2026-06-15", bankReference: "X" }), 422, /No bank account/);
      // An account outside the euro area that the company never confirmed takes euros (the company
      // service stores it as given; only the profile form asks for the confirmation).
      const danish = await verifiedClaim(w, { iban: "DK5000400440116243", euroAccountConfirmed: false });
      await refusal(recordPayment(ctxFor(db, w.finance), { claimId: danish.claimId, paidOn: "2026-06-15", bankReference: "X" }), 422);
      expect(await db("payments")).to.have.length(0);
      expect(await db("ledger_entries").where({ kind: "payment" })).to.have.length(0);
    });

    it("SEPA batch: pain.001 for the selection, then mark executed pays each claim once with the batch's date and id", async () => {
      const a = await verifiedClaim(w, { award: 400_000 });
      const b = await verifiedClaim(w, { award: 50_000, payable: 12_345, type: "MG" });
      const batch = await createSepaBatch(ctxFor(db, w.finance), [a.claimId, b.claimId], "2026-06-17");
      const full = await getBatch(ctxFor(db, w.finance), batch.id);
      expect(full.claimIds).to.deep.equal([a.claimId, b.claimId]);
      expect(full.xml).to.contain("<NbOfTxs>2</NbOfTxs>");
      expect(full.xml).to.contain("<CtrlSum>4123.45</CtrlSum>");
      expect(full.xml).to.contain(`<EndToEndId>${a.reference}</EndToEndId>`);
      expect(full.xml).to.contain("DE89370400440532013000");
      await refusal(createSepaBatch(ctxFor(db, w.finance), [a.claimId], "2026-06-17"), 409, /is in the prepared SEPA batch/);
      // Marked executed once the bank has carried it out, after the requested execution date.
      const results = await markBatchExecuted(ctxFor(db, w.finance, "2026-06-18T10:00:00.000Z"), batch.id);
      expect(results.every((r) => r.ok)).to.equal(true);
      const pays = await db("payments").orderBy("claim_id");
      expect(pays.map((p) => [p.paid_on, p.bank_reference, Number(p.batch_id)])).to.deep.equal([
        ["2026-06-17", batch.messageId, batch.id], ["2026-06-17", batch.messageId, batch.id],
      ]);
      await refusal(markBatchExecuted(ctxFor(db, w.finance), batch.id), 409, /already marked executed/);
      expect(await db("payments")).to.have.length(2);
    });

    it("CSV and XLSX exports re-sum to the reconciliation, to the cent", async () => {
      const dk = await verifiedClaim(w, { award: 400_000 });
      const mg = await verifiedClaim(w, { award: 50_000, payable: 33_333, type: "MG", region: "NB" });
      await verifiedClaim(w, { award: 700_000, type: "CO", region: "BW" });
      await recordPayment(ctxFor(db, w.finance), { claimId: dk.claimId, paidOn: "2026-06-15", bankReference: "R1" });
      // Paid on the bank's value date three days before it was recorded.
      await recordPayment(ctxFor(db, w.finance), { claimId: mg.claimId, paidOn: "2026-06-12", bankReference: "R2" });
      const recon = await reconciliation(db);
      expect(recon.total.committedCents).to.equal(1_150_000);
      expect(recon.total.paidCents).to.equal(433_333);
      expect(recon.total.releasedCents).to.equal(16_667);
      expect(recon.total.outstandingCents).to.equal(700_000);
      expect(defined(recon.byCall[0]).runningTotalsAgree).to.equal(true);
      expect(defined(recon.byCall[0]).remainingCents).to.equal(10_000_000 - 1_150_000 + 16_667);

      const csv = (await toBuffer((out) => writeLedgerCsv(ledgerExportRows(db, {}, 2), out, { timeZone: TZ }))).toString("utf8");
      const records = parse(csv);
      expect(records[0]).to.deep.equal([...LEDGER_COLUMNS]);
      const amountCol = LEDGER_COLUMNS.indexOf("Amount EUR");
      const kindCol = LEDGER_COLUMNS.indexOf("Kind");
      const regionCol = LEDGER_COLUMNS.indexOf("Region");
      const cents = (s: string) => { const [e, c = "0"] = s.replace("-", "").split("."); return (s.startsWith("-") ? -1 : 1) * (Number(e) * 100 + Number(c.padEnd(2, "0"))); };
      const sum = (kind: string, region?: string) => records.slice(1).filter((r) => r[kindCol] === kind && (!region || r[regionCol] === region)).reduce((s, r) => s + cents(defined(r[amountCol])), 0);
      expect(records).to.have.length(1 + 6); // 3 commits, 2 payments, 1 release (MG paid below its award)
      const refCol = LEDGER_COLUMNS.indexOf("Payment reference");
      const paidOnCol = LEDGER_COLUMNS.indexOf("Paid on");
      const dateCol = LEDGER_COLUMNS.indexOf("Date");
      expect(paidOnCol).to.equal(refCol + 1);
      expect(records.slice(1).map((r) => [r[kindCol], r[refCol], r[paidOnCol]]).sort()).to.deep.equal([
        ["commit", "", ""], ["commit", "", ""], ["commit", "", ""],
        ["payment", "R1", "2026-06-15"], ["payment", "R2", "2026-06-12"],
        ["release", "", ""],
      ]);
      // The entry's own date stays the day it was recorded, not the value date.
      expect(records.find((r) => r[refCol] === "R2")![dateCol]).to.equal("2026-06-15");
      expect(sum("commit")).to.equal(recon.total.committedCents);
      expect(sum("release")).to.equal(recon.total.releasedCents);
      expect(sum("payment")).to.equal(recon.total.paidCents);
      for (const r of recon.byRegion) {
        expect(sum("commit", r.label)).to.equal(r.committedCents);
        expect(sum("payment", r.label)).to.equal(r.paidCents);
        expect(sum("release", r.label)).to.equal(r.releasedCents);
      }

      const xlsx = await toBuffer((out) => writeLedgerXlsx(ledgerExportRows(db, {}), out, { timeZone: TZ }));
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
      const ws = wb.getWorksheet("Ledger")!;
      const ids: number[] = [];
      let paid = 0;
      ws.eachRow((row, n) => {
        if (n === 1) return;
        const id = row.getCell(1).value;
        if (typeof id === "number") {
          ids.push(id);
          if (row.getCell(kindCol + 1).value === "payment") paid += Math.round(Number(row.getCell(amountCol + 1).value) * 100);
          const paidOn = row.getCell(paidOnCol + 1).value;
          if (row.getCell(refCol + 1).value === "R2") expect((paidOn as Date).toISOString()).to.equal("2026-06-12T00:00:00.000Z");
          else if (row.getCell(kindCol + 1).value !== "payment") expect(paidOn).to.equal(null);
        }
      });
      expect(ids).to.deep.equal(records.slice(1).map((r) => Number(r[0])));
      expect(paid).to.equal(recon.total.paidCents);
    });

    it("a correction of a payment carries the payment's value date; a payment entry without a payment row has none", async () => {
      const claim = await verifiedClaim(w, { award: 50_000, type: "MG" });
      const paid = await recordPayment(ctxFor(db, w.finance), { claimId: claim.claimId, paidOn: "2026-06-10", bankReference: "BANK-V" });
      const entry = defined(await db("ledger_entries").where({ payment_id: paid.paymentId }).first("id"), "entry");
      const ctx = ctxFor(db, w.finance);
      await inTransaction(ctx, (trx) => budget.reverseEntry(trx, ctx, Number(entry.id), "wrong voucher", "rev:1"));
      const rows = await collect(ledgerExportRows(db, {}));
      expect(rows.map((r) => [r.kind, r.amountCents, r.paymentReference, r.paidOn])).to.deep.equal([
        ["commit", 50_000, null, null], ["payment", 50_000, "BANK-V", "2026-06-10"], ["payment", -50_000, "BANK-V", "2026-06-10"],
      ]);
      const commit = defined(await db("ledger_entries").where({ kind: "commit" }).first(), "commit");
      const ctx2 = ctxFor(db, w.finance);
      await inTransaction(ctx2, (trx) => budget.recordPayment(trx, ctx2, {
        callId: commit.call_id, applicationId: commit.application_id, amountCents: 1, ceilingKeys: JSON.parse(commit.ceiling_keys) as string[],
        paymentId: null, idempotencyKey: "pay:manual", note: "without a payment row",
      }));
      const last = (await collect(ledgerExportRows(db, {}))).at(-1)!;
      expect([last.kind, last.paymentReference, last.paidOn]).to.deep.equal(["payment", null, null]);
    });

    it("period filter edges: 23:59 local on `to` is in, 00:00 local the next day is out", async () => {
      // Copenhagen is UTC+2 in summer: 23:59 local on 30 June is 21:59 UTC.
      await verifiedClaim(w, { at: "2026-06-30T21:59:00.000Z" });
      await verifiedClaim(w, { at: "2026-06-30T22:00:00.000Z" });
      await verifiedClaim(w, { at: "2026-05-31T22:00:00.000Z" }); // 00:00 local on 1 June
      await verifiedClaim(w, { at: "2026-05-31T21:59:59.000Z" }); // 23:59:59 local on 31 May
      const f = parseLedgerFilter({ from: "2026-06-01", to: "2026-06-30" }, TZ);
      const rows = await collect(ledgerExportRows(db, f));
      expect(rows.map((r) => r.date)).to.deep.equal(["2026-06-30T21:59:00.000Z", "2026-05-31T22:00:00.000Z"]);
      expect((await reconciliation(db, f)).total.committedCents).to.equal(800_000);
    });

    it("an export with no rows is a valid file with its header", async () => {
      const f = parseLedgerFilter({ from: "2030-01-01", to: "2030-01-31" }, TZ);
      const csv = (await toBuffer((out) => writeLedgerCsv(ledgerExportRows(db, f), out, { timeZone: TZ }))).toString("utf8");
      expect(parse(csv)).to.deep.equal([[...LEDGER_COLUMNS]]);
      const xlsx = await toBuffer((out) => writeLedgerXlsx(ledgerExportRows(db, f), out, { timeZone: TZ }));
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
      expect(wb.getWorksheet("Ledger")!.getRow(1).getCell(1).value).to.equal("Entry ID");
    });

    it("the export:ledger command writes the same CSV as the service, filtered, and audit-logs it", async () => {
      await verifiedClaim(w, { at: "2026-03-01T10:00:00.000Z" });
      await verifiedClaim(w, { at: "2027-03-01T10:00:00.000Z" });
      const args = ["--from", "2026-01-01", "--to", "2026-12-31", "--format", "csv"];
      const cli = (await toBuffer((out) => exportLedgerCommand(args, db, testConfig({ timeZone: TZ }), out))).toString("utf8");
      const f = parseLedgerFilter({ from: "2026-01-01", to: "2026-12-31" }, TZ);
      const direct = (await toBuffer((out) => writeLedgerCsv(ledgerExportRows(db, f), out, { timeZone: TZ }))).toString("utf8");
      expect(cli).to.equal(direct);
      expect(parse(cli)).to.have.length(2);
      expect(await db("audit_events").where({ action: "ledger.exported" })).to.have.length(1);
      await refusal(exportLedgerCommand(["--format", "pdf"], db, testConfig(), new PassThrough()), 400, /csv or xlsx/);
    });

    it("refuses bad filters with a reason", () => {
      expect(() => parseLedgerFilter({ from: "2026-02-30" }, TZ)).to.throw(/real date/);
      expect(() => parseLedgerFilter({ from: "2026-03-01", to: "2026-02-01" }, TZ)).to.throw(/after/);
      expect(() => parseLedgerFilter({ call: "abc" }, TZ)).to.throw(/call/);
      expect(() => parseLedgerFilter({ kind: "gift" }, TZ)).to.throw(/kind/);
      expect(() => parseLedgerFilter({ type: ["MG", "IN"] }, TZ)).to.throw(/more than once/);
    });
  });
}
