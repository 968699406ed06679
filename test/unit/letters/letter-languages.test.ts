import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { amountInWords } from "../../../server/domain/money";
import { type AwardLetterData, renderAwardLetter, renderReferenceLetter, sha256Hex } from "../../../server/letters/award-letter";

/** The facts of one letter; only the language changes between the renderings below. */
function letterData(language: AwardLetterData["language"]): AwardLetterData {
  return {
    language,
    reference: "IN2LS-2026-DK-IN-0007",
    issuedAt: "2026-11-23T09:00:00Z",
    partner: { name: "BioPeople", addressLines: ["Ole Maaløes Vej 3", "2200 København N"], regionName: "Capital Region of Denmark", country: "Danmark" },
    company: { legalName: "Nordic Enzyme Labs ApS", addressLines: ["Fruebjergvej 3", "2100 København Ø"], vatNumber: "DK12345678" },
    voucherType: { code: "IN", name: "Insight", paymentBasis: "lump-sum" },
    amountCents: 425_050,
    title: "Market study for a veterinary probiotic",
    purpose: "Two days with a market expert to size the German market for our probiotic for piglets.",
    counterpart: { name: "Stern Market Insight GmbH", regionName: "Stuttgart and Neckar-Alb", country: "Tyskland" },
    activityStart: "2026-12-01",
    activityEnd: "2027-02-26",
    approvedOn: "2026-11-23",
    completionDeadline: "2027-05-22",
    claimDeadline: "2027-06-21",
    deMinimis: { declaredLastThreeYearsCents: 1_250_000, earlierProgrammeAwardsCents: 0, ceilingCents: 30_000_000 },
    signatory: { name: "Lars Kjærgaard", title: "Klyngeleder" },
    timeZone: "Europe/Copenhagen",
  };
}

/** What each language's letter must say: its headings, the amount in words, the regulation and a date in words. */
const EXPECTED = {
  en: { headings: ["Award of innovation voucher", "Purpose", "Conditions", "De minimis aid", "Payment", "Acceptance"],
    amount: "EUR 4,250.50", words: "four thousand two hundred fifty euros and fifty cents",
    regulation: "Commission Regulation (EU) 2023/2831 of 13 December 2023", date: "23 November 2026" },
  da: { headings: ["Tilsagn om innovationsvoucher", "Formål", "Vilkår", "De minimis-støtte", "Udbetaling", "Accept"],
    amount: "4.250,50 EUR", words: "firetusind tohundrede og halvtreds euro og halvtreds cent",
    regulation: "Kommissionens forordning (EU) 2023/2831 af 13. december 2023", date: "23. november 2026" },
  de: { headings: ["Bewilligung des Innovationsgutscheins", "Gegenstand", "Bedingungen", "De-minimis-Beihilfe", "Auszahlung", "Annahme"],
    amount: "4.250,50 EUR", words: "viertausendzweihundertfünfzig Euro und fünfzig Cent",
    regulation: "Verordnung (EU) 2023/2831 der Kommission vom 13. Dezember 2023", date: "23. November 2026" },
  fr: { headings: ["Attribution du chèque innovation", "Objet", "Conditions", "Aide de minimis", "Paiement", "Acceptation"],
    amount: "4 250,50 EUR", words: "quatre mille deux cent cinquante euros et cinquante centimes",
    regulation: "règlement (UE) 2023/2831 de la Commission du 13 décembre 2023", date: "23 novembre 2026" },
  nl: { headings: ["Toekenning van innovatievoucher", "Doel", "Voorwaarden", "De-minimissteun", "Betaling", "Aanvaarding"],
    amount: "EUR 4.250,50", words: "vierduizend tweehonderdvijftig euro en vijftig cent",
    regulation: "Verordening (EU) 2023/2831 van de Commissie van 13 december 2023", date: "23 november 2026" },
} as const;

describe("award letter in each language (R13)", function () {
  this.timeout(60000);
  let tmp: string;
  before(() => { tmp = mkdtempSync(path.join(os.tmpdir(), "letter-languages-")); });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** pdftotext output with all white space collapsed to single spaces. */
  const pdfText = (name: string, pdf: Buffer): string => {
    const file = path.join(tmp, name);
    writeFileSync(file, pdf);
    return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
  };

  for (const [language, expected] of Object.entries(EXPECTED) as [keyof typeof EXPECTED, (typeof EXPECTED)[keyof typeof EXPECTED]][]) {
    it(`${language}: translated headings, the amount in figures and in words, the regulation, dates in words; the same bytes every time`, async () => {
      const pdf = await renderAwardLetter(letterData(language));
      const text = pdfText(`${language}.pdf`, pdf);
      for (const heading of expected.headings) expect(text, heading).to.include(heading);
      expect(text).to.include(expected.amount);
      expect(text).to.include(expected.words);
      expect(text).to.include(amountInWords(425_050, language));
      expect(text).to.include(expected.regulation);
      expect(text).to.include(expected.date);
      const again = await renderAwardLetter(letterData(language));
      expect(sha256Hex(again)).to.equal(sha256Hex(pdf));
    });
  }

  it("gives each language different bytes", async () => {
    const hashes = await Promise.all((Object.keys(EXPECTED) as (keyof typeof EXPECTED)[]).map(async (l) => sha256Hex(await renderAwardLetter(letterData(l)))));
    expect(new Set(hashes).size).to.equal(5);
  });

  it("the English reference rendering of a Danish letter says on its face and on every page that it is not the issued letter", async () => {
    const issued = await renderAwardLetter(letterData("da"));
    const reference = await renderReferenceLetter(letterData("da"));
    expect(sha256Hex(reference)).not.to.equal(sha256Hex(issued));
    const text = pdfText("reference.pdf", reference);
    expect(text).to.include("REFERENCE RENDERING IN ENGLISH, NOT THE ISSUED AWARD LETTER");
    expect(text).to.include("was issued in Danish");
    expect(text).to.include("Reference rendering, not the issued letter");
    expect(text).to.include("Award of innovation voucher").and.to.include("four thousand two hundred fifty euros and fifty cents");
  });
});

describe("amount in words (n2words for da, de, fr, nl)", () => {
  it("agrees one euro and one cent in gender and number", () => {
    expect(amountInWords(101, "da")).to.equal("en euro og en cent");
    expect(amountInWords(101, "de")).to.equal("ein Euro und ein Cent");
    expect(amountInWords(101, "fr")).to.equal("un euro et un centime");
    expect(amountInWords(200, "fr")).to.equal("deux euros");
    expect(amountInWords(400_000, "nl")).to.equal("vierduizend euro");
    expect(amountInWords(400_000, "en")).to.equal("four thousand euros");
  });

  it("writes a Danish amount group by group, with \"og\" only before a last part under a hundred", () => {
    expect(amountInWords(1_250_000, "da")).to.equal("tolvtusind femhundrede euro");
    expect(amountInWords(425_050, "da")).to.equal("firetusind tohundrede og halvtreds euro og halvtreds cent");
    expect(amountInWords(100_100, "da")).to.equal("ettusind og en euro");
    expect(amountInWords(15_000_000, "da")).to.equal("ethundrede og halvtredstusind euro");
    expect(amountInWords(700_000, "da")).to.equal("syvtusind euro");
    expect(amountInWords(99_900, "da")).to.equal("nihundrede og nioghalvfems euro");
  });
});
