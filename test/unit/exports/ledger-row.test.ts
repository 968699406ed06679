import { expect } from "chai";
import fc from "fast-check";
import { zonedParts } from "../../../server/domain/date-format";
import { LEDGER_COLUMNS, LEDGER_TABLE, localIsoDate } from "../../../server/exports/ledger-row";

// Zones with daylight saving, half- and three-quarter-hour offsets, a 30-minute DST shift and
// offsets either side of UTC, so that local midnight falls at every kind of UTC minute.
const ZONES = ["Europe/Copenhagen", "UTC", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago"];

/** The local day straight from Intl, one instant at a time: what the cached path must agree with. */
function intlDay(iso: string, timeZone: string): string {
  const p = zonedParts(iso, timeZone);
  if (!p) throw new Error(`not an instant: ${iso}`);
  return `${String(p.year).padStart(4, "0")}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

describe("ledger columns and local dates (unit)", () => {
  it("has one column table whose headers are the files' header row", () => {
    expect(LEDGER_TABLE.map((c) => c.header)).to.deep.equal([...LEDGER_COLUMNS]);
    expect(new Set(LEDGER_COLUMNS).size).to.equal(LEDGER_COLUMNS.length);
  });

  it("gives every instant the local day Intl gives it, around transitions and local midnights too", () => {
    const from = Date.UTC(1990, 0, 1);
    const to = Date.UTC(2040, 0, 1);
    fc.assert(
      fc.property(fc.integer({ min: from, max: to }), fc.constantFrom(...ZONES), fc.boolean(), (millis, zone, wholeSecond) => {
        const iso = new Date(wholeSecond ? millis - (millis % 1000) : millis).toISOString();
        expect(localIsoDate(iso, zone), `${iso} in ${zone}`).to.equal(intlDay(iso, zone));
      }),
      { numRuns: 3000 },
    );
  });

  it("places the minutes either side of local midnight on their own days", () => {
    // 2026-03-28 23:00 UTC is midnight in Copenhagen (UTC+1); the next night DST starts.
    expect(localIsoDate("2026-03-28T22:59:59.999Z", "Europe/Copenhagen")).to.equal("2026-03-28");
    expect(localIsoDate("2026-03-28T23:00:00.000Z", "Europe/Copenhagen")).to.equal("2026-03-29");
    expect(localIsoDate("2026-03-29T21:59:59Z", "Europe/Copenhagen")).to.equal("2026-03-29");
    expect(localIsoDate("2026-03-29T22:00:00Z", "Europe/Copenhagen")).to.equal("2026-03-30");
    // Kolkata is UTC+5:30: local midnight at 18:30 UTC.
    expect(localIsoDate("2026-06-30T18:29:00.000Z", "Asia/Kolkata")).to.equal("2026-06-30");
    expect(localIsoDate("2026-06-30T18:30:00.000Z", "Asia/Kolkata")).to.equal("2026-07-01");
    // Pago Pago is UTC-11: the previous day until 11:00 UTC.
    expect(localIsoDate("2026-01-01T10:59:00Z", "Pacific/Pago_Pago")).to.equal("2025-12-31");
    expect(localIsoDate("2026-01-01T11:00:00Z", "Pacific/Pago_Pago")).to.equal("2026-01-01");
  });
});
