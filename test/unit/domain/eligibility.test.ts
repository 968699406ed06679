import { expect } from "chai";
import fc from "fast-check";
import { ValidationError } from "../../../server/errors";
import {
  type EligibilityInput,
  type Finding,
  type RelatedEnterprise,
  type RuleId,
  blockingFindings,
  classifySme,
  deMinimisWindowStart,
  deadlinesFor,
  eligibleCostDate,
  evaluateEligibility,
  isPastDeadline,
} from "../../../server/domain/eligibility";
import { findVoucherType } from "../../../server/domain/scheme";

const M = 100_000_000; // EUR 1,000,000.00 in cents

const sme = (staff: number, turnoverCents: number, balanceSheetCents: number, relations: RelatedEnterprise[] = []) =>
  classifySme({ staffHeadcount: staff, turnoverCents, balanceSheetCents, relations });

const rel = (kind: "partner" | "linked", sharePercent: string, staff: number, turnover = 0, balance = 0): RelatedEnterprise => ({
  name: `Holding ${sharePercent}%`,
  kind,
  sharePercent,
  staffHeadcount: staff,
  turnoverCents: turnover,
  balanceSheetCents: balance,
});

describe("eligibility: SME status (R6)", () => {
  it("staff: 249 is medium, 250 is not an SME", () => {
    expect(sme(249, 1 * M, 1 * M).category).to.equal("medium");
    expect(sme(250, 1 * M, 1 * M).category).to.equal("not-sme");
  });

  it("turnover EUR 50,000,000.00 passes, 50,000,000.01 fails when the balance sheet is over 43m", () => {
    const bsOver = 43 * M + 1;
    expect(sme(100, 50 * M, bsOver).category).to.equal("medium");
    const r = sme(100, 50 * M + 1, bsOver);
    expect(r.category).to.equal("not-sme");
    expect(r.reason).to.contain("EUR 50,000,000.01").and.contain("EUR 43,000,000.01").and.contain("2003/361/EC");
  });

  it("balance sheet EUR 43,000,000.00 rescues a turnover above 50m; 43,000,000.01 does not", () => {
    expect(sme(100, 80 * M, 43 * M).category).to.equal("medium");
    expect(sme(100, 80 * M, 43 * M + 1).category).to.equal("not-sme");
  });

  it("small and micro boundaries", () => {
    expect(sme(49, 10 * M, 99 * M).category).to.equal("small");
    expect(sme(50, 1 * M, 1 * M).category).to.equal("medium");
    expect(sme(49, 10 * M + 1, 10 * M + 1).category).to.equal("medium");
    expect(sme(49, 99 * M, 10 * M).category).to.equal("small");
    expect(sme(9, 2 * M, 99 * M).category).to.equal("micro");
    expect(sme(10, 1, 1).category).to.equal("small");
    expect(sme(9, 2 * M + 1, 2 * M + 1).category).to.equal("small");
    expect(sme(0, 0, 0).category).to.equal("micro");
  });

  it("a holding below 25% is not counted, 25% is counted pro rata", () => {
    expect(sme(200, 1 * M, 1 * M, [rel("partner", "24.99", 200)]).category).to.equal("medium");
    const at25 = sme(200, 1 * M, 1 * M, [rel("partner", "25", 200)]);
    expect(at25.staff).to.equal("250");
    expect(at25.category).to.equal("not-sme");
  });

  it("50% is a partner (pro rata), 50.01% is linked (in full)", () => {
    // own turnover 30m + 50% of 40m = 50m exactly: still medium (balance sheet is over 43m)
    const at50 = sme(100, 30 * M, 50 * M, [rel("partner", "50", 10, 40 * M, 0)]);
    expect(at50.turnoverCents).to.equal(50 * M);
    expect(at50.staff).to.equal("105");
    expect(at50.category).to.equal("medium");
    const over = sme(100, 30 * M, 50 * M, [rel("partner", "50.01", 10, 40 * M, 0)]);
    expect(over.turnoverCents).to.equal(70 * M);
    expect(over.staff).to.equal("110");
    expect(over.category).to.equal("not-sme");
  });

  it("a relation declared linked counts in full whatever the share", () => {
    const r = sme(100, 1 * M, 1 * M, [rel("linked", "10", 150)]);
    expect(r.staff).to.equal("250");
    expect(r.category).to.equal("not-sme");
    expect(r.reason).to.contain("1 linked enterprise in full");
  });

  it("keeps fractional staff exact", () => {
    const over = sme(240, 1 * M, 1 * M, [rel("partner", "33.5", 30)]);
    expect(over.staff).to.equal("250.05");
    expect(over.category).to.equal("not-sme");
    const under = sme(240, 1 * M, 1 * M, [rel("partner", "33,5", 29)]);
    expect(under.staff).to.equal("249.715");
    expect(under.category).to.equal("medium");
  });

  it("rounds pro-rata money to the cent, half up, before comparing", () => {
    // 33.5% of EUR 0.03 = 0.01005 EUR -> 1 cent; 50% of 1 cent = 0.5 cent -> 1 cent
    expect(sme(1, 0, 0, [rel("partner", "33.5", 0, 3, 0)]).turnoverCents).to.equal(1);
    expect(sme(1, 0, 0, [rel("partner", "50", 0, 1, 1)]).turnoverCents).to.equal(1);
    expect(sme(1, 0, 0, [rel("partner", "30", 0, 1, 1)]).turnoverCents).to.equal(0);
  });

  it("the reason names the aggregated figures", () => {
    const r = sme(12, 3 * M, 2 * M + 50, [rel("partner", "40", 5, 1 * M, 0), rel("partner", "10", 500, 999 * M, 0)]);
    expect(r.category).to.equal("small");
    expect(r.reason).to.equal(
      "Small enterprise under EU Recommendation 2003/361/EC: 14 staff, annual turnover EUR 3,400,000.00 and balance sheet total EUR 2,000,000.50, " +
        "counting 1 partner enterprise pro rata (1 holding below 25% not counted). " +
        "An SME has fewer than 250 staff, and turnover up to EUR 50,000,000.00 or balance sheet total up to EUR 43,000,000.00.",
    );
  });

  it("refuses a share that is not a percentage", () => {
    for (const s of ["", "abc", "-10", "100.01", "1e2"]) {
      expect(() => sme(1, 0, 0, [rel("partner", s, 1)]), s).to.throw(ValidationError);
    }
  });

  it("category never improves when a relation is added (property)", () => {
    const order = ["micro", "small", "medium", "not-sme"];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 60 * M }),
        fc.integer({ min: 0, max: 60 * M }),
        fc.record({
          kind: fc.constantFrom<"partner" | "linked">("partner", "linked"),
          sharePercent: fc.integer({ min: 0, max: 10000 }).map((n) => (n / 100).toFixed(2)),
          staff: fc.integer({ min: 0, max: 300 }),
          turnover: fc.integer({ min: 0, max: 60 * M }),
          balance: fc.integer({ min: 0, max: 60 * M }),
        }),
        (staff, turnover, balance, r) => {
          const alone = sme(staff, turnover, balance);
          const withRel = sme(staff, turnover, balance, [rel(r.kind, r.sharePercent, r.staff, r.turnover, r.balance)]);
          expect(order.indexOf(withRel.category)).to.be.at.least(order.indexOf(alone.category));
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------

const CPH = "Europe/Copenhagen";

function base(overrides: Partial<EligibilityInput> = {}): EligibilityInput {
  return {
    company: {
      regionCode: "DK01",
      sectorCode: "biotech",
      staffHeadcount: 20,
      turnoverCents: 3 * M,
      balanceSheetCents: 2 * M,
      relations: [],
    },
    programmeRegionCodes: ["DK01", "NL41", "DE11"],
    sectorCodes: ["biotech", "pharma", "medtech", "nutrition"],
    application: { voucherTypeCode: "IN", counterpartRegionCode: "NL41", activityStart: "2025-04-01", amountCents: 400_000 },
    call: {
      status: "open",
      opensAt: "2025-02-28T23:00:00.000Z", // 1 March 00:00 Copenhagen
      closesAt: "2025-03-31T10:00:00.000Z", // 31 March 12:00 Copenhagen (summer time)
      voucherTypeCodes: ["MG", "IN", "CO"],
    },
    otherApplications: [],
    hasOpenClaim: false,
    blockWhileClaimOpen: true,
    deMinimis: { declarations: [], priorAwards: [], ceilingCents: 30_000_000 },
    now: "2025-03-10T10:00:00.000Z",
    timeZone: CPH,
    stage: "submit",
    ...overrides,
  };
}

const withApp = (a: Partial<EligibilityInput["application"]>, o: Partial<EligibilityInput> = {}) =>
  base({ ...o, application: { ...base().application, ...a } });
const withCompany = (c: Partial<EligibilityInput["company"]>) => base({ company: { ...base().company, ...c } });
const withCall = (c: Partial<EligibilityInput["call"]>, o: Partial<EligibilityInput> = {}) =>
  base({ ...o, call: { ...base().call, ...c } });

function findings(input: EligibilityInput, rule: RuleId): Finding[] {
  return evaluateEligibility(input).filter((f) => f.rule === rule);
}
function one(input: EligibilityInput, rule: RuleId): Finding {
  const fs = findings(input, rule);
  expect(fs, rule).to.have.length(1);
  return fs[0]!;
}
const statusOf = (input: EligibilityInput, rule: RuleId) => findings(input, rule).map((f) => `${f.status}${f.certain ? "!" : ""}`);

describe("eligibility: evaluateEligibility", () => {
  it("an eligible application passes every rule", () => {
    const fs = evaluateEligibility(base());
    expect(fs.map((f) => f.rule)).to.deep.equal(["R3", "R6", "R7", "R7", "R8", "R9", "R10", "R10", "R11", "R12"]);
    for (const f of fs) expect(f.status, f.message).to.equal("pass");
    expect(blockingFindings(fs)).to.deep.equal([]);
  });

  describe("R3: the call is open", () => {
    it("open from the opening moment, closed at the closing moment", () => {
      expect(statusOf(withCall({}, { now: "2025-02-28T23:00:00.000Z" }), "R3")).to.deep.equal(["pass"]);
      expect(statusOf(withCall({}, { now: "2025-02-28T22:59:59.999Z" }), "R3")).to.deep.equal(["fail!"]);
      expect(statusOf(withCall({}, { now: "2025-03-31T09:59:59.999Z" }), "R3")).to.deep.equal(["pass"]);
      const closed = one(withCall({}, { now: "2025-03-31T10:00:00.000Z" }), "R3");
      expect(closed.status).to.equal("fail");
      expect(closed.certain).to.equal(true);
      expect(closed.message).to.contain("31 March 2025 at 12:00 (Europe/Copenhagen time)");
    });

    it("compares instants, whatever offset they are written with", () => {
      expect(statusOf(withCall({ closesAt: "2025-03-31T12:00:00+02:00" }, { now: "2025-03-31T10:00:00Z" }), "R3")).to.deep.equal(["fail!"]);
      expect(statusOf(withCall({ closesAt: "2025-03-31T12:00:00+02:00" }, { now: "2025-03-31T11:59:59+02:00" }), "R3")).to.deep.equal(["pass"]);
    });

    it("a draft or closed call, or a type the call does not offer, refuses", () => {
      expect(statusOf(withCall({ status: "draft" }), "R3")).to.deep.equal(["fail!"]);
      expect(statusOf(withCall({ status: "closed" }), "R3")).to.deep.equal(["fail!"]);
      expect(one(withCall({ voucherTypeCodes: ["MG", "CO"] }), "R3").message).to.equal("This call does not offer the Insight voucher.");
      expect(statusOf(withCall({ voucherTypeCodes: ["MG", "CO"] }), "R3")).to.deep.equal(["fail!"]);
    });

    it("an answer to a request for more information may come after the closing: the first submission was made while open", () => {
      const closedNow = { now: "2025-04-10T10:00:00Z" };
      expect(statusOf(withCall({ status: "closed" }, closedNow), "R3")).to.deep.equal(["fail!"]);
      const answered = one(withCall({ status: "closed" }, { ...closedNow, firstSubmittedAt: "2025-03-20T09:00:00Z" }), "R3");
      expect(answered.status).to.equal("pass");
      expect(answered.message).to.contain("first submitted on 20 March 2025 at 10:00 (Europe/Copenhagen time)");
      // Still only for a type the call offers.
      expect(statusOf(withCall({ voucherTypeCodes: ["MG"] }, { ...closedNow, firstSubmittedAt: "2025-03-20T09:00:00Z" }), "R3")).to.deep.equal(["fail!"]);
    });

    it("at approval the call may be closed", () => {
      expect(statusOf(withCall({ status: "closed" }, { now: "2025-04-10T10:00:00Z", stage: "approve" }), "R3")).to.deep.equal(["pass"]);
      expect(statusOf(withCall({ voucherTypeCodes: ["MG"] }, { stage: "approve" }), "R3")).to.deep.equal(["fail!"]);
    });
  });

  describe("R6: SME", () => {
    it("not an SME refuses, missing data is for review", () => {
      expect(statusOf(withCompany({ staffHeadcount: 250 }), "R6")).to.deep.equal(["fail!"]);
      expect(statusOf(withCompany({ staffHeadcount: 249 }), "R6")).to.deep.equal(["pass"]);
      expect(statusOf(withCompany({ staffHeadcount: null }), "R6")).to.deep.equal(["review"]);
      expect(statusOf(withCompany({ turnoverCents: null }), "R6")).to.deep.equal(["review"]);
      expect(statusOf(withCompany({ relations: [rel("partner", "abc", 1)] }), "R6")).to.deep.equal(["review"]);
    });
  });

  describe("R7: sector and region", () => {
    it("checks the sector list and programme regions", () => {
      expect(statusOf(withCompany({ sectorCode: "fintech" }), "R7")).to.deep.equal(["fail!", "pass"]);
      expect(statusOf(withCompany({ sectorCode: null }), "R7")).to.deep.equal(["review", "pass"]);
      expect(statusOf(withCompany({ regionCode: "FR10" }), "R7")).to.deep.equal(["pass", "fail!"]);
      expect(statusOf(withCompany({ regionCode: null }), "R7")).to.deep.equal(["pass", "review"]);
      expect(statusOf(base({ sectorCodes: ["pharma"] }), "R7")).to.deep.equal(["fail!", "pass"]);
    });
  });

  describe("R8: counterpart in another region", () => {
    it("same region refuses, unknown is for review", () => {
      expect(statusOf(withApp({ counterpartRegionCode: "DK01" }), "R8")).to.deep.equal(["fail!"]);
      expect(statusOf(withApp({ counterpartRegionCode: null }), "R8")).to.deep.equal(["review"]);
      expect(statusOf(withCompany({ regionCode: null }), "R8")).to.deep.equal(["review"]);
      expect(statusOf(withApp({ counterpartRegionCode: "DE11" }), "R8")).to.deep.equal(["pass"]);
    });

    it("uses region names when given", () => {
      const f = one(withApp({ counterpartRegionCode: "DK01" }, { regionNames: { DK01: "Capital Region of Denmark" } }), "R8");
      expect(f.message).to.contain("Capital Region of Denmark");
    });
  });

  describe("R9: de minimis over a rolling three years", () => {
    const dm = (declared: { grantedOn: string; amountCents: number }[], prior: { awardedOn: string; amountCents: number }[] = []) =>
      withApp({ voucherTypeCode: "CO", amountCents: 700_000 }, { deMinimis: { declarations: declared, priorAwards: prior, ceilingCents: 30_000_000 } });

    it("exactly at the ceiling passes, one cent over refuses with the figures", () => {
      expect(statusOf(dm([{ grantedOn: "2024-01-01", amountCents: 29_300_000 }]), "R9")).to.deep.equal(["pass"]);
      const over = one(dm([{ grantedOn: "2024-01-01", amountCents: 29_300_001 }]), "R9");
      expect(over.status).to.equal("fail");
      expect(over.certain).to.equal(true);
      expect(over.message).to.equal(
        "De minimis: declared aid in the last three years EUR 293,000.01 plus this award EUR 7,000.00 would be EUR 300,000.01, above the ceiling of EUR 300,000.00 (Commission Regulation (EU) 2023/2831).",
      );
    });

    it("matches the example message", () => {
      const f = one(dm([{ grantedOn: "2023-05-01", amountCents: 20_000_000 }], [{ awardedOn: "2024-05-01", amountCents: 9_500_000 }]), "R9");
      expect(f.message).to.equal(
        "De minimis: declared aid in the last three years EUR 295,000.00 plus this award EUR 7,000.00 would be EUR 302,000.00, above the ceiling of EUR 300,000.00 (Commission Regulation (EU) 2023/2831).",
      );
    });

    it("counts a grant on the same date three years ago, not one a day older", () => {
      // now is 2025-03-10 in Copenhagen: the window starts 2022-03-10.
      expect(deMinimisWindowStart("2025-03-10")).to.equal("2022-03-10");
      expect(statusOf(dm([{ grantedOn: "2022-03-10", amountCents: 29_300_001 }]), "R9")).to.deep.equal(["fail!"]);
      expect(statusOf(dm([{ grantedOn: "2022-03-09", amountCents: 29_300_001 }]), "R9")).to.deep.equal(["pass"]);
      expect(statusOf(dm([], [{ awardedOn: "2022-03-10", amountCents: 29_300_001 }]), "R9")).to.deep.equal(["fail!"]);
      expect(statusOf(dm([], [{ awardedOn: "2022-03-09", amountCents: 29_300_001 }]), "R9")).to.deep.equal(["pass"]);
    });

    it("today is the programme's day, not UTC's", () => {
      // 23:30 UTC on 10 March is 11 March in Copenhagen: the window starts 2022-03-11.
      const late = (d: string) =>
        withApp(
          { voucherTypeCode: "CO", amountCents: 700_000, activityStart: "2025-04-01" },
          { now: "2025-03-10T23:30:00Z", deMinimis: { declarations: [{ grantedOn: d, amountCents: 29_300_001 }], priorAwards: [], ceilingCents: 30_000_000 } },
        );
      expect(statusOf(late("2022-03-10"), "R9")).to.deep.equal(["pass"]);
      expect(statusOf(late("2022-03-11"), "R9")).to.deep.equal(["fail!"]);
    });

    it("uses the configured ceiling and adds declarations and prior awards", () => {
      const input = withApp(
        { amountCents: 400_000 },
        {
          deMinimis: {
            declarations: [{ grantedOn: "2024-01-01", amountCents: 50_000 }],
            priorAwards: [{ awardedOn: "2024-06-01", amountCents: 50_000 }],
            ceilingCents: 500_000,
          },
        },
      );
      expect(statusOf(input, "R9")).to.deep.equal(["pass"]);
      expect(statusOf({ ...input, deMinimis: { ...input.deMinimis, ceilingCents: 499_999 } }, "R9")).to.deep.equal(["fail!"]);
    });
  });

  describe("R10: one voucher per type per call, no new application with an open claim", () => {
    it("a live application of the same type in the same call refuses", () => {
      const other = (o: Partial<EligibilityInput["otherApplications"][number]>) =>
        base({ otherApplications: [{ sameCall: true, voucherTypeCode: "IN", state: "submitted", ...o }] });
      expect(statusOf(other({}), "R10")).to.deep.equal(["fail!", "pass"]);
      expect(statusOf(other({ state: "paid" }), "R10")).to.deep.equal(["fail!", "pass"]);
      expect(statusOf(other({ state: "draft" }), "R10")).to.deep.equal(["fail!", "pass"]);
      for (const state of ["withdrawn", "rejected", "cancelled", "expired"]) {
        expect(statusOf(other({ state }), "R10"), state).to.deep.equal(["pass", "pass"]);
      }
      expect(statusOf(other({ sameCall: false }), "R10")).to.deep.equal(["pass", "pass"]);
      expect(statusOf(other({ voucherTypeCode: "MG" }), "R10")).to.deep.equal(["pass", "pass"]);
    });

    it("an open claim refuses only when the scheme blocks it", () => {
      expect(statusOf(base({ hasOpenClaim: true }), "R10")).to.deep.equal(["pass", "fail!"]);
      expect(statusOf(base({ hasOpenClaim: true, blockWhileClaimOpen: false }), "R10")).to.deep.equal(["pass", "pass"]);
    });
  });

  describe("R12: the activity ends by the completion deadline the approval sets", () => {
    // Insight: completed within 180 days of the approval; today is 10 March 2025, so an approval
    // today sets 6 September 2025.
    it("an activity ending on the deadline passes; a day later is refused at approval and flagged at submission", () => {
      expect(statusOf(withApp({ activityEnd: "2025-09-06" }), "R12")).to.deep.equal(["pass"]);
      expect(statusOf(withApp({ activityEnd: "2025-09-06" }, { stage: "approve" }), "R12")).to.deep.equal(["pass"]);
      expect(statusOf(withApp({ activityEnd: "2025-09-07" }), "R12")).to.deep.equal(["fail"]);
      const refused = one(withApp({ activityEnd: "2025-09-07" }, { stage: "approve" }), "R12");
      expect([refused.status, refused.certain]).to.deep.equal(["fail", true]);
      expect(refused.message).to.contain("7 September 2025").and.contain("6 September 2025: 180 days after the approval");
    });

    it("a one-day activity ends on its start day; dates that are not dates are for review", () => {
      expect(statusOf(withApp({ activityStart: "2025-09-07", activityEnd: null }, { stage: "approve" }), "R12")).to.deep.equal(["fail!"]);
      expect(statusOf(withApp({ activityStart: "2025-09-06", activityEnd: "" }, { stage: "approve" }), "R12")).to.deep.equal(["pass"]);
      expect(statusOf(withApp({ activityStart: "not a date", activityEnd: null }), "R12")).to.deep.equal(["review"]);
    });

    it("counts from the call's completion days", () => {
      const shorter = { ...findVoucherType("IN")!, completionDays: 30 };
      expect(statusOf(withApp({ activityEnd: "2025-04-10" }, { stage: "approve", voucherType: shorter }), "R12")).to.deep.equal(["fail!"]);
      expect(statusOf(withApp({ activityEnd: "2025-04-09" }, { stage: "approve", voucherType: shorter }), "R12")).to.deep.equal(["pass"]);
    });
  });

  describe("R11: incentive effect", () => {
    it("at submission, an activity date that has passed refuses; today is allowed", () => {
      expect(statusOf(withApp({ activityStart: "2025-03-09" }), "R11")).to.deep.equal(["fail!"]);
      expect(one(withApp({ activityStart: "2025-03-09" }), "R11").message).to.contain("has passed");
      expect(statusOf(withApp({ activityStart: "2025-03-10" }), "R11")).to.deep.equal(["pass"]);
      expect(statusOf(withApp({ activityStart: "not a date" }), "R11")).to.deep.equal(["fail!"]);
    });

    it("at submission, 'today' is the programme's day", () => {
      // 23:30 UTC on 10 March is 11 March in Copenhagen: 10 March has passed there.
      expect(statusOf(withApp({ activityStart: "2025-03-10" }, { now: "2025-03-10T23:30:00Z" }), "R11")).to.deep.equal(["fail!"]);
    });

    it("at submission, a Meet & Greet starting today is flagged (it cannot be approved) but not refused", () => {
      const mg = (d: string) => withApp({ voucherTypeCode: "MG", amountCents: 40_000, activityStart: d });
      expect(statusOf(mg("2025-03-10"), "R11")).to.deep.equal(["fail"]);
      expect(statusOf(mg("2025-03-11"), "R11")).to.deep.equal(["pass"]);
    });

    it("at approval, a Meet & Greet on the approval day is refused, the next day is fine", () => {
      const mg = (d: string) => withApp({ voucherTypeCode: "MG", amountCents: 40_000, activityStart: d }, { stage: "approve" });
      expect(statusOf(mg("2025-03-10"), "R11")).to.deep.equal(["fail!"]);
      expect(statusOf(mg("2025-03-09"), "R11")).to.deep.equal(["fail!"]);
      expect(statusOf(mg("2025-03-11"), "R11")).to.deep.equal(["pass"]);
    });

    it("at approval, other types may start on the approval day but not before", () => {
      const inApp = (d: string) => withApp({ activityStart: d }, { stage: "approve" });
      expect(statusOf(inApp("2025-03-10"), "R11")).to.deep.equal(["pass"]);
      expect(statusOf(inApp("2025-03-09"), "R11")).to.deep.equal(["fail!"]);
    });

    it("the configured type decides whether pre-approval is required", () => {
      const custom = { ...findVoucherType("IN")!, preApprovalRequired: true };
      expect(statusOf(withApp({ activityStart: "2025-03-10" }, { stage: "approve", voucherType: custom }), "R11")).to.deep.equal(["fail!"]);
    });
  });

  it("blockingFindings returns only certain fails", () => {
    const fs = evaluateEligibility(
      withApp({ voucherTypeCode: "MG", amountCents: 40_000, activityStart: "2025-03-10", counterpartRegionCode: null }, { hasOpenClaim: true }),
    );
    expect(blockingFindings(fs).map((f) => f.rule)).to.deep.equal(["R10"]);
  });
});

describe("eligibility: claims (R11, R12)", () => {
  it("costs dated before the approval day are not eligible", () => {
    expect(eligibleCostDate("2025-03-09", "2025-03-10")).to.equal(false);
    expect(eligibleCostDate("2025-03-10", "2025-03-10")).to.equal(true);
    expect(eligibleCostDate("2025-03-11", "2025-03-10")).to.equal(true);
    expect(() => eligibleCostDate("2025-03-10T10:00:00Z", "2025-03-10")).to.throw(ValidationError);
  });

  it("a claim on the deadline day is accepted, the next day is late", () => {
    expect(isPastDeadline("2025-06-08", "2025-06-08")).to.equal(false);
    expect(isPastDeadline("2025-06-09", "2025-06-08")).to.equal(true);
    expect(isPastDeadline("2025-06-07", "2025-06-08")).to.equal(false);
  });

  it("deadlines follow the type's configured days", () => {
    expect(deadlinesFor(findVoucherType("MG")!, "2025-03-10")).to.deep.equal({ completionDeadline: "2025-06-08", claimDeadline: "2025-07-08" });
    expect(deadlinesFor(findVoucherType("CO")!, "2024-03-01")).to.deep.equal({ completionDeadline: "2025-03-01", claimDeadline: "2025-03-31" });
  });
});
