import { expect } from "chai";
import fc from "fast-check";
import {
  type ClaimLine,
  assessClaim,
  claimWindow,
  costLineDateStatus,
  expiryReason,
  payableCents,
  reminderDue,
  voucherDeadlines,
  voucherStateOn,
} from "../../../server/domain/claims";
import { DEFAULT_VOUCHER_TYPES, type VoucherType, findVoucherType, voucherTypeSettingsProblems } from "../../../server/domain/scheme";
import { addDays } from "../../../server/domain/time";
import type { Message } from "../../../server/domain/message";
import { ValidationError } from "../../../server/errors";
import { englishText, renderText } from "../../../server/i18n/messages";
import { defined } from "../../support/defined";

const MG = findVoucherType("MG")!;
const IN = findVoucherType("IN")!;

describe("claims: deadlines and expiry (R12)", () => {
  it("sets the completion deadline from the approval day and the claim deadline after it", () => {
    expect(voucherDeadlines({ completionDays: 90, claimDays: 30 }, "2027-03-01")).to.deep.equal({
      completionDeadline: "2027-05-30", claimDeadline: "2027-06-29",
    });
  });

  it("a voucher waiting for a claim expires the day after the claim deadline, not after the completion deadline", () => {
    const v = { state: "accepted", claimDeadline: "2027-06-29" };
    // Between the completion deadline (2027-05-30) and the claim deadline: still alive.
    expect(expiryReason(v, "2027-05-31")).to.equal(null);
    expect(expiryReason(v, "2027-06-29")).to.equal(null);
    expect(expiryReason(v, "2027-06-30")).to.include("claim deadline 29 June 2027 passed without a claim");
    expect(voucherStateOn(v, "2027-06-29")).to.equal("accepted");
    expect(voucherStateOn(v, "2027-06-30")).to.equal("expired");
    expect(expiryReason({ state: "approved", claimDeadline: "2027-06-29" }, "2027-06-30")).to.not.equal(null);
    expect(expiryReason({ state: "claim-rejected", claimDeadline: "2027-06-29" }, "2027-06-30")).to.include("after the claim was rejected");
  });

  it("a submitted, verified or paid claim stops the clock", () => {
    for (const state of ["claim-submitted", "claim-verified", "paid", "closed", "cancelled"]) {
      expect(expiryReason({ state, claimDeadline: "2027-06-29" }, "2028-01-01"), state).to.equal(null);
    }
  });
});

describe("claims: when a claim can be submitted (R11, R12)", () => {
  const v = { activityStart: "2027-04-10", activityEnd: "2027-04-12", claimDeadline: "2027-06-29" };

  it("opens on the activity's end date and says from which day before that", () => {
    const early = claimWindow(v, "2027-04-11");
    expect(early.open).to.equal(false);
    if (!early.open) {
      expect(early.rule).to.equal("R11");
      expect(early.reason).to.include("from that day on").and.include("12 April 2027");
    }
    expect(claimWindow(v, "2027-04-12").open).to.equal(true);
    expect(claimWindow(v, "2027-06-29").open).to.equal(true);
  });

  it("closes after the claim deadline (R12)", () => {
    const late = claimWindow(v, "2027-06-30");
    expect(late.open).to.equal(false);
    if (!late.open) expect([late.rule, late.reason]).to.deep.equal(["R12", "The claim deadline was 29 June 2027 and today is 30 June 2027; the voucher has expired and a claim can no longer be submitted."]);
  });

  it("a one-day activity without an end date opens on its start date", () => {
    expect(claimWindow({ activityStart: "2027-04-10", activityEnd: null, claimDeadline: null }, "2027-04-10").open).to.equal(true);
    expect(claimWindow({ activityStart: null, activityEnd: null, claimDeadline: null }, "2027-04-10").open).to.equal(false);
  });

  it("cost lines count from the approval day to the claim day, both included", () => {
    expect(costLineDateStatus("2027-02-28", "2027-03-01", "2027-05-01")).to.equal("before-approval");
    expect(costLineDateStatus("2027-03-01", "2027-03-01", "2027-05-01")).to.equal("within");
    expect(costLineDateStatus("2027-05-01", "2027-03-01", "2027-05-01")).to.equal("within");
    expect(costLineDateStatus("2027-05-02", "2027-03-01", "2027-05-01")).to.equal("after-claim-day");
  });
});

