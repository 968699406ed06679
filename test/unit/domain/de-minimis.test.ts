import { expect } from "chai";
import fc from "fast-check";
import { deMinimisAid, deMinimisGrantDateProblem, deMinimisWindowStart, isDeMinimisAward, programmeAwards } from "../../../server/domain/de-minimis";
import { APP_STATES, type AppState } from "../../../server/domain/lifecycle";

describe("de minimis: one total for eligibility, letter and manager's page (R9)", () => {
  const today = "2027-03-01";

  it("counts declared aid and programme awards of the three years ending today, boundary day included", () => {
    expect(deMinimisWindowStart(today)).to.equal("2024-03-01");
    const aid = deMinimisAid({
      today,
      declarations: [
        { grantedOn: "2024-03-01", amountCents: 100 },
        { grantedOn: "2024-02-29", amountCents: 10_000 },
        { grantedOn: "2027-06-01", amountCents: 1 },
      ],
      awards: [
        { awardedOn: "2024-03-01", amountCents: 20 },
        { awardedOn: "2024-02-28", amountCents: 20_000 },
      ],
    });
    expect(aid).to.deep.equal({ windowStart: "2024-03-01", declaredCents: 101, programmeCents: 20, earlierCents: 121 });
  });

  it("counts undated or unreadable grants, whether declared or awarded in the programme", () => {
    const aid = deMinimisAid({
      today,
      declarations: [{ grantedOn: null, amountCents: 300 }, { grantedOn: "31.12.2020", amountCents: 5 }],
      awards: [{ awardedOn: null, amountCents: 4_000 }, { awardedOn: "", amountCents: 7 }],
    });
    expect(aid.declaredCents).to.equal(305);
    expect(aid.programmeCents).to.equal(4_007);
  });

  it("takes the programme's vouchers from approval on, keeps undated ones, and leaves out the ones that ended without money", () => {
    const counted = APP_STATES.filter(isDeMinimisAward);
    expect(counted).to.have.members(["approved", "accepted", "claim-submitted", "claim-rejected", "claim-verified", "paid", "closed"]);
    const awards = programmeAwards([
      { state: "approved", approvedCents: "40000", approvedOn: null },
      { state: "cancelled", approvedCents: 70_000, approvedOn: "2026-01-01" },
      { state: "paid", approvedCents: 30_000, approvedOn: "2026-01-01" },
      { state: "submitted", approvedCents: null, approvedOn: null },
    ]);
    expect(awards).to.deep.equal([{ awardedOn: null, amountCents: 40_000 }, { awardedOn: "2026-01-01", amountCents: 30_000 }]);
  });

  const dateArb = fc.oneof(
    fc.integer({ min: 0, max: 3_000 }).map((d) => new Date(Date.UTC(2022, 0, 1) + d * 86_400_000).toISOString().slice(0, 10)),
    fc.constantFrom(null, "", "not a date", "2025-02-30"),
  );
  const grantArb = fc.record({ date: dateArb, amountCents: fc.integer({ min: 0, max: 50_000_000 }) });
  const todayArb = fc.integer({ min: 0, max: 2_500 }).map((d) => new Date(Date.UTC(2023, 0, 1) + d * 86_400_000).toISOString().slice(0, 10));
  const asInput = (t: string, ds: { date: string | null; amountCents: number }[], as: { date: string | null; amountCents: number }[]) => ({
    today: t,
    declarations: ds.map((d) => ({ grantedOn: d.date, amountCents: d.amountCents })),
    awards: as.map((a) => ({ awardedOn: a.date, amountCents: a.amountCents })),
  });

  it("property: the total is the parts, independent of order, and a grant is counted exactly when it is undated or not older than the window", () => {
    fc.assert(fc.property(todayArb, fc.array(grantArb, { maxLength: 8 }), fc.array(grantArb, { maxLength: 8 }), (t, ds, as) => {
      const aid = deMinimisAid(asInput(t, ds, as));
      expect(aid.earlierCents).to.equal(aid.declaredCents + aid.programmeCents);
      const shuffled = deMinimisAid(asInput(t, [...ds].reverse(), [...as].reverse()));
      expect(shuffled).to.deep.equal(aid);
      // Each grant alone: counted in full or not at all, and never counted when older than three years.
      for (const g of [...ds, ...as]) {
        const alone = deMinimisAid(asInput(t, [g], [])).earlierCents;
        const dated = g.date !== null && /^\d{4}-\d{2}-\d{2}$/.test(g.date) && !Number.isNaN(Date.parse(`${g.date}T00:00:00Z`)) &&
          new Date(`${g.date}T00:00:00Z`).toISOString().slice(0, 10) === g.date;
        if (dated && g.date! < deMinimisWindowStart(t)) expect(alone).to.equal(0);
        else expect(alone).to.equal(g.amountCents);
      }
    }));
  });

  it("property: adding a grant never lowers the total, and a later day never counts a grant that an earlier day had dropped", () => {
    fc.assert(fc.property(todayArb, fc.array(grantArb, { maxLength: 6 }), grantArb, fc.integer({ min: 0, max: 400 }), (t, ds, extra, later) => {
      const before = deMinimisAid(asInput(t, ds, [])).earlierCents;
      expect(deMinimisAid(asInput(t, [...ds, extra], [])).earlierCents).to.be.at.least(before);
      const t2 = new Date(Date.parse(`${t}T00:00:00Z`) + later * 86_400_000).toISOString().slice(0, 10);
      const dropped = (day: string) => ds.filter((d) => deMinimisAid(asInput(day, [d], [])).earlierCents === 0 && d.amountCents > 0);
      for (const d of dropped(t)) expect(dropped(t2)).to.include(d);
    }));
  });

  it("property: a programme voucher is aid exactly in the states that hold or paid out an award", () => {
    fc.assert(fc.property(fc.constantFrom(...APP_STATES), fc.integer({ min: 1, max: 1_000_000 }), (state: AppState, cents) => {
      const awards = programmeAwards([{ state, approvedCents: cents, approvedOn: null }]);
      const expected = ["approved", "accepted", "claim-submitted", "claim-rejected", "claim-verified", "paid", "closed"].includes(state);
      expect(awards.length).to.equal(expected ? 1 : 0);
    }));
  });

  it("refuses declared grant dates that would move the window: impossible, before 1990, or after today", () => {
    expect(deMinimisGrantDateProblem("2026-02-30", today)).to.match(/not a real date/);
    expect(deMinimisGrantDateProblem("0000-01-01", today)).to.match(/not a real date|before 1 January 1990/);
    expect(deMinimisGrantDateProblem("1989-12-31", today)).to.match(/the date granted 31 December 1989 is before 1 January 1990/);
    expect(deMinimisGrantDateProblem("1990-01-01", today)).to.equal(null);
    expect(deMinimisGrantDateProblem(today, today)).to.equal(null);
    expect(deMinimisGrantDateProblem("2027-03-02", today)).to.match(/in the future \(today is 1 March 2027\)/);
  });
});
