import { expect } from "chai";
import { zonedLocalToInstant } from "../../../server/domain/time";
import type { AppError } from "../../../server/errors";
import { renderText } from "../../../server/i18n/messages";

function refusal(f: () => unknown): AppError {
  try { f(); } catch (e) { return e as AppError; }
  throw new Error("expected a refusal");
}

describe("the time rules' refusals in the reader's language", () => {
  it("keeps the English and says the same in Danish, German, French and Dutch", () => {
    const skipped = refusal(() => zonedLocalToInstant("2027-03-28T02:30", "Europe/Copenhagen"));
    expect(skipped.message).to.equal("2027-03-28 02:30 does not exist in the Europe/Copenhagen time zone because the clocks move forward that night. Please choose another time.");
    expect(renderText("da", skipped.text)).to.equal("2027-03-28 02:30 findes ikke i tidszonen Europe/Copenhagen, fordi uret stilles frem den nat. Vælg et andet tidspunkt.");
    const typo = refusal(() => zonedLocalToInstant("tomorrow", "Europe/Copenhagen"));
    expect(typo.message).to.equal('"tomorrow" is not a valid date and time (YYYY-MM-DD HH:mm).');
    expect(renderText("de", typo.text)).to.equal("„tomorrow“ ist kein gültiges Datum mit Uhrzeit (JJJJ-MM-TT HH:mm).");
    expect(renderText("nl", refusal(() => zonedLocalToInstant("2027-01-01T10:00", "Mars/Base")).text)).to.equal("Onbekende tijdzone: Mars/Base");
  });
});
