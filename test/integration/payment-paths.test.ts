import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import * as budget from "../../server/services/finance/budget";
import type { Actor, ServiceContext } from "../../server/services/platform/context";
import { buildPain001 } from "../../server/exports/sepa";
import { cancelBatch, createSepaBatch, markBatchExecuted, recordPayment } from "../../server/services/finance/payments";
import { getBatch, paymentQueue } from "../../server/services/finance/payment-queries";
import { testConfig, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { refusal } from "../support/rejects";
import { changeBankAccount, changeRole, createStaff, type NewSmeClaimOptions, type PaymentWorld, startPaymentWorld, verifiedClaimOfNewSme } from "../support/journey";

/*
 * The payment-path rules on both databases: the one-open-path index on its own, marking a batch
 * executed as all or nothing, cancelling a batch, and separation of duties at every step.
 */
const TZ = "Europe/Copenhagen";
const NOW = "2026-06-15T10:00:00.000Z";

const idOf = (row: unknown): number => Number(typeof row === "object" && row !== null ? (row as { id: unknown }).id : row);

function ctxFor(db: Db, a: Actor | null, now = NOW): ServiceContext {
  return { db, config: testConfig({ timeZone: TZ }), actor: a, now: () => new Date(now) };
}

/** An Insight claim verified through the services for a company of its own, approved 1 March 2026, verified in May. */
function verifiedClaim(w: PaymentWorld, o: Pick<NewSmeClaimOptions, "verifierEmail"> = {}) {
  return verifiedClaimOfNewSme(w.db, w.callId, o);
}


/** Every row a payment step may write, to prove a refused step wrote none of them. */
async function snapshot(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of ["payments", "payment_paths", "ledger_entries", "budget_ceilings", "sepa_batches", "sepa_batch_items", "claims", "applications", "audit_events", "emails"]) {
    out[t] = await db(t).orderBy(t === "sepa_batch_items" ? "claim_id" : "id");
  }
  return out;
}

