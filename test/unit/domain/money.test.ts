import { expect } from "chai";
import fc from "fast-check";
import { ValidationError } from "../../../server/errors";
import {
  DEFAULT_MAX_CENTS,
  MONEY_LOCALES,
  NBSP,
  amountInWords,
  assertCents,
  centsToDecimal,
  convertToEurCents,
  formatAmount,
  formatMoney,
  parseMoney,
  parseRate,
  sumCents,
} from "../../../server/domain/money";

describe("money: parseMoney (R1)", () => {
  const accepted: [string, number][] = [
    ["4000", 400000],
    ["4000.5", 400050],
    ["4000.50", 400050],
    ["4000,50", 400050],
    ["4,000.00", 400000],
    ["4.000,00", 400000],
    ["4 000,00", 400000],
    [`4${NBSP}000,00`, 400000],
    ["4\u202F000,00", 400000],
    ["EUR 500", 50000],
    ["eur500", 50000],
    ["€500", 50000],
    ["€ 500", 50000],
    ["500 EUR", 50000],
    ["500€", 50000],
    ["0.5", 50],
    ["0,05", 5],
    ["0.01", 1],
    ["1,234,567.89", 123456789],
    ["1.234.567,89", 123456789],
    ["1.234.567", 123456700],
    ["1,234,567", 123456700],
    ["1 234 567", 123456700],
    ["  12  ", 1200],
    ["100000000", 10000000000],
    ["100,000,000.00", 10000000000],
    ["1234.5", 123450],
  ];
  for (const [input, cents] of accepted) {
    it(`accepts ${JSON.stringify(input)} as ${cents} cents`, () => {
      expect(parseMoney(input)).to.deep.equal({ ok: true, cents });
    });
  }

  const rejected: [string, RegExp][] = [
    ["", /enter an amount/],
    ["   ", /enter an amount/],
    ["-5", /negative/],
    ["−5", /negative/],
    ["(5)", /negative/],
    ["EUR -5", /negative/],
    ["5-", /negative/],
    ["1.234", /unclear.*1234/],
    ["1,234", /unclear.*1234/],
    ["4000.505", /at most two decimals/],
    ["0.125", /at most two decimals/],
    ["1234.567", /at most two decimals/],
    ["1,234.567", /at most two decimals/],
    ["1.2345", /at most two decimals/],
    ["1e3", /exponent/],
    ["1.5E6", /exponent/],
    ["4,000,0", /thousands separator/],
    ["4.000.00", /thousands separator/],
    ["4,00,000", /thousands separator/],
    ["1.000,000.00", /thousands separator/],
    ["1,000.000,00", /thousands separator/],
    ["1,000 000.00", /thousands separator/],
    ["04,000.00", /thousands separator/],
    ["4000.", /cents after/],
    [".50", /0 before/],
    ["4..00", /could not read/],
    ["abc", /only digits/],
    ["12a", /only digits/],
    ["DKK 500", /in euros/],
    ["500 USD", /in euros/],
    ["$500", /in euros/],
    ["EUR 500 EUR", /only once/],
    ["EUR", /in figures/],
    ["0", /greater than zero/],
    ["0,00", /greater than zero/],
    ["100000000.01", /too large.*EUR 100,000,000\.00/],
    ["99999999999999999999999", /too large/],
  ];
  for (const [input, reason] of rejected) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      const r = parseMoney(input);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.reason).to.match(reason);
    });
  }

  it("accepts zero only when allowed", () => {
    expect(parseMoney("0", { allowZero: true })).to.deep.equal({ ok: true, cents: 0 });
    expect(parseMoney("0,00 EUR", { allowZero: true })).to.deep.equal({ ok: true, cents: 0 });
  });

  it("applies a custom maximum exactly at the boundary", () => {
    expect(parseMoney("500.00", { maxCents: 50000 })).to.deep.equal({ ok: true, cents: 50000 });
    const r = parseMoney("500.01", { maxCents: 50000 });
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.reason).to.contain("EUR 500.00");
  });

  it("reasons are sentences for people", () => {
    for (const input of ["", "-1", "1.234", "1e5", "x", "4,000,0", "0"]) {
      const r = parseMoney(input);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.reason).to.match(/^[A-Z"].*\.$/);
    }
  });

  it("never accepts a string with a minus sign anywhere (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: DEFAULT_MAX_CENTS }), fc.constantFrom(...MONEY_LOCALES), (c, loc) => {
        expect(parseMoney(formatMoney(-c, loc)).ok).to.equal(false);
      }),
    );
  });
});

