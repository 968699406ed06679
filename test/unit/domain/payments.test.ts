import { expect } from "chai";
import {
  amountChangedRefusal, executionDateRefusal, ibanChangedRefusal, paymentRefusal, separationOfDuties,
  type OpenPath, type PaymentFacts, type PaymentRefusal, type PaymentStep,
} from "../../../server/domain/payments";
import { englishText, renderText } from "../../../server/i18n/messages";

const en = (r: PaymentRefusal | null) => (r ? englishText(r.message) : undefined);

const facts = (o: Partial<PaymentFacts> = {}): PaymentFacts => ({
  actorId: 3, claimStatus: "verified", applicationState: "claim-verified", verifiedBy: 1, decidedBy: 2,
  payableCents: 40_000, outstandingCents: 40_000, ibanProblem: null, payment: null, openPath: null, ...o,
});
const hand: PaymentStep = { kind: "hand" };
const prepare: PaymentStep = { kind: "prepare" };
const execute: PaymentStep = { kind: "execute", batchId: 7, messageId: "VD-7" };
const inBatch = (batchId: number, status = "prepared"): OpenPath => ({ kind: "batch", batchId, messageId: `VD-${batchId}`, status });

describe("domain: when money may leave for a claim (R15)", () => {
  it("one open path per claim: each step is refused while another path holds the claim", () => {
    expect(paymentRefusal(hand, facts())).to.equal(null);
    expect(paymentRefusal(prepare, facts())).to.equal(null);
    expect(en(paymentRefusal(hand, facts({ openPath: inBatch(7) })))).to.contain("prepared SEPA batch VD-7");
    expect(paymentRefusal(prepare, facts({ openPath: inBatch(7) }))?.code).to.equal("in_batch");
    expect(paymentRefusal(execute, facts({ openPath: inBatch(7) }))).to.equal(null);
    expect(en(paymentRefusal(execute, facts({ openPath: inBatch(8) })))).to.contain("VD-8");
    expect(en(paymentRefusal(execute, facts({ openPath: null })))).to.contain("taken out of this batch");
    expect(en(paymentRefusal(execute, facts({ openPath: { kind: "hand", paidOn: null, bankReference: null } })))).to.contain("paid by hand");
  });

  it("already paid comes first and says when and how", () => {
    const r = paymentRefusal(execute, facts({ openPath: inBatch(7), payment: { paidOn: "2026-06-01", bankReference: "B-1" } }));
    expect([r?.status, r?.code, en(r)]).to.deep.equal([409, "already_paid", "This claim was already paid on 1 June 2026, reference B-1. Nothing was changed."]);
  });

  it("separation of duties: neither the verifier nor the approver, at any step", () => {
    for (const step of [hand, prepare]) {
      expect(paymentRefusal(step, facts({ actorId: 1 }))?.code).to.equal("separation_of_duties");
      expect(paymentRefusal(step, facts({ actorId: 2 }))?.status).to.equal(403);
    }
    expect(paymentRefusal(execute, facts({ actorId: 2, openPath: inBatch(7) }))?.code).to.equal("separation_of_duties");
    expect(separationOfDuties(3, { verifiedBy: 1, decidedBy: null })).to.equal(null);
  });

  it("separation of duties after a returned payment: whoever recorded the return does not pay again, at any step", () => {
    for (const step of [hand, prepare]) {
      const r = paymentRefusal(step, facts({ actorId: 4, returnedBy: 4 }));
      expect([r?.status, r?.code]).to.deep.equal([403, "separation_of_duties"]);
      expect(en(r)).to.contain("You recorded that the bank sent this claim's payment back");
    }
    expect(paymentRefusal(execute, facts({ actorId: 4, returnedBy: 4, openPath: inBatch(7) }))?.code).to.equal("separation_of_duties");
    expect(paymentRefusal(hand, facts({ actorId: 3, returnedBy: 4 }))).to.equal(null);
  });

  it("status, IBAN and amount refusals carry their reason", () => {
    expect(paymentRefusal(hand, facts({ claimStatus: "submitted" }))?.code).to.equal("claim_not_verified");
    expect(paymentRefusal(hand, facts({ applicationState: "paid" }))?.code).to.equal("not_payable");
    expect(en(paymentRefusal(hand, facts({ ibanProblem: "No bank account." })))).to.equal("No bank account.");
    expect(paymentRefusal(hand, facts({ payableCents: 0 }))?.code).to.equal("nothing_payable");
    expect(en(paymentRefusal(hand, facts({ payableCents: 40_001 })))).to.contain("400.01");
  });

  it("refusals read in the officer's language, with dates, amounts and stored codes in it", () => {
    const da = (r: PaymentRefusal | null) => (r ? renderText("da", r.message) : undefined);
    const fr = (r: PaymentRefusal | null) => (r ? renderText("fr", r.message) : undefined);
    expect(da(paymentRefusal(hand, facts({ actorId: 1 })))).to.equal(
      "Du har godkendt denne ansøgning eller kontrolleret denne anmodning om udbetaling, så en anden økonomimedarbejder skal stå for udbetalingen (funktionsadskillelse, R15).");
    expect(fr(paymentRefusal(execute, facts({ openPath: inBatch(7), payment: { paidOn: "2026-06-01", bankReference: "B-1" } })))).to.equal(
      "Cette demande de paiement a déjà été payée le 1er juin 2026, référence B-1. Rien n’a été modifié.");
    expect(da(paymentRefusal(hand, facts({ claimStatus: "submitted" })))).to.include("\"Indsendt");
    expect(en(paymentRefusal(hand, facts({ claimStatus: "submitted" })))).to.equal("This claim cannot be paid: its status is \"submitted\", not verified.");
    expect(fr(paymentRefusal(hand, facts({ payableCents: 40_001 })))).to.equal("Le montant payable de 400,01 EUR dépasse les 400,00 EUR encore engagés pour ce chèque.");
    expect(da(paymentRefusal(execute, facts({ openPath: null })))).to.equal("Denne anmodning om udbetaling betales ikke længere gennem batch VD-7: den er taget ud af denne batch.");
  });

  it("a batch is executed on or after its date, to the account and for the amount in its file", () => {
    expect(executionDateRefusal("2026-06-17", "2026-06-17")).to.equal(null);
    expect(en(executionDateRefusal("2026-06-18", "2026-06-17"))).to.contain("18 June 2026");
    expect(ibanChangedRefusal("DE89370400440532013000", "DE89370400440532013000")).to.equal(null);
    expect(ibanChangedRefusal("DE89370400440532013000", "NL91ABNA0417164300")?.code).to.equal("iban_changed");
    expect(ibanChangedRefusal(null, "NL91ABNA0417164300")?.code).to.equal("iban_changed");
    expect(amountChangedRefusal(40_000, 40_000)).to.equal(null);
    expect(amountChangedRefusal(40_000, 30_000)?.code).to.equal("amount_changed");
  });
});
