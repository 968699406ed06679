import { expect } from "chai";
import fc from "fast-check";
import { DateTime } from "luxon";
import {
  clockTime,
  dayInWords,
  dayTimeInWords,
  formatDay,
  formatDayTime,
  formatLocalInput,
  formatLongDay,
  instantMillisOrNull,
  isoDayIn,
  parseCalendarDate,
  zonedParts,
  zonedPartsFromIntl,
} from "../../../server/domain/date-format";

const CPH = "Europe/Copenhagen";
const ZONES = [CPH, "UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"];

describe("date-format (cached formatter)", () => {
  it("formats a calendar date as is, whatever the zone", () => {
    expect(formatDay("2026-03-01", "Pacific/Kiritimati")).to.equal("1 Mar 2026");
    expect(isoDayIn("2026-03-01", "America/Los_Angeles")).to.equal("2026-03-01");
  });

  it("puts an instant on the programme's clock, across midnight and summer time", () => {
    expect(formatDay("2024-12-31T23:30:00Z", CPH)).to.equal("1 Jan 2025");
    expect(isoDayIn("2024-12-31T22:59:59.999Z", CPH)).to.equal("2024-12-31");
    expect(formatDayTime("2026-09-03T12:05:00Z", CPH)).to.equal("3 Sep 2026, 14:05 GMT+2");
    expect(formatDayTime("2026-01-03T12:05:00Z", CPH)).to.equal("3 Jan 2026, 13:05 GMT+1");
    expect(formatLocalInput("2026-03-29T01:00:00Z", CPH)).to.equal("2026-03-29T03:00");
    expect(formatLocalInput("2026-03-29T00:59:00Z", CPH)).to.equal("2026-03-29T01:59");
  });

  it("reads an instant without an offset as UTC (the database's format), never the server's zone", () => {
    expect(isoDayIn("2024-12-31 23:30:00", CPH)).to.equal("2025-01-01");
    expect(formatLocalInput("2024-12-31T23:30", CPH)).to.equal("2025-01-01T00:30");
    expect(instantMillisOrNull("2026-09-03 12:05:00.123456+00")).to.equal(Date.UTC(2026, 8, 3, 12, 5, 0, 123));
    expect(instantMillisOrNull("2026-09-03T12:05:00-0130")).to.equal(Date.UTC(2026, 8, 3, 13, 35));
    expect(formatDay(new Date(Date.UTC(2026, 8, 3, 22, 30)), CPH)).to.equal("4 Sep 2026");
  });

  it("refuses what is not a real date or instant instead of rolling it over", () => {
    for (const bad of ["2026-02-30", "2026-13-01", "2026-02-29", "26-01-01", "", "yesterday", "2026-01-01T24:00:00Z", "2026-02-30T10:00:00Z", "2026-01-01T10:00:00+25:00"]) {
      expect(formatDay(bad, CPH), bad).to.equal(null);
    }
    expect(parseCalendarDate("2024-02-29")).to.deep.equal({ year: 2024, month: 2, day: 29 });
    expect(formatDayTime(new Date(NaN), CPH)).to.equal(null);
  });

  it("writes the long day of letters in the letter's language", () => {
    expect(formatLongDay("2026-09-03", CPH, "en-GB")).to.equal("3 September 2026");
    expect(formatLongDay("2026-09-03T22:30:00Z", CPH, "da-DK")).to.equal("4. september 2026");
    expect(formatLongDay("2026-09-03", CPH, "de-DE")).to.equal("3. September 2026");
    expect(formatLongDay("2026-12-01", CPH, "fr-FR")).to.equal("1er décembre 2026");
    expect(formatLongDay("2026-12-21", CPH, "fr-FR")).to.equal("21 décembre 2026");
    expect(formatLongDay("2026-12-01", CPH, "nl-NL")).to.equal("1 december 2026");
  });

  it("writes a rule message's calendar date in words, and leaves a value that is no date as it is", () => {
    expect(dayInWords("2026-11-30")).to.equal("30 November 2026");
    expect(dayInWords("0001-01-05")).to.equal("5 January 0001");
    expect(dayInWords("2027-02-28")).to.equal(formatLongDay("2027-02-28", "UTC", "en-GB"));
    expect(dayInWords("2026-02-30")).to.equal("2026-02-30");
    expect(dayInWords("")).to.equal("");
  });

  it("writes a time of day as each language does in a sentence: kl. 14.05, 14 h 05, 14:05", () => {
    expect(clockTime(14, 5, "da-DK")).to.equal("14.05");
    expect(clockTime(14, 5, "fr-FR")).to.equal("14 h 05");
    expect(clockTime(9, 0, "fr-FR")).to.equal("9 h 00");
    expect(clockTime(14, 5, "de-DE")).to.equal("14:05");
    expect(clockTime(14, 5, "nl-NL")).to.equal("14:05");
    expect(clockTime(0, 30, "da-DK")).to.equal("00.30");
  });

  it("writes an instant out on the programme's clock for messages, across a change of summer time", () => {
    expect(dayTimeInWords("2027-04-01T10:00:00.000Z", CPH)).to.equal("1 April 2027 at 12:00");
    expect(dayTimeInWords("2027-02-15T11:00:00.000Z", CPH)).to.equal("15 February 2027 at 12:00");
    expect(dayTimeInWords("2025-03-31T21:59:00.000Z", CPH)).to.equal("31 March 2025 at 23:59");
    expect(dayTimeInWords("not a time", CPH)).to.equal("not a time");
  });

  it("agrees with luxon on every instant and zone", () => {
    const min = Date.UTC(1990, 0, 1);
    const max = Date.UTC(2060, 0, 1);
    fc.assert(
      fc.property(fc.integer({ min, max }), fc.constantFrom(...ZONES), (t, zone) => {
        const iso = new Date(t).toISOString();
        const dt = DateTime.fromMillis(t, { zone, locale: "en-US" });
        expect(formatDay(iso, zone)).to.equal(dt.toFormat("d LLL yyyy"));
        expect(formatDayTime(iso, zone)).to.equal(`${dt.toFormat("d LLL yyyy, HH:mm")} ${dt.offsetNameShort ?? ""}`.trim());
        expect(formatLocalInput(iso, zone)).to.equal(dt.toFormat("yyyy-LL-dd'T'HH:mm"));
        expect(isoDayIn(iso, zone)).to.equal(dt.toISODate());
        expect(formatLongDay(iso, zone, "da-DK")).to.equal(dt.setLocale("da-DK").toLocaleString({ day: "numeric", month: "long", year: "numeric" }));
      }),
      { numRuns: 500 },
    );
  });

  it("gives Intl's wall clock through a whole year of summer-time changes, from the offsets it keeps per hour", () => {
    // Every 53 minutes and 1 second: instants all over each hour, seconds off the full minute,
    // both sides of each change (Lord Howe shifts by 30 minutes, Chatham at :45).
    for (const zone of ZONES) {
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 53 * 60_000 + 1000) {
        expect(zonedParts(new Date(t), zone), `${new Date(t).toISOString()} ${zone}`).to.deep.equal(zonedPartsFromIntl(t, zone));
      }
    }
    expect(zonedParts("0999-06-01T12:00:00Z", CPH)).to.deep.equal(zonedPartsFromIntl(Date.parse("0999-06-01T12:00:00Z"), CPH));
  });
});
