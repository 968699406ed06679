import { expect } from "chai";
import fc from "fast-check";
import { downloadFileName, storedFileName } from "../../../server/domain/file-names";

const PDF = "application/pdf";

describe("names of uploaded files", () => {
  describe("the stored name", () => {
    it("keeps an ordinary name as it is", () => {
      expect(storedFileName("offer.pdf", PDF)).to.equal("offer.pdf");
      expect(storedFileName("Tilbud fra Ørsted (2).pdf", PDF)).to.equal("Tilbud fra Ørsted (2).pdf");
      expect(storedFileName("見積書.pdf", PDF)).to.equal("見積書.pdf");
    });

    it("drops a right-to-left override, so the name shows what it is", () => {
      expect(storedFileName("invoice\u202Efdp.exe", PDF)).to.equal("invoicefdp.exe");
    });

    it("drops every bidi mark, embedding, override and isolate", () => {
      const bidi = ["\u061C", "\u200E", "\u200F", "\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"];
      for (const c of bidi) expect(storedFileName(`a${c}b.pdf`, PDF), `U+${c.codePointAt(0)!.toString(16)}`).to.equal("ab.pdf");
    });

    it("drops C0 and C1 controls, DEL, zero-width and other format characters and line separators", () => {
      expect(storedFileName("a\u0000b\u0007c\td\ne\rf\u001Fg\u007Fh\u0085i\u009Bj.pdf", PDF)).to.equal("abcdefghij.pdf");
      expect(storedFileName("\uFEFFre\u200Bpo\u200Drt\u00AD\u2060.pdf", PDF)).to.equal("report.pdf");
      expect(storedFileName("two\u2028lines\u2029.pdf", PDF)).to.equal("twolines.pdf");
      expect(storedFileName("lone\uD800surrogate.pdf", PDF)).to.equal("lonesurrogate.pdf");
    });

    it("composes accents (NFC) and trims spaces, also those left by removed characters", () => {
      expect(storedFileName("cafe\u0301.pdf", PDF)).to.equal("caf\u00E9.pdf");
      expect(storedFileName("  \u202E report.pdf \u0000 ", PDF)).to.equal("report.pdf");
    });

    it("keeps 255 characters at most, cut before the extension so the extension survives", () => {
      const long = storedFileName(`${"a".repeat(300)}.pdf`, PDF);
      expect(long).to.equal(`${"a".repeat(251)}.pdf`);
      expect(storedFileName(`${"a".repeat(251)}.pdf`, PDF)).to.equal(`${"a".repeat(251)}.pdf`);
      expect(storedFileName(`${"a".repeat(252)}.pdf`, PDF)).to.equal(`${"a".repeat(251)}.pdf`);
      expect(storedFileName(`${"a".repeat(249)} ${"b".repeat(10)}.jpeg`, "image/jpeg")).to.equal(`${"a".repeat(249)}.jpeg`);
      expect(storedFileName(`${"a".repeat(249)}.${"b".repeat(10)} c.jpeg`, "image/jpeg")).to.equal(`${"a".repeat(249)}.jpeg`);
    });

    it("counts characters, not UTF-16 units, and does not split one", () => {
      const emoji = "😀".repeat(300);
      expect(storedFileName(`${emoji}.png`, "image/png")).to.equal(`${"😀".repeat(251)}.png`);
      const flags = "🇩🇰".repeat(200);
      expect(storedFileName(`${flags}.pdf`, PDF)).to.equal(`${"🇩🇰".repeat(125)}.pdf`);
    });

    it("cuts from the end when the name has no extension to keep", () => {
      expect(storedFileName("x".repeat(300), PDF)).to.equal("x".repeat(255));
      expect(storedFileName(`report.${"x".repeat(300)}`, PDF)).to.equal(`report.${"x".repeat(248)}`);
    });

    it("falls back to a neutral name with the extension of the detected type when nothing is left", () => {
      expect(storedFileName("", PDF)).to.equal("file.pdf");
      expect(storedFileName("\u202E\u200B \u0000", "image/png")).to.equal("file.png");
      expect(storedFileName("..", "image/jpeg")).to.equal("file.jpg");
      expect(storedFileName("   ", "application/octet-stream")).to.equal("file");
    });

    it("always gives a clean, short, non-empty name, and cleaning it again changes nothing", () => {
      const names = fc.oneof(
        fc.string({ unit: "binary", maxLength: 400 }),
        fc.tuple(fc.string({ unit: "grapheme", maxLength: 300 }), fc.constantFrom(".pdf", ".png", ".jpg", "")).map(([a, b]) => a + b),
      );
      fc.assert(fc.property(names, fc.constantFrom(PDF, "image/png", "image/jpeg"), (given, mime) => {
        const name = storedFileName(given, mime);
        expect([...name].length).to.be.within(1, 255);
        expect(name).not.to.match(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u);
        expect(name).to.equal(name.normalize("NFC")).and.to.equal(name.trim());
        expect(storedFileName(name, mime)).to.equal(name);
      }));
    });
  });

  describe("the download name", () => {
    it("keeps a name whose extension agrees with the stored type, in any case", () => {
      expect(downloadFileName("offer.pdf", PDF)).to.equal("offer.pdf");
      expect(downloadFileName("SCAN.JPG", "image/jpeg")).to.equal("SCAN.JPG");
      expect(downloadFileName("photo.jpeg", "image/jpeg")).to.equal("photo.jpeg");
    });

    it("adds the stored type's extension when the name claims another or none", () => {
      expect(downloadFileName("report.html", PDF)).to.equal("report.html.pdf");
      expect(downloadFileName("invoicefdp.exe", PDF)).to.equal("invoicefdp.exe.pdf");
      expect(downloadFileName("photo.jpg", "image/png")).to.equal("photo.jpg.png");
      expect(downloadFileName("scan", "image/jpeg")).to.equal("scan.jpg");
    });

    it("cleans a name stored before names were cleaned", () => {
      expect(downloadFileName("invoice\u202Efdp.exe", PDF)).to.equal("invoicefdp.exe.pdf");
      expect(downloadFileName("", PDF)).to.equal("file.pdf");
    });

    it("stays within 255 characters when it adds an extension", () => {
      expect(downloadFileName(`${"a".repeat(246)}.html`, PDF)).to.equal(`${"a".repeat(246)}.html.pdf`);
      expect(downloadFileName(`${"a".repeat(250)}.html`, PDF)).to.equal(`${"a".repeat(250)}.pdf`);
    });

    it("always ends in an extension of the stored type, within 255 characters", () => {
      const ends = { [PDF]: /\.pdf$/i, "image/png": /\.png$/i, "image/jpeg": /\.jpe?g$/i };
      fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 400 }), fc.constantFrom(PDF, "image/png", "image/jpeg"), (stored, mime) => {
        const name = downloadFileName(stored, mime);
        expect([...name].length).to.be.at.most(255);
        expect(name).to.match(ends[mime]);
      }));
    });

    it("leaves the name of a type it has no extension for as stored", () => {
      expect(downloadFileName("data.bin", "application/octet-stream")).to.equal("data.bin");
    });
  });
});
