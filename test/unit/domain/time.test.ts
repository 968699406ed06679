import { expect } from "chai";
import fc from "fast-check";
import { DateTime } from "luxon";
import { ValidationError } from "../../../server/errors";
import {
  addDays,
  addYears,
  compareDates,
  isValidDate,
  localDate,
  toIsoInstant,
  zonedLocalToInstant,
} from "../../../server/domain/time";

const CPH = "Europe/Copenhagen";

describe("time", () => {
  it("localDate uses the programme zone, not UTC", () => {
    // 23:30 UTC on 31 Dec is already 1 Jan in Copenhagen (UTC+1 in winter).
    expect(localDate("2024-12-31T23:30:00Z", CPH)).to.equal("2025-01-01");
    expect(localDate("2024-12-31T22:59:59.999Z", CPH)).to.equal("2024-12-31");
    expect(localDate("2024-12-31T23:00:00.000Z", CPH)).to.equal("2025-01-01");
    // Summer: UTC+2
    expect(localDate("2025-06-30T21:59:59Z", CPH)).to.equal("2025-06-30");
    expect(localDate("2025-06-30T22:00:00Z", CPH)).to.equal("2025-07-01");
    expect(localDate("2025-06-30T23:30:00+02:00", "UTC")).to.equal("2025-06-30");
  });

  it("localDate agrees with luxon for every instant, in the forms the database and Date write", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }), fc.constantFrom(CPH, "UTC", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham"), (t, zone) => {
        const iso = new Date(t).toISOString();
        const expected = DateTime.fromMillis(t, { zone }).toISODate();
        expect(localDate(iso, zone)).to.equal(expected);
        expect(localDate(new Date(t), zone)).to.equal(expected);
        expect(localDate(iso.slice(0, 19).replace("T", " "), zone)).to.equal(DateTime.fromMillis(Math.floor(t / 1000) * 1000, { zone }).toISODate());
      }),
      { numRuns: 500 },
    );
  });

  it("isValidDate agrees with luxon on every YYYY-MM-DD, leap years and years before 100 included", () => {
    const two = (n: number) => String(n).padStart(2, "0");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const date = `${String(y).padStart(4, "0")}-${two(m)}-${two(d)}`;
        expect(isValidDate(date), date).to.equal(DateTime.fromISO(date, { zone: "UTC" }).isValid);
      }),
      { numRuns: 3000 },
    );
    for (const date of ["2024-02-29", "2000-02-29", "0000-02-29", "0004-02-29"]) expect(isValidDate(date), date).to.equal(true);
    for (const date of ["2025-02-29", "1900-02-29", "2100-02-29", "0100-02-29", "2025-04-31", "2025-13-01", "2025-00-10"]) expect(isValidDate(date), date).to.equal(false);
  });

  it("reads instants without offset as UTC (database format)", () => {
    expect(localDate("2024-12-31 23:30:00", CPH)).to.equal("2025-01-01");
    expect(toIsoInstant("2024-12-31 23:30:00")).to.equal("2024-12-31T23:30:00.000Z");
    expect(toIsoInstant(new Date("2024-12-31T23:30:00Z"))).to.equal("2024-12-31T23:30:00.000Z");
  });

  it("rejects bad instants and zones", () => {
    expect(() => localDate("yesterday", CPH)).to.throw(ValidationError);
    expect(() => localDate("2025-01-01", CPH)).to.throw(ValidationError);
    expect(() => localDate("2025-01-01T00:00:00Z", "Mars/Olympus")).to.throw(ValidationError);
  });

  it("zonedLocalToInstant converts wall-clock time in the zone", () => {
    expect(zonedLocalToInstant("2025-01-15T12:00", CPH)).to.equal("2025-01-15T11:00:00.000Z");
    expect(zonedLocalToInstant("2025-07-15T12:00", CPH)).to.equal("2025-07-15T10:00:00.000Z");
    expect(zonedLocalToInstant("2025-07-15 12:00:30", CPH)).to.equal("2025-07-15T10:00:30.000Z");
    expect(zonedLocalToInstant("2025-03-30T03:00", CPH)).to.equal("2025-03-30T01:00:00.000Z");
    expect(zonedLocalToInstant("2025-03-30T01:59", CPH)).to.equal("2025-03-30T00:59:00.000Z");
  });

  it("refuses a time in the spring-forward gap", () => {
    expect(() => zonedLocalToInstant("2025-03-30T02:30", CPH)).to.throw(ValidationError, /does not exist/);
    expect(() => zonedLocalToInstant("2025-03-30T02:00", CPH)).to.throw(ValidationError, /does not exist/);
  });

  it("takes the first occurrence of a repeated autumn time", () => {
    // 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET); we take the first.
    expect(zonedLocalToInstant("2025-10-26T02:30", CPH)).to.equal("2025-10-26T00:30:00.000Z");
    expect(zonedLocalToInstant("2025-10-26T03:00", CPH)).to.equal("2025-10-26T02:00:00.000Z");
    expect(zonedLocalToInstant("2025-10-26T01:59", CPH)).to.equal("2025-10-25T23:59:00.000Z");
  });

  it("refuses malformed local times", () => {
    for (const bad of ["2025-02-30T10:00", "2025-01-01", "2025-01-01T25:00", "10:00", ""]) {
      expect(() => zonedLocalToInstant(bad, CPH), bad).to.throw(ValidationError);
    }
  });

  it("round-trips local time through localDate", () => {
    const instant = zonedLocalToInstant("2025-03-31T23:59", CPH);
    expect(localDate(instant, CPH)).to.equal("2025-03-31");
  });

  it("addDays and addYears are calendar arithmetic", () => {
    expect(addDays("2025-01-31", 1)).to.equal("2025-02-01");
    expect(addDays("2024-02-28", 1)).to.equal("2024-02-29");
    expect(addDays("2025-03-29", 1)).to.equal("2025-03-30");
    expect(addDays("2025-03-30", 1)).to.equal("2025-03-31");
    expect(addDays("2025-01-01", 90)).to.equal("2025-04-01");
    expect(addDays("2025-01-01", -1)).to.equal("2024-12-31");
    expect(addYears("2025-06-15", -3)).to.equal("2022-06-15");
    expect(addYears("2024-02-29", -3)).to.equal("2021-02-28");
    expect(() => addDays("2025-13-01", 1)).to.throw(ValidationError);
    expect(() => addDays("2025-01-01", 1.5)).to.throw(RangeError);
  });

  it("validates and compares dates", () => {
    expect(isValidDate("2024-02-29")).to.equal(true);
    expect(isValidDate("2025-02-29")).to.equal(false);
    expect(isValidDate("2025-1-01")).to.equal(false);
    expect(compareDates("2025-01-02", "2025-01-10")).to.equal(-1);
    expect(compareDates("2025-01-10", "2025-01-10")).to.equal(0);
  });
});
