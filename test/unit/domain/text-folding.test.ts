import { expect } from "chai";
import { searchKey, withoutAccents } from "../../../server/domain/text-folding";

describe("text folding (search keys)", () => {
  it("takes accents and strokes off Latin letters", () => {
    expect(withoutAccents("Ørsted Mølle Æble Straße Łódź Crème brûlée")).to.equal("Orsted Molle AEble Strasse Lodz Creme brulee");
  });

  it("makes one key of a record's names, in lower case with single spaces", () => {
    expect(searchKey("  Société   Générale ", null, "FR12345678901")).to.equal("societe generale fr12345678901");
    expect(searchKey("ØRSTED")).to.equal(searchKey("ørsted")).and.to.equal("orsted");
    expect(searchKey(undefined, "", "  ")).to.equal("");
  });

  it("leaves what is not a letter with an accent as it is", () => {
    expect(searchKey("Labor 100% Sicher_heit")).to.equal("labor 100% sicher_heit");
  });
});
