import { expect } from "chai";
import { type ClaimRates, type CostLine, verifyClaimLines } from "../../../server/domain/claims";
import { amountToApprove, findVoucherType } from "../../../server/domain/scheme";
import { ValidationError } from "../../../server/errors";
import { englishText, renderText } from "../../../server/i18n/messages";

const MG = findVoucherType("MG")!;
const IN = findVoucherType("IN")!;

const line = (id: number, incurredOn: string, currency: string, originalMinor: number): CostLine => ({
  id, incurredOn, description: `line ${id}`, currency, originalMinor, rate: null, rateMonth: null, eurCents: null, eligible: null, ineligibleReason: null,
});
const base = { type: MG, awardCents: 50_000, approvedOn: "2027-03-01", claimDay: "2027-05-01", decisions: null, rates: null };
const dkk: ClaimRates = { month: "2027-05", rates: new Map([["DKK 2027-05", { rate: "7.4504", month: "2027-05" }]]) };

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  expect.fail("expected a ValidationError");
}

describe("claims: the manager's verification (R2, R11, R14)", () => {
  it("converts a foreign line at finance's rate for the claim's month and pays the costs up to the award", () => {
    // DKK 745.04 at 7.4504 DKK per euro is EUR 100.00.
    const v = verifyClaimLines({ ...base, stored: [line(1, "2027-04-10", "EUR", 20_000), line(2, "2027-04-11", "DKK", 74_504)], rates: dkk });
    expect(v.lines.map((l) => [l.eurCents, l.rate, l.rateMonth])).to.deep.equal([[20_000, null, null], [10_000, "7.4504", "2027-05"]]);
    expect(v.eligibleCostsCents).to.equal(30_000);
    expect(v.payableCents).to.equal(30_000);
    expect(v.explanation).to.include("DKK 745.04 at 7.4504 for 2027-05");
  });

  it("refuses to verify while finance has no rate for a foreign line, naming the line, but shows the page", () => {
    const input = { ...base, stored: [line(7, "2027-04-10", "SEK", 100_000)], rates: { month: "2027-05", rates: new Map() } };
    const err = refusal(() => verifyClaimLines(input));
    expect(err.fields).to.have.property("rate_7").that.includes("No EUR/SEK rate for 2027-05");
    const shown = verifyClaimLines({ ...input, lenient: true });
    expect(englishText(shown.lines[0]!.rateProblem!)).to.include("ask finance");
    expect(renderText("da", shown.lines[0]!.rateProblem!)).to.equal("Der er ingen EUR/SEK-kurs for 2027-05: bed økonomimedarbejderen om at indtaste den.");
    expect(shown.payableCents).to.equal(0);
  });

  it("a line refused by the manager needs a reason and does not count", () => {
    const stored = [line(1, "2027-04-10", "EUR", 20_000), line(2, "2027-04-12", "EUR", 9_000)];
    const err = refusal(() => verifyClaimLines({ ...base, stored, decisions: [{ id: 2, eligible: false, reason: "  " }] }));
    expect(err.fields).to.have.property("reason_2");
    const v = verifyClaimLines({ ...base, stored, decisions: [{ id: 2, eligible: false, reason: "Not travel" }] });
    expect(v.payableCents).to.equal(20_000);
    expect(v.lines[1]!.ineligibleReason).to.equal("Not travel");
  });

  it("a cost dated before the approval day cannot be marked eligible, and without a decision it is refused with the rule as reason (R11)", () => {
    const stored = [line(3, "2027-02-28", "EUR", 9_000)];
    const err = refusal(() => verifyClaimLines({ ...base, stored, decisions: [{ id: 3, eligible: true, reason: "" }] }));
    expect(err.fields).to.have.property("eligible_3").that.includes("28 February 2027");
    const v = verifyClaimLines({ ...base, stored, lenient: true });
    expect(v.lines[0]!.eligible).to.equal(false);
    expect(v.lines[0]!.beforeApproval).to.equal(true);
    expect(englishText(v.lines[0]!.ineligibleReason!)).to.match(/^Cost dated 28 February 2027/);
    // The rule's reason is a message, so the applicant and the manager read it in their language.
    expect(renderText("da", v.lines[0]!.ineligibleReason!)).to.match(/^Udgift dateret 28\. februar 2027, før godkendelsen/);
    expect(v.payableCents).to.equal(0);
  });

  it("a claim with nothing payable cannot be verified: the manager is told to reject it instead (R4, R12)", () => {
    const stored = [line(1, "2027-04-10", "EUR", 20_000), line(2, "2027-02-20", "EUR", 9_000)];
    const err = refusal(() => verifyClaimLines({ ...base, stored, decisions: [{ id: 1, eligible: false, reason: "Not travel" }, { id: 2, eligible: false, reason: "Before approval" }] }));
    expect(err.message).to.include("Reject the claim");
    expect(err.fields).to.deep.equal({});
    // One eligible cent is something to pay.
    const v = verifyClaimLines({ ...base, stored: [line(3, "2027-04-10", "EUR", 1)] });
    expect(v.payableCents).to.equal(1);
    // The page still shows the manager what the decisions give.
    expect(verifyClaimLines({ ...base, stored, decisions: [{ id: 1, eligible: false, reason: "Not travel" }], lenient: true }).payableCents).to.equal(0);
  });

  it("a decided claim keeps the rates it was verified with: no rate table, nothing converted again", () => {
    const verified = { ...line(4, "2027-04-10", "DKK", 74_504), rate: "7.4000", rateMonth: "2027-04", eurCents: 10_068, eligible: true };
    const v = verifyClaimLines({ ...base, stored: [verified], rates: null });
    expect(v.lines[0]!.eurCents).to.equal(10_068);
    expect(v.lines[0]!.rate).to.equal("7.4000");
  });

  it("a lump-sum type pays the award on the verified report, whatever the costs", () => {
    const v = verifyClaimLines({ ...base, type: IN, awardCents: 400_000, stored: [line(1, "2027-04-10", "EUR", 20_000)] });
    expect(v.payableCents).to.equal(400_000);
  });
});

describe("scheme: the amount an approval commits (R4)", () => {
  it("is the fixed amount for a fixed type, whatever was requested or chosen", () => {
    expect(amountToApprove(IN, 100_000, 250_000)).to.equal(400_000);
  });

  it("is the manager's amount for a capped type, else the amount requested, else nothing", () => {
    expect(amountToApprove(MG, 42_000, 30_000)).to.equal(30_000);
    expect(amountToApprove(MG, 42_000)).to.equal(42_000);
    expect(amountToApprove(MG, null)).to.equal(0);
  });
});
