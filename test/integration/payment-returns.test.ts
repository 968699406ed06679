import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import * as budget from "../../server/services/finance/budget";
import type { Actor, ServiceContext } from "../../server/services/platform/context";
import { cancelBatch, createSepaBatch, markBatchExecuted, recordPayment, recordPaymentReturn } from "../../server/services/finance/payments";
import { cancel } from "../../server/services/review/decisions";
import { paymentDetail, paymentQueue } from "../../server/services/finance/payment-queries";
import { paymentDays } from "../../server/services/results/queries";
import { ledgerExportRows } from "../../server/services/finance/ledger-queries";
import { testContext, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { refusal } from "../support/rejects";
import { changeBankAccount, type PaymentWorld, startPaymentWorld, verifiedClaimOfNewSme } from "../support/journey";

/*
 * A payment the bank sends back (R5: a correction is a new reversing entry; R15: one payment
 * stands per claim), on both databases: the ledger reversed, the claim waiting again, a second
 * payment possible once and only once, and every refusal writing nothing.
 */
const NOW = "2026-06-20T10:00:00.000Z";

const ctxFor = (db: Db, a: Actor | null, now = NOW): ServiceContext => testContext(db, a, () => new Date(now));

/** Every row a return may write, to prove a refused one wrote none of them. */
async function snapshot(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of ["payments", "payment_paths", "ledger_entries", "ledger_sums", "ledger_totals", "budget_ceilings", "claims", "applications", "audit_events", "emails"]) {
    out[t] = await db(t).select("*");
  }
  return out;
}