describe("claims: reminders (R12)", () => {
  const v = { state: "accepted", completionDeadline: "2027-05-30", claimDeadline: "2027-06-29" };
  it("reminds of the completion deadline, then of the claim deadline, and never once expired", () => {
    expect(reminderDue(v, "2027-05-15")).to.equal(null);
    expect(reminderDue(v, "2027-05-16")).to.deep.equal({ deadline: "completion", date: "2027-05-30", daysLeft: 14, stage: 14 });
    expect(reminderDue(v, "2027-05-28")).to.deep.equal({ deadline: "completion", date: "2027-05-30", daysLeft: 2, stage: 3 });
    expect(reminderDue(v, "2027-06-14")).to.equal(null);
    expect(reminderDue(v, "2027-06-15")).to.deep.equal({ deadline: "claim", date: "2027-06-29", daysLeft: 14, stage: 14 });
    expect(reminderDue(v, "2027-06-29")).to.deep.equal({ deadline: "claim", date: "2027-06-29", daysLeft: 0, stage: 3 });
    expect(reminderDue(v, "2027-06-30")).to.equal(null);
    expect(reminderDue({ ...v, state: "claim-submitted" }, "2027-06-20")).to.equal(null);
  });
});

describe("claims: assessment (R11, R14)", () => {
  const base = { approvedOn: "2027-03-01", claimDay: "2027-05-01", reportVerified: true };
  const eur = (incurredOn: string, cents: number, eligible: boolean | null = null): ClaimLine => ({
    incurredOn, currency: "EUR", originalMinor: cents, eurCents: cents, rate: null, rateMonth: null, eligible,
  });

  it("Meet & Greet pays the eligible costs up to the award; lines outside the dates do not count", () => {
    const a = assessClaim({ ...base, type: MG, awardCents: 40_000, lines: [eur("2027-04-10", 20_000), eur("2027-02-28", 9_000), eur("2027-05-02", 7_000), eur("2027-04-11", 5_000, false)] });
    expect(a.lines.map((l) => [l.dateStatus, l.eligible, l.counted])).to.deep.equal([
      ["within", true, true], ["before-approval", false, false], ["after-claim-day", false, false], ["within", false, false],
    ]);
    expect([a.eligibleCostsCents, a.payableCents]).to.deep.equal([20_000, 20_000]);
    const capped = assessClaim({ ...base, type: MG, awardCents: 15_000, lines: [eur("2027-04-10", 20_000)] });
    expect(capped.payableCents).to.equal(15_000);
    expect(capped.explanation).to.include("lower of that and the award");
  });

  it("a line outside the dates marked eligible is a problem and still does not count", () => {
    const a = assessClaim({ ...base, type: MG, awardCents: 40_000, lines: [eur("2027-02-28", 9_000, true), eur("2027-05-02", 9_000, true)] });
    expect(englishText(defined(defined(a.lines[0]).problem))).to.equal("This cost is dated 28 February 2027, before the approval on 1 March 2027; costs before the approval are not eligible (R11).");
    expect(englishText(defined(defined(a.lines[1]).problem))).to.include("after the day of the claim (1 May 2027)");
    expect(renderText("fr", defined(defined(a.lines[0]).problem))).to.equal("Ce coût est daté du 28 février 2027, avant l'approbation du 1er mars 2027 ; les coûts antérieurs à l'approbation ne sont pas éligibles (R11).");
    expect(a.payableCents).to.equal(0);
  });

  it("Insight pays the fixed award on a verified report, nothing without one", () => {
    expect(assessClaim({ ...base, type: IN, awardCents: 400_000, lines: [] }).payableCents).to.equal(400_000);
    const unverified = assessClaim({ ...base, reportVerified: false, type: IN, awardCents: 400_000, lines: [eur("2027-04-10", 500_000)] });
    expect(unverified.payableCents).to.equal(0);
    expect(unverified.explanation).to.include("only on a verified report");
  });

  const day = fc.integer({ min: -30, max: 90 }).map((n) => addDays("2027-03-01", n));
  const line = fc.record({
    incurredOn: day,
    currency: fc.constantFrom("EUR", "DKK"),
    originalMinor: fc.integer({ min: 0, max: 2_000_000 }),
    eurCents: fc.option(fc.integer({ min: 0, max: 2_000_000 }), { nil: null }),
    rate: fc.constant("7.4604"),
    rateMonth: fc.constant("2027-04"),
    eligible: fc.option(fc.boolean(), { nil: null }),
  });
  const input = fc.record({
    type: fc.constantFrom<VoucherType>(...DEFAULT_VOUCHER_TYPES),
    awardCents: fc.integer({ min: 0, max: 1_000_000 }),
    approvedOn: fc.constant("2027-03-01"),
    claimDay: fc.integer({ min: 0, max: 60 }).map((n) => addDays("2027-03-01", n)),
    reportVerified: fc.boolean(),
    lines: fc.array(line, { maxLength: 8 }),
  });

  it("property: payable never exceeds the award and is never negative", () => {
    fc.assert(fc.property(input, (i) => {
      const a = assessClaim(i);
      return a.payableCents >= 0 && a.payableCents <= i.awardCents;
    }));
  });

  it("property: actual-costs types pay exactly the counted costs, capped at the award", () => {
    fc.assert(fc.property(input, (i) => {
      const a = assessClaim({ ...i, type: MG });
      const counted = i.lines.filter((l) => (l.eligible ?? true) && l.incurredOn >= i.approvedOn && l.incurredOn <= i.claimDay && l.eurCents !== null);
      const sum = counted.reduce((s, l) => s + l.eurCents!, 0);
      return a.eligibleCostsCents === sum && a.payableCents === Math.min(sum, i.awardCents);
    }));
  });

  it("property: fixed types pay the award on a verified report whatever the costs, and nothing without one", () => {
    fc.assert(fc.property(input, (i) => {
      const a = assessClaim({ ...i, type: IN });
      return a.payableCents === (i.reportVerified ? i.awardCents : 0);
    }));
  });

  it("property: a line outside the approval day and the claim day never adds to the payable amount", () => {
    fc.assert(fc.property(input, line, (i, extra) => {
      const outside = { ...extra, incurredOn: addDays(i.claimDay, 1), eligible: true, eurCents: 100_000 };
      const before = { ...extra, incurredOn: addDays(i.approvedOn, -1), eligible: true, eurCents: 100_000 };
      const mg = { ...i, type: MG };
      return assessClaim({ ...mg, lines: [...i.lines, outside, before] }).payableCents === assessClaim(mg).payableCents;
    }));
  });

  it("payableCents refuses a negative award", () => {
    expect(() => payableCents(MG, { awardCents: -1, eligibleCostsCents: 0, reportVerified: true })).to.throw(RangeError);
  });
});

