import { expect } from "chai";
import fc from "fast-check";
import { isPlainEmailAddress, looksLikeDisplayName, MAX_EMAIL_LENGTH, normaliseVatNumber } from "../../../server/domain/accounts";

describe("e-mail addresses: a plain addr-spec only", () => {
  it("accepts ordinary addresses, an apostrophe, plus and dots in the local part, sub-domains and punycode", () => {
    for (const address of ["name@example.com", "o'brien@example.com", "first.last+tag@mail.example.co.uk", "a@b.dk", "x_y-z@xn--rsted-uua.dk", "o'brien&co@example.com"]) {
      expect(isPlainEmailAddress(address), address).to.equal(true);
    }
  });

  it("refuses a display name, angle brackets, comments, quotes and whitespace: what a mailer reads as another address", () => {
    for (const address of ["\"boss\"<me@evil.test>", "boss<me@evil.test>", "<me@evil.test>", "x(comment)@evil.test", "me@evil.test(comment)",
      "o'brien&co<b>@example.com", "\"quoted\"@example.com", "a b@example.com", "a@example.com ", "a\t@example.com", "me@evil.test, you@evil.test"]) {
      expect(isPlainEmailAddress(address), address).to.equal(false);
    }
  });

  it("refuses a domain without a dot, empty parts, doubled or edge dots and an at sign too many", () => {
    for (const address of ["me@evil", "@example.com", "me@", "me@@example.com", "a@b@example.com", ".me@example.com", "me.@example.com", "m..e@example.com",
      "me@example..com", "me@-example.com", "me@example-.com", "me@example.c", "me@example.123", "mé@example.com", "me@exämple.com"]) {
      expect(isPlainEmailAddress(address), address).to.equal(false);
    }
  });

  it("bounds the local part at 64 and the whole address at 254 characters", () => {
    expect(isPlainEmailAddress(`${"a".repeat(64)}@example.com`)).to.equal(true);
    expect(isPlainEmailAddress(`${"a".repeat(65)}@example.com`)).to.equal(false);
    const domain = `${"d".repeat(63)}.${"e".repeat(63)}.${"f".repeat(63)}.com`;
    const longest = `${"a".repeat(MAX_EMAIL_LENGTH - domain.length - 1)}@${domain}`;
    expect(longest.length).to.equal(254);
    expect(isPlainEmailAddress(longest)).to.equal(true);
    expect(isPlainEmailAddress(`a${longest}`)).to.equal(false);
  });

  it("never accepts an address holding a character that delimits addresses in a header", () => {
    fc.assert(fc.property(fc.string(), fc.constantFrom("<", ">", "\"", "(", ")", " ", ",", ";", ":", "\\", "[", "]", "\n"), fc.string(), (a, c, b) => {
      expect(isPlainEmailAddress(`${a}${c}${b}@example.com`)).to.equal(false);
    }));
  });

  it("tells a name-and-address from a typing mistake", () => {
    expect(looksLikeDisplayName("Boss <me@evil.test>")).to.equal(true);
    expect(looksLikeDisplayName("x(comment)@evil.test")).to.equal(true);
    expect(looksLikeDisplayName("me@evil")).to.equal(false);
  });
});

describe("VAT numbers: one spelling per number", () => {
  it("upper-cases and drops spaces, dots and dashes", () => {
    expect(normaliseVatNumber("dk 1234 5678")).to.equal("DK12345678");
    expect(normaliseVatNumber("DK-12.34.56.78")).to.equal("DK12345678");
    expect(normaliseVatNumber(" nl001234567b01\u00a0")).to.equal("NL001234567B01");
    expect(normaliseVatNumber("CHE-123.456.789 MWST")).to.equal("CHE123456789MWST");
    expect(normaliseVatNumber("DK12345678")).to.equal("DK12345678");
  });

  it("is idempotent and keeps letters and digits in their order", () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const once = normaliseVatNumber(s);
      expect(normaliseVatNumber(once)).to.equal(once);
      expect(once).to.not.match(/[\s.-]/);
    }));
  });
});
