import { expect } from "chai";
import fc from "fast-check";
import { readableUrlEncoded } from "../../../server/web/input";

describe("urlencoded text must be percent-encoded UTF-8", () => {
  it("accepts what browsers send: escapes of UTF-8, plus for space, plain ASCII", () => {
    for (const text of ["title=AA&text=Because", "q=%C3%86r%C3%B8+100%25", "emoji=%F0%9F%98%80", "a=&b=", "", "x=%E2%80%93"]) {
      expect(readableUrlEncoded(text), text).to.equal(true);
    }
  });

  it("refuses lone surrogates, truncated and invalid sequences, stray bytes and broken escapes, in keys as in values", () => {
    for (const text of ["title=AA%ED%A0%80", "title=AA%C3%28", "title=AA%FF", "title=%E2%82", "t=%C0%AF", "t=100%", "t=%zz", "t=%4", "AA%FF=x", "a=1&b%ED%B0%80=2"]) {
      expect(readableUrlEncoded(text), text).to.equal(false);
    }
  });

  it("accepts every text a browser encodes", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (k, v) => {
      expect(readableUrlEncoded(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).to.equal(true);
    }));
  });
});