describe("time: a date that is not one is refused with its label in the reader's language", () => {
  it("names the date in the refusal", () => {
    const err = (() => { try { costLineDateStatus("2027-02-30", "2027-03-01", "2027-05-01"); } catch (e) { return e as ValidationError; } return null; })();
    expect(defined(err)).to.be.instanceOf(ValidationError);
    expect(defined(err).message).to.equal("The cost date \"2027-02-30\" is not a valid date (YYYY-MM-DD).");
    expect(renderText("nl", defined(err).text)).to.equal("\"2027-02-30\" (kostendatum) is geen geldige datum (JJJJ-MM-DD).");
    expect(renderText("da", defined(err).text)).to.equal("\"2027-02-30\" (omkostningsdato) er ikke en gyldig dato (ÅÅÅÅ-MM-DD).");
  });
});

describe("scheme: per-type settings (R11, R12, R14)", () => {
  const ok = { amountRule: "fixed", maxCents: 400_000, paymentBasis: "lump-sum", preApprovalRequired: false, completionDays: 180, claimDays: 30 } as const;
  it("accepts the defaults and names each field that is wrong", () => {
    for (const t of DEFAULT_VOUCHER_TYPES) expect(voucherTypeSettingsProblems(t.name, t)).to.deep.equal({});
    const bad = voucherTypeSettingsProblems("Insight", { ...ok, amountRule: "x" as never, paymentBasis: "y" as never, maxCents: 0, completionDays: 0, claimDays: 3651 });
    expect(Object.keys(bad).sort()).to.deep.equal(["amountRule", "claimDays", "completionDays", "maxCents", "paymentBasis"]);
    const en = (m: Message | undefined) => englishText(defined(m));
    expect(en(voucherTypeSettingsProblems("Insight", { ...ok, claimDays: 0 }).claimDays)).to.equal("The Insight claim period must be a whole number of days from 1 to 3650.");
    expect(en(voucherTypeSettingsProblems("Insight", { ...ok, maxCents: 30_000_001 }).maxCents)).to.include("de minimis ceiling");
    expect(en(voucherTypeSettingsProblems("Insight", { ...ok, maxCents: 400_001 }, 400_000).maxCents)).to.include("EUR 4,000.00, the de minimis ceiling");
    expect(renderText("de", defined(voucherTypeSettingsProblems("Insight", { ...ok, maxCents: 400_001 }, 400_000).maxCents)))
      .to.equal("Der Betrag für Insight darf nicht höher sein als 4.000,00 EUR, die Obergrenze für De-minimis-Beihilfen.");
    expect(voucherTypeSettingsProblems("Insight", ok, 400_000)).to.deep.equal({});
  });

  it("the seeded Insight and Collaboration may start on the approval day; Meet & Greet may not (R11)", () => {
    expect(DEFAULT_VOUCHER_TYPES.map((t) => [t.code, t.preApprovalRequired])).to.deep.equal([["MG", true], ["IN", false], ["CO", false]]);
  });
});
