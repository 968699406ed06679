import { expect } from "chai";
import fc from "fast-check";
import { APP_STATES } from "../../../server/domain/lifecycle";
import {
  approvalRate, percentOf, percentileFromHistogram, publishAmount, resultStateOf, serviceLevel, statesOf, suppressSmallGroups, RESULT_STATES,
} from "../../../server/domain/results";

describe("results: reporting states", () => {
  it("leaves drafts out and groups every other state", () => {
    expect(resultStateOf("draft")).to.equal(null);
    expect(resultStateOf("reserve-listed")).to.equal("applied");
    expect(resultStateOf("claim-verified")).to.equal("approved");
    expect(resultStateOf("closed")).to.equal("paid");
    expect(resultStateOf("cancelled")).to.equal("withdrawn");
    expect(resultStateOf("expired")).to.equal("expired");
    expect(resultStateOf("rejected")).to.equal("rejected");
  });
  it("puts each state in at most one group", () => {
    const grouped = RESULT_STATES.flatMap((g) => statesOf(g, APP_STATES));
    expect(grouped.length).to.equal(new Set(grouped).size);
    expect(grouped.length).to.equal(APP_STATES.length - 1);
  });
});

describe("results: approval rate", () => {
  it("is null when nothing was decided", () => expect(approvalRate(0, 0)).to.equal(null));
  it("rounds half up to one decimal", () => {
    expect(approvalRate(2, 1)).to.equal("66.7");
    expect(approvalRate(1, 2)).to.equal("33.3");
    // 1/8 = 12.5 exactly; 1/16 = 6.25 -> 6.3 (half up)
    expect(approvalRate(1, 15)).to.equal("6.3");
    expect(approvalRate(5, 0)).to.equal("100.0");
    expect(approvalRate(0, 4)).to.equal("0.0");
  });
  it("percentOf is null for a zero whole", () => {
    expect(percentOf(3, 0)).to.equal(null);
    expect(percentOf(67, 67)).to.equal("100.0");
  });
});

describe("results: percentiles from day histograms", () => {
  it("uses the nearest rank", () => {
    const h = [{ days: 1, count: 1 }, { days: 2, count: 1 }, { days: 3, count: 1 }, { days: 4, count: 1 }];
    expect(percentileFromHistogram(h, 50)).to.equal(2);
    expect(percentileFromHistogram(h, 90)).to.equal(4);
    expect(percentileFromHistogram(h, 25)).to.equal(1);
    expect(percentileFromHistogram(h, 26)).to.equal(2);
  });
  it("handles unsorted buckets, zero counts and a single value", () => {
    expect(percentileFromHistogram([{ days: 9, count: 0 }, { days: 5, count: 3 }, { days: 2, count: 7 }], 90)).to.equal(5);
    expect(percentileFromHistogram([{ days: 12, count: 1 }], 50)).to.equal(12);
    expect(percentileFromHistogram([], 50)).to.equal(null);
  });
  it("at 10 observations the 90th percentile is the 9th smallest", () => {
    const h = [{ days: 1, count: 9 }, { days: 100, count: 1 }];
    expect(percentileFromHistogram(h, 90)).to.equal(1);
    expect(percentileFromHistogram(h, 91)).to.equal(100);
  });
  it("refuses a percentile outside (0, 100]", () => {
    expect(() => percentileFromHistogram([{ days: 1, count: 1 }], 0)).to.throw(RangeError);
    expect(() => percentileFromHistogram([{ days: 1, count: 1 }], 101)).to.throw(RangeError);
  });
  it("agrees with sorting the expanded values (property)", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (values, p) => {
      const counts = new Map<number, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      const h = [...counts].map(([days, count]) => ({ days, count }));
      const sorted = [...values].sort((a, b) => a - b);
      const expected = sorted[Math.ceil((p / 100) * sorted.length) - 1];
      expect(percentileFromHistogram(h, p)).to.equal(expected);
    }));
  });
  it("service level counts, median and 90th percentile", () => {
    expect(serviceLevel([{ days: 3, count: 5 }, { days: 10, count: 5 }])).to.deep.equal({ count: 10, median: 3, p90: 10 });
    expect(serviceLevel([])).to.deep.equal({ count: 0, median: null, p90: null });
  });
});

describe("results: small groups on the public page", () => {
  it("withholds counts of 1 and 2 but shows 0 and 3", () => {
    expect(suppressSmallGroups([0, 1, 2, 3, 10, 5], 3, false)).to.deep.equal([0, null, null, 3, 10, 5]);
  });
  it("withholds a second cell when one withheld cell would follow from the total", () => {
    expect(suppressSmallGroups([2, 7, 4, 0])).to.deep.equal([null, 7, null, 0]);
    expect(suppressSmallGroups([2, 7, 4, 0], 3, false)).to.deep.equal([null, 7, 4, 0]);
  });
  it("never leaves exactly one withheld cell next to a published total (property)", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 12 }), (counts) => {
      const out = suppressSmallGroups(counts);
      const hidden = out.filter((c) => c === null).length;
      const visibleNonZero = out.filter((c) => c !== null && c > 0).length;
      expect(hidden !== 1 || visibleNonZero === 0).to.equal(true);
      out.forEach((c, i) => { if (c !== null) expect(c === 0 || c >= 3).to.equal(true); else expect(counts[i]).to.be.greaterThan(0); });
    }));
  });
  it("publishes an amount only over the minimum group", () => {
    expect(publishAmount(700_000, 2)).to.equal(null);
    expect(publishAmount(700_000, 3)).to.equal(700_000);
  });
});
