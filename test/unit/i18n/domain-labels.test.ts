import { expect } from "chai";
import { assessClaim } from "../../../server/domain/claims";
import { assertTransition } from "../../../server/domain/lifecycle";
import type { AppError } from "../../../server/errors";
import { findVoucherType } from "../../../server/domain/scheme";
import { renderText } from "../../../server/i18n/messages";
import { ruleInWords, ruleWithNumber } from "../../../server/web/rule-labels";
import { defined } from "../../support/defined";

describe("rule titles, lifecycle actions and the payable explanation in the reader's language", () => {
  it("names the eligibility rules in each language, with the number for staff", () => {
    expect(ruleWithNumber("R8", "en")).to.equal("Partner in another region (R8)");
    expect(ruleWithNumber("R8", "da")).to.equal("Partner i en anden region (R8)");
    expect(ruleInWords("R10", "de")).to.equal("Nur ein Gutschein zur selben Zeit");
    expect(ruleInWords("R99", "fr")).to.equal("Règle du programme");
    expect(ruleWithNumber("R99", "nl")).to.equal("R99");
  });

  it("writes the payable amount's explanation in the reader's language, English kept for the record", () => {
    const type = defined(findVoucherType("MG"));
    const a = assessClaim({
      type, awardCents: 15_000, approvedOn: "2027-03-01", claimDay: "2027-05-01", reportVerified: true,
      lines: [
        { incurredOn: "2027-04-10", currency: "EUR", originalMinor: 20_000, eurCents: 20_000, rate: null, rateMonth: null, eligible: null },
        { incurredOn: "2027-04-11", currency: "DKK", originalMinor: 74_504, eurCents: 10_000, rate: "7.4504", rateMonth: "2027-04", eligible: null },
      ],
    });
    expect(a.explanation).to.equal("Eligible costs EUR 200.00 + EUR 100.00 (DKK 745.04 at 7.4504 for 2027-04) = EUR 300.00; payable is the lower of that and the award of EUR 150.00: EUR 150.00 (R14, actual costs up to the award).");
    expect(renderText("en", a.explanationMessage)).to.equal(a.explanation);
    expect(renderText("da", a.explanationMessage)).to.equal("Støtteberettigede udgifter 200,00 EUR + 100,00 EUR (DKK 745,04 til kurs 7,4504 for 2027-04) = 300,00 EUR; udbetalingen er det laveste af dette beløb og tilsagnet på 150,00 EUR: 150,00 EUR (R14, faktiske udgifter op til tilsagnet).");
  });

  it("names the action a lifecycle refusal is about in the reader's language", () => {
    let err: AppError | undefined;
    try { assertTransition("submitted", "approve", "applicant"); } catch (e) { err = e as AppError; }
    expect(err?.message).to.match(/^Only .* users can do "Approve" here\.$/);
    expect(renderText("de", defined(err).text)).to.include("Bewilligen");
    expect(renderText("da", defined(err).text)).to.include("Godkend");
  });
});
