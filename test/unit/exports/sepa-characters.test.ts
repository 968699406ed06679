import { expect } from "chai";
import fc from "fast-check";
import { sepaCharactersRefused, toSepaText } from "../../../server/exports/sepa";
import { ValidationError } from "../../../server/errors";

describe("the SEPA character rule, as the forms ask it", () => {
  it("names each character a SEPA transfer cannot carry once, in order", () => {
    expect(sepaCharactersRefused("Lund <Bio> 😀 ApS <")).to.deep.equal(["<", ">", "😀"]);
    expect(sepaCharactersRefused("株式会社")).to.deep.equal(["株", "式", "会", "社"]);
    expect(sepaCharactersRefused("a@b #1")).to.deep.equal(["@", "#"]);
  });

  it("refuses nothing the SEPA writer transliterates: accents, ø, ß, &, quotes, dashes", () => {
    expect(sepaCharactersRefused("Søren Ø. Łukasz Groß & Ærø – «Lyon» l’été")).to.deep.equal([]);
    expect(sepaCharactersRefused("")).to.deep.equal([]);
  });

  it("agrees with toSepaText: it refuses a text exactly when characters are named", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 20 }), (s) => {
      let thrown = false;
      try {
        toSepaText(s, "name");
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        thrown = true;
      }
      expect(thrown).to.equal(sepaCharactersRefused(s).length > 0);
    }));
  });
});
