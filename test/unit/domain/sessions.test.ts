import { expect } from "chai";
import { defined } from "../../support/defined";
import { durationInWords, sessionEnded } from "../../../server/domain/sessions";
import { englishText, renderText } from "../../../server/i18n/messages";
import { describeDevice } from "../../../server/services/people/sessions";

const MIN = 60_000;
const limits = { staffIdleMs: 30 * MIN, applicantIdleMs: 120 * MIN, maxMs: 12 * 60 * MIN };

describe("session limits", () => {
  it("ends a staff session after 30 idle minutes and an applicant's after 2 hours, not a minute earlier", () => {
    const t = { signedInAt: 0, lastSeenAt: 0 };
    for (const role of ["manager", "finance", "admin"]) {
      expect(sessionEnded(t, role, 30 * MIN - 1, limits), role).to.equal(null);
      const ended = sessionEnded(t, role, 30 * MIN, limits);
      expect(ended?.reason).to.equal("idle");
      expect(englishText(defined(ended).message)).to.equal("You were signed out after 30 minutes without activity. Please sign in again.");
    }
    expect(sessionEnded(t, "applicant", 120 * MIN - 1, limits)).to.equal(null);
    expect(englishText(defined(sessionEnded(t, "applicant", 120 * MIN, limits)).message)).to.equal("You were signed out after 2 hours without activity. Please sign in again.");
  });

  it("ends any session at its maximum age however active it is", () => {
    const active = { signedInAt: 0, lastSeenAt: 12 * 60 * MIN - 1 };
    expect(sessionEnded(active, "applicant", 12 * 60 * MIN - 1, limits)).to.equal(null);
    const ended = defined(sessionEnded(active, "applicant", 12 * 60 * MIN, limits));
    expect(ended.reason).to.equal("max");
    expect(englishText(ended.message)).to.equal("You were signed out because you had been signed in for 12 hours. Please sign in again.");
  });

  it("writes durations in words", () => {
    expect([1, 30, 60, 90, 120, 61].map((m) => englishText(durationInWords(m * MIN)))).to.deep.equal(["1 minute", "30 minutes", "1 hour", "1 hour 30 minutes", "2 hours", "1 hour 1 minute"]);
  });

  it("writes durations with each language's plurals, never in English", () => {
    const words = (language: "da" | "de" | "fr" | "nl") => [1, 30, 60, 90, 120, 61].map((m) => renderText(language, durationInWords(m * MIN)));
    expect(words("da")).to.deep.equal(["1 minut", "30 minutter", "1 time", "1 time og 30 minutter", "2 timer", "1 time og 1 minut"]);
    expect(words("de")).to.deep.equal(["1 Minute", "30 Minuten", "1 Stunde", "1 Stunde und 30 Minuten", "2 Stunden", "1 Stunde und 1 Minute"]);
    expect(words("fr")).to.deep.equal(["1 minute", "30 minutes", "1 heure", "1 heure 30 minutes", "2 heures", "1 heure 1 minute"]);
    expect(words("nl")).to.deep.equal(["1 minuut", "30 minuten", "1 uur", "1 uur en 30 minuten", "2 uur", "1 uur en 1 minuut"]);
    expect(renderText("de", defined(sessionEnded({ signedInAt: 0, lastSeenAt: 0 }, "finance", 30 * MIN, limits)).message))
      .to.equal("Sie wurden nach 30 Minuten ohne Aktivität abgemeldet. Bitte melden Sie sich erneut an.");
  });

  it("names a device from its user agent, and shortens one it cannot read", () => {
    expect(describeDevice("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0")).to.deep.equal({ kind: "browserOnOs", browser: "Firefox", os: "Windows" });
    expect(describeDevice("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")).to.deep.equal({ kind: "browserOnOs", browser: "Safari", os: "iOS" });
    expect(describeDevice("")).to.deep.equal({ kind: "unknown" });
    expect(describeDevice("x".repeat(100))).to.deep.equal({ kind: "named", name: `${"x".repeat(57)}...` });
  });
});