for (const engine of testDatabases()) {
  describe(`payment paths (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let w: PaymentWorld;

    beforeEach(async () => {
      db = await engine.create();
      w = await startPaymentWorld(db);
    });
    afterEach(() => db.destroy());

    it("the database refuses a second open path for a claim by itself, and a closed path frees the claim", async () => {
      const { claimId } = await verifiedClaim(w);
      const batch = await createSepaBatch(ctxFor(db, w.finance), [claimId], "2026-06-17");
      const hand = { claim_id: claimId, kind: "hand", opened_at: NOW, opened_by: w.finance.id };
      // Bypassing every service check: straight to the table.
      const err = await db("payment_paths").insert(hand).then(() => null, (e: unknown) => e as { code?: string; message?: string });
      expect(err, "second open path accepted").to.not.equal(null);
      expect(`${err!.code} ${err!.message}`).to.match(/23505|UNIQUE constraint failed: payment_paths\.claim_id/);
      const other = await db("sepa_batches").insert({
        message_id: "VD-OTHER", status: "prepared", execution_date: "2026-06-17", total_cents: 400_000, transaction_count: 1, xml: "<x/>",
        created_by: w.finance.id, created_at: NOW,
      }).returning("id");
      const second = await db("payment_paths").insert({ claim_id: claimId, kind: "batch", batch_id: idOf(other[0]), opened_at: NOW, opened_by: w.finance.id })
        .then(() => null, (e: unknown) => e as { code?: string; message?: string });
      expect(`${second?.code} ${second?.message}`).to.match(/23505|UNIQUE constraint failed: payment_paths\.claim_id/);
      // The check constraints: a hand path names no batch, a batch path names one, a paid path never closes.
      await db("payment_paths").where({ claim_id: claimId }).update({ closed_at: NOW });
      const mixed = await db("payment_paths").insert({ ...hand, batch_id: batch.id }).then(() => null, (e: unknown) => e as { code?: string; message?: string });
      expect(`${mixed?.code} ${mixed?.message}`).to.match(/23514|CHECK constraint failed/);
      await db("payment_paths").insert(hand);
      expect(await db("payment_paths").where({ claim_id: claimId }).whereNull("closed_at")).to.have.length(1);
    });

    it("marking executed before the execution date is refused and writes nothing", async () => {
      const a = await verifiedClaim(w);
      const batch = await createSepaBatch(ctxFor(db, w.finance), [a.claimId], "2026-06-17");
      const before = await snapshot(db);
      const e = await refusal(markBatchExecuted(ctxFor(db, w.finance, "2026-06-16T10:00:00.000Z"), batch.id));
      expect([e.status, e.code]).to.deep.equal([422, "batch_not_due"]);
      expect(e.message).to.contain("17 June 2026");
      expect(await snapshot(db)).to.deep.equal(before);
      expect((await getBatch(ctxFor(db, w.finance), batch.id)).status).to.equal("prepared");
    });

    it("an IBAN changed since the file was made stops the whole batch, naming the claim; nothing is half-written", async () => {
      const a = await verifiedClaim(w);
      const b = await verifiedClaim(w);
      const batch = await createSepaBatch(ctxFor(db, w.finance), [a.claimId, b.claimId], "2026-06-15");
      // The applicant of the first claim moves the company to another bank after the file was made.
      await changeBankAccount(db, a.email, "NL91ABNA0417164300", "2026-06-15T09:00:00.000Z");
      const before = await snapshot(db);
      const e = await refusal(markBatchExecuted(ctxFor(db, w.finance), batch.id));
      expect(e.status).to.equal(409);
      expect(e.message).to.contain(a.reference).and.to.contain("bank account changed").and.to.contain("DE89370400440532013000");
      expect(await snapshot(db)).to.deep.equal(before);
    });

    it("a claim paid elsewhere (a payment row written around the services) stops the batch; the others are not paid either", async () => {
      const a = await verifiedClaim(w);
      const b = await verifiedClaim(w);
      const batch = await createSepaBatch(ctxFor(db, w.finance), [a.claimId, b.claimId], "2026-06-15");
      await db("payments").insert({
        claim_id: b.claimId, application_id: b.applicationId, amount_cents: 400_000, paid_on: "2026-06-14", bank_reference: "ELSEWHERE",
        iban: "DE89370400440532013000", recorded_by: w.finance2.id, recorded_at: NOW,
      });
      const before = await snapshot(db);
      const e = await refusal(markBatchExecuted(ctxFor(db, w.finance), batch.id));
      expect(e.status).to.equal(409);
      expect(e.message).to.contain(`${b.reference}: This claim was already paid on 14 June 2026, reference ELSEWHERE`);
      expect(await snapshot(db)).to.deep.equal(before);
    });

    it("separation of duties (R15) at every step: preparing, executing and paying by hand", async () => {
      // A cluster manager who verified the claim and then moved to finance.
      await createStaff(db, { email: "verifier@t.test", role: "manager" });
      const mine = await verifiedClaim(w, { verifierEmail: "verifier@t.test" });
      const verifier = await changeRole(db, "verifier@t.test", "finance");
      const e1 = await refusal(createSepaBatch(ctxFor(db, verifier), [mine.claimId], "2026-06-17"));
      expect(e1.message).to.contain("separation of duties");
      expect(await db("sepa_batches")).to.have.length(0);
      const e2 = await refusal(recordPayment(ctxFor(db, verifier), { claimId: mine.claimId, paidOn: "2026-06-15", bankReference: "X" }));
      expect([e2.status, e2.code]).to.deep.equal([403, "separation_of_duties"]);
      // Prepared by another officer, executed by the one who verified: refused, nothing paid.
      const batch = await createSepaBatch(ctxFor(db, w.finance2), [mine.claimId], "2026-06-15");
      const before = await snapshot(db);
      const e3 = await refusal(markBatchExecuted(ctxFor(db, verifier), batch.id));
      expect(e3.message).to.contain("separation of duties");
      expect(await snapshot(db)).to.deep.equal(before);
      const done = await markBatchExecuted(ctxFor(db, w.finance2), batch.id);
      expect(done.map((r) => r.ok)).to.deep.equal([true]);
    });

    it("executing pays every claim in one go; a second execution and a cancellation are refused", async () => {
      const a = await verifiedClaim(w);
      const b = await verifiedClaim(w);
      const batch = await createSepaBatch(ctxFor(db, w.finance), [a.claimId, b.claimId], "2026-06-15");
      const results = await markBatchExecuted(ctxFor(db, w.finance), batch.id);
      expect(results.map((r) => r.ok)).to.deep.equal([true, true]);
      const paths = await db("payment_paths").orderBy("claim_id");
      expect(paths.map((p) => [p.kind, Number(p.batch_id), p.payment_id === null, p.closed_at])).to.deep.equal([["batch", batch.id, false, null], ["batch", batch.id, false, null]]);
      expect((await refusal(markBatchExecuted(ctxFor(db, w.finance), batch.id))).code).to.equal("batch_executed");
      expect((await refusal(cancelBatch(ctxFor(db, w.finance), batch.id, ""))).code).to.equal("batch_executed");
      expect(await db("payments")).to.have.length(2);
      expect((await budget.verifyLedgerTotals(db, w.callId)).every((c) => c.ok)).to.equal(true);
    });

    it("the migration gives existing payments and prepared batches their paths; a claim an old bug put in two batches keeps the first", async () => {
      const a = await verifiedClaim(w);
      const b = await verifiedClaim(w);
      const c = await verifiedClaim(w);
      await db.migrate.down({ name: "20261130100000_payment_paths.ts" });
      const refs = new Map<number, string>();
      for (const x of [a, b, c]) refs.set(x.claimId, String(defined(await db("applications").where({ id: x.applicationId }).first("reference")).reference));
      const legacyBatch = async (messageId: string, claims: number[]) => {
        const xml = buildPain001({
          messageId, createdAt: NOW, executionDate: "2026-06-15", debtor: { name: "Programme", iban: "DE89370400440532013000" },
          payments: claims.map((id) => ({ endToEndId: refs.get(id)!, amountCents: 400_000, creditorName: "Nordic", creditorIban: "DE89370400440532013000", remittance: "Voucher" })),
        });
        const [row] = await db("sepa_batches").insert({
          message_id: messageId, status: "prepared", execution_date: "2026-06-15", total_cents: 400_000 * claims.length,
          transaction_count: claims.length, xml, created_by: w.finance.id, created_at: NOW,
        }).returning("id");
        await db("sepa_batch_items").insert(claims.map((claimId) => ({ batch_id: idOf(row), claim_id: claimId })));
        return idOf(row);
      };
      const first = await legacyBatch("VD-LEGACY-1", [a.claimId, b.claimId]);
      const second = await legacyBatch("VD-LEGACY-2", [b.claimId]);
      const [pay] = await db("payments").insert({
        claim_id: c.claimId, application_id: c.applicationId, amount_cents: 400_000, paid_on: "2026-06-10", bank_reference: "OLD",
        iban: "DE89370400440532013000", recorded_by: w.finance.id, recorded_at: NOW,
      }).returning("id");

      await db.migrate.latest();
      const paths = await db("payment_paths").whereNull("closed_at").orderBy("claim_id");
      expect(paths.map((p) => [Number(p.claim_id), p.kind, p.batch_id === null ? null : Number(p.batch_id), p.payment_id === null ? null : Number(p.payment_id)]))
        .to.deep.equal([[a.claimId, "batch", first, null], [b.claimId, "batch", first, null], [c.claimId, "hand", null, idOf(pay)]]);
      const items = await db("sepa_batch_items").where({ batch_id: first }).orderBy("claim_id");
      expect(items.map((i) => [i.iban, Number(i.amount_cents)])).to.deep.equal([["DE89370400440532013000", 400_000], ["DE89370400440532013000", 400_000]]);
      const e = await refusal(markBatchExecuted(ctxFor(db, w.finance2), second));
      expect(e.message).to.contain("no longer paid through batch VD-LEGACY-2").and.to.contain("VD-LEGACY-1");
      expect((await markBatchExecuted(ctxFor(db, w.finance2), first)).map((r) => r.ok)).to.deep.equal([true, true]);
    });

    it("cancelling a prepared batch returns its claims to the queue, audit-logged; the cancelled batch can no longer be executed", async () => {
      const a = await verifiedClaim(w);
      const batch = await createSepaBatch(ctxFor(db, w.finance), [a.claimId], "2026-06-15");
      expect(defined((await paymentQueue(ctxFor(db, w.finance))).rows[0]).inBatch).to.equal(batch.messageId);
      const cancelled = await cancelBatch(ctxFor(db, w.finance), batch.id, "Bank refused the file");
      expect([cancelled.status, cancelled.cancelReason]).to.deep.equal(["cancelled", "Bank refused the file"]);
      expect((await paymentQueue(ctxFor(db, w.finance))).rows.map((q) => [q.claimId, q.inBatch])).to.deep.equal([[a.claimId, null]]);
      const logged = await db("audit_events").where({ action: "sepa.batch_cancelled" });
      expect(logged).to.have.length(1);
      expect(JSON.parse(String(defined(logged[0]).after_json))).to.include({ status: "cancelled" });
      expect((await refusal(markBatchExecuted(ctxFor(db, w.finance), batch.id))).code).to.equal("batch_cancelled");
      // The claim is free again: a new batch takes it, and that one is executed.
      const again = await createSepaBatch(ctxFor(db, w.finance), [a.claimId], "2026-06-15");
      expect((await markBatchExecuted(ctxFor(db, w.finance), again.id)).map((r) => r.ok)).to.deep.equal([true]);
      expect(defined(await db("payments").first()).bank_reference).to.equal(again.messageId);
    });
  });
}
