import { expect } from "chai";
import { checkCurrency, checkRateEntry, checkRateRecords, claimRateMonth, missingRateMessage } from "../../../server/domain/exchange-rates";
import { englishText, renderText } from "../../../server/i18n/messages";
import { RULE_TITLES, ruleInWords, ruleWithNumber } from "../../../server/domain/rule-titles";

describe("domain/exchange-rates (R2)", () => {
  it("takes the month of the claim in the programme's time zone, not UTC", () => {
    // 00:30 on 1 December in Copenhagen (UTC+1) is still November in UTC.
    expect(claimRateMonth("2026-11-30T23:30:00.000Z", "Europe/Copenhagen")).to.equal("2026-12");
    expect(claimRateMonth("2026-11-30T23:30:00.000Z", "UTC")).to.equal("2026-11");
    // Summer time (UTC+2): the last second of June and the first of July.
    expect(claimRateMonth("2026-06-30T21:59:59.000Z", "Europe/Copenhagen")).to.equal("2026-06");
    expect(claimRateMonth("2026-06-30T22:00:00.000Z", "Europe/Copenhagen")).to.equal("2026-07");
  });

  it("names the missing rate in the words the manager needs", () => {
    expect(englishText(missingRateMessage("DKK", "2026-11"))).to.equal("No EUR/DKK rate for 2026-11: ask finance to enter it.");
  });

  it("keeps the rate exactly as published and refuses euro, odd codes and impossible months", () => {
    expect(checkRateEntry(" sek ", "2026-01", "11,13550")).to.deep.equal({ ok: true, entry: { currency: "SEK", month: "2026-01", rate: "11.13550" } });
    expect(checkCurrency("EUR").ok).to.equal(false);
    expect(checkCurrency("DK").ok).to.equal(false);
    // Three letters are not enough: a code of a currency in use, not a unit of account or a test code.
    for (const code of ["XXX", "XTS", "XDR", "ABC", "QQQ"]) expect(checkCurrency(code).ok, code).to.equal(false);
    for (const code of ["DKK", "SEK", "NOK", "PLN", "CHF", "GBP", "USD", "XOF"]) expect(checkCurrency(code).ok, code).to.equal(true);
    for (const month of ["2026-00", "2026-13", "26-11", "2026-1", "2026-11-01"]) expect(checkRateEntry("DKK", month, "7").ok, month).to.equal(false);
    for (const rate of ["0", "-7.46", "7.4604001", "7,460.4", "1e3"]) expect(checkRateEntry("DKK", "2026-11", rate).ok, rate).to.equal(false);
  });

  it("checks every line of a file, skipping a header and blank lines, and refuses a month given twice", () => {
    const rec = (line: number, ...cells: string[]) => ({ line, cells });
    const r = checkRateRecords([rec(1, "Currency", "Month", "Rate"), rec(2, "DKK", "2026-11", "7.4604"), rec(3, ""), rec(4, "DKK", "2026-11", "7.4604"), rec(5, "SEK", "2026-11"), rec(6, "NOK", "2026-11", "11.7")]);
    expect(r.entries).to.deep.equal([{ currency: "DKK", month: "2026-11", rate: "7.4604" }, { currency: "NOK", month: "2026-11", rate: "11.7" }]);
    expect(r.errors.map((e) => ({ line: e.line, message: englishText(e.message) }))).to.deep.equal([
      { line: 4, message: "DKK for 2026-11 is already given on line 2." },
      { line: 5, message: "Expected three values (currency, month, rate) but found 2." },
    ]);
    expect(r.errors.map((e) => renderText("nl", e.message))).to.deep.equal([
      "DKK voor 2026-11 staat al op regel 2.",
      "Er werden drie waarden verwacht (valuta, maand, koers), maar er zijn er 2.",
    ]);
    const rate = checkRateEntry("DKK", "2026-11", "-1");
    expect(rate.ok ? [] : rate.errors.map((e) => renderText("de", e))).to.deep.equal(["Der Wechselkurs muss eine positive Zahl sein."]);
    // A header is only a header on the first line.
    expect(checkRateRecords([rec(1, "DKK", "2026-11", "7"), rec(2, "currency", "month", "rate")]).errors.map((e) => e.line)).to.deep.equal([2]);
  });
});

describe("domain/rule-titles", () => {
  it("gives every eligibility rule plain words, and staff the number as well", () => {
    for (const [rule, title] of Object.entries(RULE_TITLES)) {
      expect(title).to.not.match(/\bR\d+\b/);
      expect(ruleInWords(rule)).to.equal(title);
      expect(ruleWithNumber(rule)).to.equal(`${title} (${rule})`);
    }
    expect(ruleInWords("R8")).to.equal("Partner in another region");
  });
});
