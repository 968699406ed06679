import { expect } from "chai";
import fc from "fast-check";
import { type CeilingState, emptyCeiling } from "../../../server/domain/budget";
import { handoverTarget } from "../../../server/domain/conflict-handover";
import { earliestFitting, fitsBudget, inSubmissionOrder, type ReserveEntry, skippedByApproval } from "../../../server/domain/reserve-list";
import { defined } from "../../support/defined";

const ceiling = (key: string, ceilingCents: number, committedCents = 0): CeilingState => ({ ...emptyCeiling(key, key, ceilingCents), committedCents });
const entry = (id: number, submittedAt: string | null, amountCents: number, ceilingKeys = ["total"]): ReserveEntry => ({ id, submittedAt, amountCents, ceilingKeys });

describe("reserve list (R4)", () => {
  const ceilings = [ceiling("total", 1_000_000, 600_000), ceiling("type:CO", 700_000, 0)];
  const early = entry(1, "2027-02-10T10:00:00.000Z", 700_000, ["total", "type:CO"]); // does not fit: 400,000 left in total
  const middle = entry(2, "2027-02-11T10:00:00.000Z", 400_000);
  const late = entry(3, "2027-02-12T10:00:00.000Z", 50_000);

  it("orders by submission, id breaking ties, unknown moments last", () => {
    const tie = entry(9, "2027-02-11T10:00:00.000Z", 1);
    const undated = entry(0, null, 1);
    expect(inSubmissionOrder([late, undated, tie, middle, early]).map((e) => e.id)).to.deep.equal([1, 2, 9, 3, 0]);
  });

  it("fits when every ceiling it falls under has room, exactly to the cent", () => {
    expect(fitsBudget(middle, ceilings)).to.equal(true);
    expect(fitsBudget({ ...middle, amountCents: 400_001 }, ceilings)).to.equal(false);
    expect(fitsBudget(entry(4, null, 500_000, ["type:CO"]), ceilings)).to.equal(true);
    expect(fitsBudget(early, ceilings)).to.equal(false);
  });

  it("offers the earliest application that fits, not the earliest on the list", () => {
    expect(earliestFitting([late, early, middle], ceilings)?.id).to.equal(2);
    expect(earliestFitting([early], ceilings)).to.equal(null);
  });

  it("approving a later application while an earlier one fits skips it; approving the earliest that fits skips none", () => {
    expect(skippedByApproval(late, [early, middle, late], ceilings)?.id).to.equal(2);
    expect(skippedByApproval(middle, [early, middle, late], ceilings)).to.equal(null);
    // An application not on the list (just submitted) is compared by its submission moment too.
    expect(skippedByApproval({ id: 7, submittedAt: "2027-02-20T09:00:00.000Z" }, [early, middle], ceilings)?.id).to.equal(2);
    expect(skippedByApproval({ id: 7, submittedAt: "2027-02-09T09:00:00.000Z" }, [early, middle], ceilings)).to.equal(null);
  });

  it("property: the skipped application is earlier than the candidate, fits, and no earlier one fits", () => {
    const entryArb = fc.record({
      id: fc.integer({ min: 1, max: 40 }),
      submittedAt: fc.option(fc.integer({ min: 0, max: 20 }).map((d) => new Date(Date.UTC(2027, 1, 1) + d * 3_600_000).toISOString()), { nil: null }),
      amountCents: fc.integer({ min: 1, max: 500_000 }),
      ceilingKeys: fc.constantFrom(["total"], ["total", "type:MG"], ["total", "partner:1"]),
    });
    const ceilingsArb = fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 0, max: 600_000 }))
      .map(([t, mg, p]) => [ceiling("total", t), ceiling("type:MG", mg), ceiling("partner:1", p)]);
    fc.assert(fc.property(fc.uniqueArray(entryArb, { selector: (e) => e.id, maxLength: 10 }), ceilingsArb, fc.nat(), (list, cs, pick) => {
      fc.pre(list.length > 0);
      const candidate = defined(list[pick % list.length], "candidate");
      const skipped = skippedByApproval(candidate, list, cs);
      const ordered = inSubmissionOrder(list);
      const before = ordered.slice(0, ordered.indexOf(candidate));
      if (skipped === null) {
        expect(before.some((e) => fitsBudget(e, cs))).to.equal(false);
      } else {
        expect(before).to.include(skipped);
        expect(fitsBudget(skipped, cs)).to.equal(true);
        expect(before.slice(0, before.indexOf(skipped)).some((e) => fitsBudget(e, cs))).to.equal(false);
      }
      const offered = earliestFitting(list, cs);
      // The offered application never needs a reason.
      if (offered) expect(skippedByApproval(offered, list, cs)).to.equal(null);
    }));
  });
});

describe("conflict of interest hand-over (R10)", () => {
  const people = [
    { id: 5, role: "manager", partnerId: 1, active: true, conflicted: true },
    { id: 9, role: "manager", partnerId: 2, active: true, conflicted: false },
    { id: 7, role: "manager", partnerId: 1, active: false, conflicted: false },
    { id: 8, role: "manager", partnerId: 1, active: true, conflicted: false },
    { id: 6, role: "manager", partnerId: 1, active: true, conflicted: false },
    { id: 3, role: "admin", partnerId: null, active: true, conflicted: false },
    { id: 2, role: "finance", partnerId: null, active: true, conflicted: false },
  ];

  it("goes to the earliest other active manager of the same partner", () => {
    expect(handoverTarget(people, { partnerId: 1 }, 5)?.id).to.equal(6);
  });

  it("goes to an administrator when the partner has no other manager free, never to another region's manager", () => {
    expect(handoverTarget(people.filter((p) => ![6, 8].includes(p.id)), { partnerId: 1 }, 5)?.id).to.equal(3);
    expect(handoverTarget(people.filter((p) => p.role !== "admin" && ![6, 8].includes(p.id)), { partnerId: 1 }, 5)).to.equal(null);
  });

  it("property: the target is never the declarer, never conflicted or inactive, and a manager only of the application's partner", () => {
    const personArb = fc.record({
      id: fc.integer({ min: 1, max: 30 }), role: fc.constantFrom("manager", "admin", "finance", "applicant"),
      partnerId: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }), active: fc.boolean(), conflicted: fc.boolean(),
    });
    fc.assert(fc.property(fc.uniqueArray(personArb, { selector: (p) => p.id, maxLength: 12 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 30 }), (ps, partnerId, declaredBy) => {
      const t = handoverTarget(ps, { partnerId }, declaredBy);
      if (t === null) {
        expect(ps.some((p) => p.active && !p.conflicted && p.id !== declaredBy && (p.role === "admin" || (p.role === "manager" && p.partnerId === partnerId)))).to.equal(false);
        return;
      }
      expect(t.id).to.not.equal(declaredBy);
      expect(t.active && !t.conflicted).to.equal(true);
      expect(t.role === "admin" || (t.role === "manager" && t.partnerId === partnerId)).to.equal(true);
      if (t.role === "admin") expect(ps.some((p) => p.role === "manager" && p.partnerId === partnerId && p.active && !p.conflicted && p.id !== declaredBy)).to.equal(false);
    }));
  });
});