for (const engine of testDatabases()) {
  describe(`payments returned by the bank (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let w: PaymentWorld;

    beforeEach(async () => {
      db = await engine.create();
      w = await startPaymentWorld(db);
    });
    afterEach(() => db.destroy());

    async function paidByHand(o: { award?: number; payable?: number; type?: "MG" | "IN" } = {}) {
      const claim = await verifiedClaimOfNewSme(db, w.callId, o);
      const paid = await recordPayment(ctxFor(db, w.finance, "2026-06-15T10:00:00.000Z"), { claimId: claim.claimId, paidOn: "2026-06-15", bankReference: "BANK-1" });
      return { ...claim, paymentId: paid.paymentId, amountCents: paid.amountCents };
    }

    async function ceilingTotals(): Promise<{ committed: number; released: number; paid: number }> {
      const total = defined((await budget.readCeilings(db, w.callId)).find((c) => c.key === "total"));
      return { committed: total.committedCents, released: total.releasedCents, paid: total.paidCents };
    }

    async function ledgerAgrees(): Promise<void> {
      for (const check of await budget.verifyLedgerTotals(db, w.callId)) expect(check.ok, `ceiling ${check.key} agrees with the ledger`).to.equal(true);
      expect(await budget.ledgerSumsAgree(db, w.callId), "ledger_sums agree with the entries").to.equal(true);
    }

    it("reverses the payment entry, puts the claim back in the queue, tells the company, and lets it be paid once more", async () => {
      const c = await paidByHand();
      expect(await ceilingTotals()).to.deep.equal({ committed: 400_000, released: 0, paid: 400_000 });

      const returned = await recordPaymentReturn(ctxFor(db, w.finance2), { paymentId: c.paymentId, returnedOn: "2026-06-18", reason: "  Account closed  " });
      expect(returned).to.include({ paymentId: c.paymentId, claimId: c.claimId, amountCents: 400_000 });

      // R5: the original entry stays; a new entry of the same kind with the negated amount reverses it.
      const entries = await budget.entriesForApplication(db, c.applicationId);
      const payments = entries.filter((e) => e.kind === "payment");
      expect(payments.map((e) => e.amountCents)).to.deep.equal([400_000, -400_000]);
      expect(defined(payments[1]).reversesEntryId).to.equal(defined(payments[0]).id);
      expect(defined(payments[1]).note).to.equal("Returned by the bank on 2026-06-18: Account closed");
      // The award is owed again: committed, not released.
      expect(await ceilingTotals()).to.deep.equal({ committed: 400_000, released: 0, paid: 0 });
      await ledgerAgrees();

      const row = defined(await db("payments").where({ id: c.paymentId }).first());
      expect(row).to.include({ returned_on: "2026-06-18", return_reason: "Account closed", returned_by: w.finance2.id });
      expect(defined(await db("payment_paths").where({ payment_id: c.paymentId }).first()).closed_at).to.be.a("string");
      expect(defined(await db("claims").where({ id: c.claimId }).first()).status).to.equal("verified");
      expect(defined(await db("applications").where({ id: c.applicationId }).first()).state).to.equal("claim-verified");
      const events = await db("audit_events").where({ action: "payment.returned", entity_id: String(c.claimId) });
      expect(events).to.have.length(1);
      const mail = await db("emails").where({ template: "payment-returned" });
      expect(mail.map((m) => m.to_address)).to.deep.equal([c.email]);
      expect(defined(mail[0]).body_text).to.contain("Account closed").and.contain("/company");
      expect((await paymentQueue(ctxFor(db, w.finance))).rows.map((r) => r.claimId)).to.include(c.claimId);
      expect((await paymentDays(db, {})).reduce((n, d) => n + d.count, 0), "a returned payment is not a payment in the results").to.equal(0);
      // The ledger's export: the correction dated by the money's return, the payment by its leaving.
      const rows: { amountCents: number; paidOn: string | null; paymentReference: string | null }[] = [];
      for await (const r of ledgerExportRows(db, {})) if (r.kind === "payment") rows.push({ amountCents: r.amountCents, paidOn: r.paidOn, paymentReference: r.paymentReference });
      expect(rows).to.deep.include.members([
        { amountCents: 400_000, paidOn: "2026-06-15", paymentReference: "BANK-1" },
        { amountCents: -400_000, paidOn: "2026-06-18", paymentReference: "BANK-1" },
      ]);

      // R15: whoever recorded the return does not send the money again, by hand or in a batch.
      const own = await refusal(recordPayment(ctxFor(db, w.finance2, "2026-06-25T10:00:00.000Z"), { claimId: c.claimId, paidOn: "2026-06-25", bankReference: "BANK-X" }), 403);
      expect(own.code).to.equal("separation_of_duties");
      expect((await refusal(createSepaBatch(ctxFor(db, w.finance2), [c.claimId], "2026-06-25"))).message).to.contain("separation of duties");
      expect(await db("sepa_batches")).to.have.length(0);

      // The company corrects its account; the next payment goes there, once.
      await changeBankAccount(db, c.email, "DE89370400440532013000", "2026-06-21T09:00:00.000Z");
      const again = await recordPayment(ctxFor(db, w.finance, "2026-06-25T10:00:00.000Z"), { claimId: c.claimId, paidOn: "2026-06-25", bankReference: "BANK-2" });
      expect(again.amountCents).to.equal(400_000);
      expect(defined(await db("payments").where({ id: again.paymentId }).first()).iban).to.equal("DE89370400440532013000");
      expect(await ceilingTotals()).to.deep.equal({ committed: 400_000, released: 0, paid: 400_000 });
      await ledgerAgrees();
      const third = await refusal(recordPayment(ctxFor(db, w.finance, "2026-06-25T10:00:00.000Z"), { claimId: c.claimId, paidOn: "2026-06-25", bankReference: "BANK-3" }), 409);
      expect(third.code).to.equal("already_paid");
      expect((await paymentDays(db, {})).reduce((n, d) => n + d.count, 0)).to.equal(1);

      const detail = await paymentDetail(ctxFor(db, w.finance), again.paymentId);
      expect(detail.returned).to.equal(null);
      expect(detail.others).to.deep.equal([{ id: c.paymentId, paidOn: "2026-06-15", amountCents: 400_000, returnedOn: "2026-06-18" }]);
    });

    it("a payment below the award: the release made on payment stays, and the second payment releases nothing more", async () => {
      const c = await paidByHand({ type: "MG", award: 50_000, payable: 32_000 });
      expect(await ceilingTotals()).to.deep.equal({ committed: 50_000, released: 18_000, paid: 32_000 });
      await recordPaymentReturn(ctxFor(db, w.finance2), { paymentId: c.paymentId, returnedOn: "2026-06-16", reason: "Name and IBAN do not match" });
      expect(await ceilingTotals()).to.deep.equal({ committed: 50_000, released: 18_000, paid: 0 });
      await recordPayment(ctxFor(db, w.finance, "2026-06-25T10:00:00.000Z"), { claimId: c.claimId, paidOn: "2026-06-25", bankReference: "BANK-2" });
      expect(await ceilingTotals()).to.deep.equal({ committed: 50_000, released: 18_000, paid: 32_000 });
      await ledgerAgrees();
    });

    it("a payment of an executed SEPA batch comes back: its batch path closes and the claim can go into a new batch", async () => {
      const claim = await verifiedClaimOfNewSme(db, w.callId);
      const batch = await createSepaBatch(ctxFor(db, w.finance, "2026-06-10T10:00:00.000Z"), [claim.claimId], "2026-06-12");
      const [done] = await markBatchExecuted(ctxFor(db, w.finance, "2026-06-12T10:00:00.000Z"), batch.id);
      if (!done?.ok) throw new Error("batch not executed");
      await recordPaymentReturn(ctxFor(db, w.finance2), { paymentId: done.payment.paymentId, returnedOn: "2026-06-16", reason: "Account closed" });
      expect(await db("payment_paths").where({ claim_id: claim.claimId }).whereNull("closed_at")).to.have.length(0);
      const next = await createSepaBatch(ctxFor(db, w.finance), [claim.claimId], "2026-06-22");
      const [paid] = await markBatchExecuted(ctxFor(db, w.finance, "2026-06-22T10:00:00.000Z"), next.id);
      expect(paid?.ok).to.equal(true);
      expect(await ceilingTotals()).to.deep.equal({ committed: 400_000, released: 0, paid: 400_000 });
      await ledgerAgrees();
    });

    it("a voucher whose payment came back and cannot be paid is cancelled by its manager, releasing the award; not while its claim is in a prepared batch", async () => {
      const c = await paidByHand();
      await recordPaymentReturn(ctxFor(db, w.finance2), { paymentId: c.paymentId, returnedOn: "2026-06-18", reason: "Company dissolved" });
      const batch = await createSepaBatch(ctxFor(db, w.finance), [c.claimId], "2026-06-25");
      const inBatch = await refusal(cancel(ctxFor(db, w.manager), c.applicationId, "The company was dissolved"), 409);
      expect(inBatch.message).to.contain(batch.messageId);
      await cancelBatch(ctxFor(db, w.finance), batch.id, "Voucher to be cancelled");

      expect(await cancel(ctxFor(db, w.manager), c.applicationId, "The company was dissolved")).to.equal(400_000);
      expect(defined(await db("applications").where({ id: c.applicationId }).first()).state).to.equal("cancelled");
      expect(await ceilingTotals()).to.deep.equal({ committed: 400_000, released: 400_000, paid: 0 });
      await ledgerAgrees();
      expect((await paymentQueue(ctxFor(db, w.finance))).rows.map((r) => r.claimId)).to.not.include(c.claimId);
      await refusal(recordPayment(ctxFor(db, w.finance, "2026-06-25T10:00:00.000Z"), { claimId: c.claimId, paidOn: "2026-06-25", bankReference: "BANK-2" }), 409);
    });

    it("refuses a second return, a return dated before the payment or in the future, a missing reason, other roles and unknown payments, writing nothing", async () => {
      const c = await paidByHand();
      const before = await snapshot(db);
      const early = await refusal(recordPaymentReturn(ctxFor(db, w.finance), { paymentId: c.paymentId, returnedOn: "2026-06-14", reason: "Account closed" }), 422);
      expect(early.message).to.contain("before the payment was made");
      expect(Object.keys(early.fields ?? {})).to.deep.equal(["returnedOn"]);
      const future = await refusal(recordPaymentReturn(ctxFor(db, w.finance), { paymentId: c.paymentId, returnedOn: "2026-06-21", reason: "Account closed" }), 422);
      expect(future.message).to.contain("in the future");
      const noReason = await refusal(recordPaymentReturn(ctxFor(db, w.finance), { paymentId: c.paymentId, returnedOn: "2026-06-18", reason: "   " }), 422);
      expect(Object.keys(noReason.fields ?? {})).to.deep.equal(["reason"]);
      await refusal(recordPaymentReturn(ctxFor(db, w.manager), { paymentId: c.paymentId, returnedOn: "2026-06-18", reason: "Account closed" }), 403);
      await refusal(recordPaymentReturn(ctxFor(db, w.finance), { paymentId: c.paymentId + 1000, returnedOn: "2026-06-18", reason: "Account closed" }), 404);
      expect(await snapshot(db)).to.deep.equal(before);

      await recordPaymentReturn(ctxFor(db, w.finance), { paymentId: c.paymentId, returnedOn: "2026-06-18", reason: "Account closed" });
      const after = await snapshot(db);
      const twice = await refusal(recordPaymentReturn(ctxFor(db, w.finance2), { paymentId: c.paymentId, returnedOn: "2026-06-19", reason: "Again" }), 409);
      expect(twice.code).to.equal("already_returned");
      expect(await snapshot(db)).to.deep.equal(after);
    });

    it("the database keeps one standing payment per claim by itself", async () => {
      const c = await paidByHand();
      const second = { claim_id: c.claimId, application_id: c.applicationId, amount_cents: 1, paid_on: "2026-06-16", bank_reference: "X", iban: "DE89370400440532013000", recorded_by: w.finance.id, recorded_at: NOW };
      const err = await db("payments").insert(second).then(() => null, (e: unknown) => e as { code?: string; message?: string });
      expect(`${err?.code} ${err?.message}`).to.match(/23505|UNIQUE constraint failed: payments\.claim_id/);
      await db("payments").where({ id: c.paymentId }).update({ returned_at: NOW, returned_on: "2026-06-18" });
      await db("payments").insert(second);
    });
  });
}