describe("money: formatMoney, formatAmount", () => {
  it("formats each locale by its convention", () => {
    expect(formatMoney(400000)).to.equal("EUR 4,000.00");
    expect(formatMoney(400000, "en")).to.equal("EUR 4,000.00");
    expect(formatMoney(400000, "da")).to.equal("4.000,00 EUR");
    expect(formatMoney(400000, "de")).to.equal("4.000,00 EUR");
    expect(formatMoney(400000, "nl")).to.equal("EUR 4.000,00");
    expect(formatMoney(400000, "fr")).to.equal(`4${NBSP}000,00 EUR`);
    expect(formatMoney(123456789012, "en")).to.equal("EUR 1,234,567,890.12");
    expect(formatMoney(123456789012, "fr")).to.equal(`1${NBSP}234${NBSP}567${NBSP}890,12 EUR`);
  });

  it("formats small and negative amounts exactly", () => {
    expect(formatMoney(0)).to.equal("EUR 0.00");
    expect(formatMoney(1)).to.equal("EUR 0.01");
    expect(formatMoney(99999)).to.equal("EUR 999.99");
    expect(formatMoney(-50)).to.equal("-EUR 0.50");
    expect(formatMoney(-400000, "de")).to.equal("-4.000,00 EUR");
    expect(formatMoney(Number.MAX_SAFE_INTEGER)).to.equal("EUR 90,071,992,547,409.91");
  });

  it("refuses non-integer cents instead of rounding", () => {
    expect(() => formatMoney(1.5)).to.throw(TypeError);
    expect(() => formatAmount(Number.NaN)).to.throw(TypeError);
  });

  it("formatAmount is plain dot-decimal", () => {
    expect(formatAmount(123456)).to.equal("1234.56");
    expect(formatAmount(5)).to.equal("0.05");
    expect(formatAmount(0)).to.equal("0.00");
    expect(formatAmount(-5)).to.equal("-0.05");
    expect(formatAmount(-123456)).to.equal("-1234.56");
  });

  it("centsToDecimal is exact", () => {
    expect(centsToDecimal(123456789).toFixed(2)).to.equal("1234567.89");
    expect(centsToDecimal(Number.MAX_SAFE_INTEGER).toFixed(2)).to.equal("90071992547409.91");
  });

  it("parseMoney(formatMoney(x, locale)) = x for every amount and locale (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: DEFAULT_MAX_CENTS }), fc.constantFrom(...MONEY_LOCALES), (c, loc) => {
        expect(parseMoney(formatMoney(c, loc))).to.deep.equal({ ok: true, cents: c });
      }),
      { numRuns: 2000 },
    );
  });

  it("parseMoney(formatAmount(x)) = x (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: DEFAULT_MAX_CENTS }), (c) => {
        expect(parseMoney(formatAmount(c))).to.deep.equal({ ok: true, cents: c });
      }),
    );
  });

  it("round-trips the boundaries", () => {
    for (const c of [1, 99, 100, 99999, 100000, 100001, DEFAULT_MAX_CENTS]) {
      for (const loc of MONEY_LOCALES) expect(parseMoney(formatMoney(c, loc))).to.deep.equal({ ok: true, cents: c });
    }
  });
});

describe("money: sumCents, assertCents", () => {
  it("sums exactly", () => {
    expect(sumCents([])).to.equal(0);
    expect(sumCents([1, 2, -3, 400000])).to.equal(400000);
    expect(sumCents([Number.MAX_SAFE_INTEGER, 1, -2])).to.equal(Number.MAX_SAFE_INTEGER - 1);
  });

  it("throws when the sum is not a safe integer", () => {
    expect(() => sumCents([Number.MAX_SAFE_INTEGER, 1])).to.throw(RangeError);
    expect(() => sumCents([0.5])).to.throw(TypeError);
  });

  it("normalises database values", () => {
    expect(assertCents(123)).to.equal(123);
    expect(assertCents("123")).to.equal(123);
    expect(assertCents("-42")).to.equal(-42);
    expect(assertCents(" 7 ")).to.equal(7);
    expect(assertCents(5n)).to.equal(5);
    expect(Object.is(assertCents(-0), 0)).to.equal(true);
  });

  it("refuses anything that is not whole cents", () => {
    for (const bad of [1.5, "1.5", "12.00", "", "abc", null, undefined, Number.NaN, Infinity, "9007199254740992", 2 ** 53, {}]) {
      expect(() => assertCents(bad), JSON.stringify(bad)).to.throw(TypeError);
    }
  });
});

