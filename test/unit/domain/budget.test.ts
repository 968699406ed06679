import { expect } from "chai";
import fc from "fast-check";
import { AppError, ConflictError } from "../../../server/errors";
import { renderText } from "../../../server/i18n/messages";
import {
  BudgetExceededError,
  type CeilingState,
  type EntryKind,
  LedgerInvariantError,
  type LedgerEntryInput,
  applyEntry,
  canCommit,
  ceilingFromEntries,
  ceilingName,
  ceilingKeysFor,
  checkInvariants,
  emptyCeiling,
  outstandingCents,
  payableCents,
  remainingCents,
  settlementOnPayment,
} from "../../../server/domain/budget";
import { findVoucherType } from "../../../server/domain/scheme";
import { defined } from "../../support/defined";
import { thrown } from "../../support/rejects";

const total = (ceiling: number, committed = 0, released = 0, paid = 0): CeilingState => ({
  key: "total",
  label: "Total budget",
  ceilingCents: ceiling,
  committedCents: committed,
  releasedCents: released,
  paidCents: paid,
});

describe("budget: ceilings (R4)", () => {
  it("remaining and outstanding", () => {
    const c = total(1_000_000, 700_000, 100_000, 200_000);
    expect(remainingCents(c)).to.equal(400_000);
    expect(outstandingCents(c)).to.equal(400_000);
    expect(checkInvariants(c)).to.equal(null);
  });

  it("canCommit: exactly the remaining amount fits, one cent more does not", () => {
    const c = [total(1_000_000, 300_000), { ...emptyCeiling("type:IN", "Insight budget", 900_000), committedCents: 100_000 }];
    expect(canCommit(c, 700_000)).to.deep.equal({ ok: true });
    expect(canCommit(c, 700_001)).to.deep.equal({
      ok: false,
      exceeded: [{ key: "total", label: "Total budget", remainingCents: 700_000, shortfallCents: 1 }],
    });
    expect(canCommit(c, 800_001)).to.deep.equal({
      ok: false,
      exceeded: [
        { key: "total", label: "Total budget", remainingCents: 700_000, shortfallCents: 100_001 },
        { key: "type:IN", label: "Insight budget", remainingCents: 800_000, shortfallCents: 1 },
      ],
    });
  });

  it("releases give budget back", () => {
    expect(canCommit([total(1_000_000, 1_000_000, 400_000)], 400_000)).to.deep.equal({ ok: true });
    expect(canCommit([total(1_000_000, 1_000_000, 400_000)], 400_001).ok).to.equal(false);
  });

  it("applyEntry commits up to the ceiling and refuses one cent more, naming ceiling and shortfall", () => {
    const c = [total(700_000, 0), emptyCeiling("partner:3", "BioPeople budget", 1_000_000)];
    const after = applyEntry(c, { kind: "commit", amountCents: 700_000, ceilingKeys: ["total", "partner:3"] });
    expect(defined(after[0]).committedCents).to.equal(700_000);
    expect(defined(after[1]).committedCents).to.equal(700_000);
    expect(defined(c[0]).committedCents, "input not modified").to.equal(0);
    const err = thrown(() => applyEntry(after, { kind: "commit", amountCents: 1, ceilingKeys: ["total", "partner:3"] }), BudgetExceededError);
    expect(err).to.be.instanceOf(ConflictError);
    expect(err.code).to.equal("budget_exceeded");
    expect(err.status).to.equal(409);
    expect(err.exceeded).to.deep.equal([{ key: "total", label: "Total budget", remainingCents: 0, shortfallCents: 1 }]);
    expect(err.message).to.equal("EUR 0.01 does not fit in the budget: Total budget has EUR 0.00 left (short by EUR 0.01).");
  });

  it("applyEntry only touches the named ceilings", () => {
    const c = [total(1_000_000), emptyCeiling("type:MG", "MG", 100_000)];
    const after = applyEntry(c, { kind: "commit", amountCents: 50_000, ceilingKeys: ["total"] });
    expect(after[1]).to.deep.equal(c[1]);
    expect(() => applyEntry(c, { kind: "commit", amountCents: 1, ceilingKeys: ["partner:9"] })).to.throw(/unknown ceiling/);
  });

  it("refuses a release above the outstanding commitment", () => {
    const c = [total(1_000_000, 400_000, 0, 350_000)];
    expect(defined(applyEntry(c, { kind: "release", amountCents: 50_000, ceilingKeys: ["total"] })[0]).releasedCents).to.equal(50_000);
    expect(() => applyEntry(c, { kind: "release", amountCents: 50_001, ceilingKeys: ["total"] }))
      .to.throw(LedgerInvariantError, /release of EUR 500\.01 is more than the outstanding commitment of EUR 500\.00/)
      .with.property("code", "release_exceeds_outstanding");
  });

  it("refuses a payment above the unpaid net commitment", () => {
    const c = [total(1_000_000, 400_000, 50_000, 300_000)];
    expect(defined(applyEntry(c, { kind: "payment", amountCents: 50_000, ceilingKeys: ["total"] })[0]).paidCents).to.equal(350_000);
    expect(() => applyEntry(c, { kind: "payment", amountCents: 50_001, ceilingKeys: ["total"] }))
      .to.throw(LedgerInvariantError)
      .with.property("code", "payment_exceeds_commitment");
  });

  it("corrections are reversing entries held to the same invariants", () => {
    const c = [total(1_000_000, 400_000, 100_000, 200_000)];
    // reversing a release re-commits: may not exceed the ceiling
    expect(defined(applyEntry(c, { kind: "release", amountCents: -100_000, ceilingKeys: ["total"] })[0]).releasedCents).to.equal(0);
    expect(() => applyEntry(c, { kind: "release", amountCents: -100_001, ceilingKeys: ["total"] })).to.throw(LedgerInvariantError);
    expect(() => applyEntry([total(300_000, 400_000, 100_000)], { kind: "release", amountCents: -1, ceilingKeys: ["total"] })).to.throw(BudgetExceededError);
    // reversing a payment
    expect(defined(applyEntry(c, { kind: "payment", amountCents: -200_000, ceilingKeys: ["total"] })[0]).paidCents).to.equal(0);
    expect(() => applyEntry(c, { kind: "payment", amountCents: -200_001, ceilingKeys: ["total"] })).to.throw(LedgerInvariantError);
    // reversing a commit cannot go below what is paid
    expect(defined(applyEntry(c, { kind: "commit", amountCents: -100_000, ceilingKeys: ["total"] })[0]).committedCents).to.equal(300_000);
    expect(() => applyEntry(c, { kind: "commit", amountCents: -100_001, ceilingKeys: ["total"] }))
      .to.throw(LedgerInvariantError)
      .with.property("code", "correction_not_possible");
  });

  it("refuses zero and non-integer amounts", () => {
    expect(() => applyEntry([total(100)], { kind: "commit", amountCents: 0, ceilingKeys: ["total"] })).to.throw(LedgerInvariantError);
    expect(() => applyEntry([total(100)], { kind: "commit", amountCents: 0.5, ceilingKeys: ["total"] })).to.throw(TypeError);
    expect(() => applyEntry([total(100)], { kind: "commit", amountCents: 1, ceilingKeys: [] })).to.throw(LedgerInvariantError);
  });

  it("checkInvariants reports each broken invariant", () => {
    expect(checkInvariants(total(100, 101))).to.match(/above the ceiling/);
    expect(checkInvariants(total(100, 100, 0, 101))).to.match(/more than the net commitment/);
    expect(checkInvariants(total(100, 100, 50, 51))).to.match(/more than the net commitment/);
    expect(checkInvariants(total(100, 50, 0, -1))).to.match(/negative/);
    expect(checkInvariants(total(100, 50, -1, 0))).to.match(/negative/);
    expect(checkInvariants(total(100, 100, 0, 100))).to.equal(null);
  });

  it("ceilingKeysFor picks the defined ceilings an application falls under", () => {
    expect(ceilingKeysFor({ voucherTypeCode: "MG", partnerId: 3 }, ["total"])).to.deep.equal(["total"]);
    expect(ceilingKeysFor({ voucherTypeCode: "MG", partnerId: 3 }, ["total", "type:MG", "type:IN", "partner:3", "partner:4"])).to.deep.equal([
      "total",
      "type:MG",
      "partner:3",
    ]);
    expect(ceilingKeysFor({ voucherTypeCode: "CO", partnerId: 33 }, ["type:MG", "partner:3"])).to.deep.equal(["total"]);
  });

  it("ceilingFromEntries sums entries per kind for one ceiling, accepting bigint strings", () => {
    const c = ceilingFromEntries({ key: "type:MG", label: "MG", ceilingCents: 100_000 }, [
      { kind: "commit", amountCents: "50000", ceilingKeys: ["total", "type:MG"] },
      { kind: "commit", amountCents: 7000, ceilingKeys: ["total"] },
      { kind: "release", amountCents: 1000, ceilingKeys: ["total", "type:MG"] },
      { kind: "payment", amountCents: 49000, ceilingKeys: ["total", "type:MG"] },
    ]);
    expect(c).to.deep.equal({ key: "type:MG", label: "MG", ceilingCents: 100_000, committedCents: 50_000, releasedCents: 1000, paidCents: 49_000 });
  });

  describe("properties", () => {
    const KEYS = ["total", "type:MG", "partner:1", "partner:2"];
    const entryArb: fc.Arbitrary<LedgerEntryInput> = fc.record({
      kind: fc.constantFrom<EntryKind>("commit", "release", "payment"),
      amountCents: fc.oneof(
        fc.integer({ min: 1, max: 800_000 }),
        fc.integer({ min: -200_000, max: -1 }),
        fc.constantFrom(50_000, 400_000, 700_000, 1),
      ),
      ceilingKeys: fc.subarray(KEYS.slice(1)).map((ks) => ["total", ...ks]),
    });
    const ceilingsArb = fc.tuple(
      fc.integer({ min: 0, max: 3_000_000 }),
      fc.integer({ min: 0, max: 1_500_000 }),
      fc.integer({ min: 0, max: 1_500_000 }),
      fc.integer({ min: 0, max: 1_500_000 }),
    );

    it("no sequence of commits, releases and payments breaks paid <= committed - released <= ceiling", () => {
      fc.assert(
        fc.property(ceilingsArb, fc.array(entryArb, { maxLength: 60 }), (limits, entries) => {
          let state = KEYS.map((k, i) => emptyCeiling(k, k, defined(limits[i])));
          const accepted: LedgerEntryInput[] = [];
          for (const e of entries) {
            try {
              state = applyEntry(state, e);
              accepted.push(e);
            } catch (err) {
              // Refusals are domain errors, never anything else.
              expect(err).to.be.instanceOf(AppError);
            }
            for (const c of state) {
              expect(checkInvariants(c), JSON.stringify(c)).to.equal(null);
              expect(c.paidCents).to.be.at.most(c.committedCents - c.releasedCents);
              expect(c.committedCents - c.releasedCents).to.be.at.most(c.ceilingCents);
            }
          }
          // The running totals are exactly the sums of the accepted entries.
          for (const c of state) {
            const sum = (kind: EntryKind) =>
              accepted.filter((e) => e.kind === kind && e.ceilingKeys.includes(c.key)).reduce((s, e) => s + e.amountCents, 0);
            expect(c.committedCents).to.equal(sum("commit"));
            expect(c.releasedCents).to.equal(sum("release"));
            expect(c.paidCents).to.equal(sum("payment"));
            expect(ceilingFromEntries(c, accepted)).to.deep.equal(c);
          }
        }),
        { numRuns: 300 },
      );
    });

    it("a commit is accepted by applyEntry exactly when canCommit says it fits", () => {
      fc.assert(
        fc.property(ceilingsArb, fc.array(entryArb, { maxLength: 20 }), fc.integer({ min: 1, max: 1_000_000 }), (limits, entries, amount) => {
          let state = KEYS.map((k, i) => emptyCeiling(k, k, defined(limits[i])));
          for (const e of entries) {
            try {
              state = applyEntry(state, e);
            } catch {
              // refused: state unchanged
            }
          }
          const fits = canCommit(state, amount).ok;
          let accepted = true;
          try {
            applyEntry(state, { kind: "commit", amountCents: amount, ceilingKeys: KEYS });
          } catch (err) {
            expect(err).to.be.instanceOf(BudgetExceededError);
            accepted = false;
          }
          expect(accepted).to.equal(fits);
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe("budget: payment (R14) and settlement", () => {
  const MG = findVoucherType("MG")!;
  const IN = findVoucherType("IN")!;

  it("Meet & Greet pays verified costs up to the award", () => {
    expect(payableCents(MG, { awardCents: 50_000, eligibleCostsCents: 32_050, reportVerified: true })).to.equal(32_050);
    expect(payableCents(MG, { awardCents: 50_000, eligibleCostsCents: 50_000, reportVerified: true })).to.equal(50_000);
    expect(payableCents(MG, { awardCents: 50_000, eligibleCostsCents: 50_001, reportVerified: true })).to.equal(50_000);
    expect(payableCents(MG, { awardCents: 50_000, eligibleCostsCents: 0, reportVerified: true })).to.equal(0);
  });

  it("lump sums pay the award only on a verified report", () => {
    expect(payableCents(IN, { awardCents: 400_000, eligibleCostsCents: 100, reportVerified: true })).to.equal(400_000);
    expect(payableCents(IN, { awardCents: 400_000, reportVerified: false })).to.equal(0);
  });

  it("settlement releases the unpaid part of the award", () => {
    expect(settlementOnPayment(50_000, 32_050)).to.deep.equal({ paymentCents: 32_050, releaseCents: 17_950 });
    expect(settlementOnPayment(400_000, 400_000)).to.deep.equal({ paymentCents: 400_000, releaseCents: 0 });
    expect(() => settlementOnPayment(50_000, 50_001)).to.throw(RangeError);
    expect(() => settlementOnPayment(50_000, -1)).to.throw(RangeError);
  });

  it("payment plus release settles a commitment exactly", () => {
    let state = [total(1_000_000)];
    state = applyEntry(state, { kind: "commit", amountCents: 50_000, ceilingKeys: ["total"] });
    const s = settlementOnPayment(50_000, 32_050);
    state = applyEntry(state, { kind: "payment", amountCents: s.paymentCents, ceilingKeys: ["total"] });
    state = applyEntry(state, { kind: "release", amountCents: s.releaseCents, ceilingKeys: ["total"] });
    expect(outstandingCents(defined(state[0]))).to.equal(0);
    expect(remainingCents(defined(state[0]))).to.equal(1_000_000 - 32_050);
  });
});

describe("ceiling names", () => {
  it("names the total and a voucher type's ceiling in the reader's language, a partner's by its own name", () => {
    const total = { key: "total", label: "Total budget" };
    const insight = { key: "type:IN", label: "Insight vouchers" };
    const partner = { key: "partner:2", label: "BioPeople (Capital Region of Denmark)" };
    expect([total, insight, partner].map((c) => renderText("de", ceilingName(c)))).to.deep.equal(["Gesamtbudget", "Insight-Gutscheine", partner.label]);
    expect([total, insight].map((c) => renderText("en", ceilingName(c)))).to.deep.equal(["Total budget", "Insight vouchers"]);
    const refused = new BudgetExceededError(150_000, [{ ...total, remainingCents: 100_000, shortfallCents: 50_000 }]);
    expect(renderText("fr", refused.text)).to.include("Budget total").and.not.include("Total budget");
  });
});
