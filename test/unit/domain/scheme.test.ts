import { expect } from "chai";
import { ValidationError } from "../../../server/errors";
import {
  DEFAULT_DE_MINIMIS_CEILING_CENTS,
  DEFAULT_VOUCHER_TYPES,
  SECTORS,
  findVoucherType,
  requestedAmountFor,
  validateAwardAmount,
} from "../../../server/domain/scheme";

const MG = findVoucherType("MG")!;
const IN = findVoucherType("IN")!;
const CO = findVoucherType("CO")!;

describe("scheme: voucher types", () => {
  it("has the IN2LifeSciences defaults", () => {
    expect(DEFAULT_VOUCHER_TYPES.map((t) => [t.code, t.amountRule, t.maxCents, t.preApprovalRequired, t.completionDays, t.claimDays, t.paymentBasis])).to.deep.equal([
      ["MG", "capped", 50000, true, 90, 30, "actual-costs-capped"],
      ["IN", "fixed", 400000, false, 180, 30, "lump-sum"],
      ["CO", "fixed", 700000, false, 365, 30, "lump-sum"],
    ]);
    expect(SECTORS.map((s) => s.code)).to.deep.equal(["biotech", "pharma", "medtech", "nutrition"]);
    expect(DEFAULT_DE_MINIMIS_CEILING_CENTS).to.equal(30000000);
  });

  it("requestedAmountFor: capped types ask for the costs up to the cap", () => {
    expect(requestedAmountFor(MG, 32050)).to.equal(32050);
    expect(requestedAmountFor(MG, 50000)).to.equal(50000);
    expect(requestedAmountFor(MG, 50001)).to.equal(50000);
    expect(() => requestedAmountFor(MG)).to.throw(ValidationError);
    expect(() => requestedAmountFor(MG, 0)).to.throw(ValidationError);
  });

  it("requestedAmountFor: fixed types ask for the fixed amount", () => {
    expect(requestedAmountFor(IN)).to.equal(400000);
    expect(requestedAmountFor(CO, 123)).to.equal(700000);
  });

  it("validateAwardAmount: Meet & Greet between zero and the request and cap", () => {
    expect(validateAwardAmount(MG, 40000, 40000)).to.equal(null);
    expect(validateAwardAmount(MG, 40000, 1)).to.equal(null);
    expect(validateAwardAmount(MG, 40000, 40001)).to.match(/more than the EUR 400\.00 requested/);
    expect(validateAwardAmount(MG, 60000, 50001)).to.match(/capped at EUR 500\.00/);
    expect(validateAwardAmount(MG, 60000, 50000)).to.equal(null);
    expect(validateAwardAmount(MG, 40000, 0)).to.match(/greater than zero/);
    expect(validateAwardAmount(MG, 40000, -1)).to.match(/greater than zero/);
  });

  it("validateAwardAmount: fixed types must be exactly the fixed amount", () => {
    expect(validateAwardAmount(IN, 400000, 400000)).to.equal(null);
    expect(validateAwardAmount(IN, 400000, 399999)).to.match(/fixed amount of EUR 4,000\.00/);
    expect(validateAwardAmount(CO, 700000, 700001)).to.match(/fixed amount of EUR 7,000\.00/);
  });
});