describe("money: conversion (R2)", () => {
  it("divides by the rate as published (foreign units per euro)", () => {
    // DKK 746.04 at 7.4604 DKK per EUR is exactly EUR 100.00.
    expect(convertToEurCents(74604, "7.4604")).to.equal(10000);
    // DKK 1,000.00 / 7.4604 = EUR 134.041...; multiplying by an inverted, rounded rate
    // (1,000.00 * 0.1340) would give EUR 134.00.
    expect(convertToEurCents(100000, "7.4604")).to.equal(13404);
  });

  it("rounds half up at exactly half a cent", () => {
    // 10.05 / 2 = 5.025 EUR -> 5.03
    expect(convertToEurCents(1005, "2")).to.equal(503);
    // 0.01 / 2 = 0.005 EUR -> 0.01
    expect(convertToEurCents(1, "2")).to.equal(1);
    // 1.25 / 0.4 = 3.125 EUR -> 3.13
    expect(convertToEurCents(125, "0.4")).to.equal(313);
    // 100.01 / 4 = 25.0025 EUR -> 25.00 (below half)
    expect(convertToEurCents(10001, "4")).to.equal(2500);
    // 124.99 / 40 = 3.12475 EUR -> 3.12 (below half)
    expect(convertToEurCents(12499, "40")).to.equal(312);
    // DKK 0.93 at 7.44 = EUR 0.125 -> 0.13; DKK 2.79 at 7.44 = EUR 0.375 -> 0.38
    expect(convertToEurCents(93, "7.44")).to.equal(13);
    expect(convertToEurCents(279, "7.44")).to.equal(38);
  });

  it("does not round the rate (a six-decimal rate changes the result)", () => {
    // 1,000,000.00 units at 7.460449 vs 7.4604: the sixth decimal must matter.
    expect(convertToEurCents(100_000_000, "7.4604")).to.equal(13404107);
    expect(convertToEurCents(100_000_000, "7.460449")).to.equal(13404019);
  });

  it("handles currencies without minor units", () => {
    // ISK 15,000 at 150 ISK per EUR = EUR 100.00
    expect(convertToEurCents(15000, "150", 0)).to.equal(10000);
  });

  it("accepts a comma rate and refuses bad input", () => {
    expect(convertToEurCents(74604, "7,4604")).to.equal(10000);
    expect(() => convertToEurCents(100, "0")).to.throw(ValidationError);
    expect(() => convertToEurCents(100, "-7.46")).to.throw(ValidationError);
    expect(() => convertToEurCents(-100, "7.46")).to.throw(ValidationError);
    expect(() => convertToEurCents(1.5, "7.46")).to.throw(ValidationError);
  });

  it("parseRate keeps every digit and normalises the separator", () => {
    expect(parseRate("7.4604")).to.deep.equal({ ok: true, rate: "7.4604" });
    expect(parseRate(" 7,460400 ")).to.deep.equal({ ok: true, rate: "7.460400" });
    expect(parseRate("0.85")).to.deep.equal({ ok: true, rate: "0.85" });
    expect(parseRate("007.5")).to.deep.equal({ ok: true, rate: "7.5" });
    expect(parseRate("150")).to.deep.equal({ ok: true, rate: "150" });
    for (const bad of ["", "0", "0.000000", "-1", "7.4604001", "1,234.5", "7.46e0", "abc", "1/7.46"]) {
      expect(parseRate(bad).ok, bad).to.equal(false);
    }
  });

  it("is exact for any amount and rate: result*rate is within half a cent of the original (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.integer({ min: 1, max: 999_999_999 }),
        fc.integer({ min: 0, max: 6 }),
        (orig, rateInt, decimals) => {
          const digits = String(rateInt).padStart(decimals + 1, "0");
          const rate = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
          const eur = convertToEurCents(orig, rate);
          // |eur - orig/rate| <= 0.5  <=>  |eur*rate - orig| <= rate/2, checked in exact integers.
          const scale = 10n ** BigInt(decimals);
          const lhs = BigInt(eur) * BigInt(rateInt) - BigInt(orig) * scale;
          const half = BigInt(rateInt); // rate/2 scaled by 2*scale
          expect(2n * (lhs < 0n ? -lhs : lhs) <= half).to.equal(true);
          // ... and exactly half rounds up.
          if (2n * lhs === -half) expect.fail("half rounded down");
        },
      ),
    );
  });
});

describe("money: amountInWords", () => {
  const cases: [number, string][] = [
    [400000, "four thousand euros"],
    [50050, "five hundred euros and fifty cents"],
    [700000, "seven thousand euros"],
    [100, "one euro"],
    [1, "one cent"],
    [0, "zero euros"],
    [101, "one euro and one cent"],
    [12501, "one hundred twenty-five euros and one cent"],
    [1101100, "eleven thousand eleven euros"],
    [30000000, "three hundred thousand euros"],
    [10000000000, "one hundred million euros"],
    [9999999999, "ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine euros and ninety-nine cents"],
    [200000000, "two million euros"],
    [100000100, "one million one euros"],
    [-250, "minus two euros and fifty cents"],
  ];
  for (const [cents, words] of cases) {
    it(`${cents} -> ${words}`, () => expect(amountInWords(cents)).to.equal(words));
  }
});
