import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { RuleViolationError, ValidationError } from "../../../server/errors";
import { renderText } from "../../../server/i18n/messages";
import {
  type AwardLetterData,
  LETTER_LANGUAGES,
  letterReference,
  renderAwardLetter,
  renderAwardLetterInWorker,
  renderAwardLetterMarkup,
  sha256Hex,
} from "../../../server/letters/award-letter";
import { unmark } from "../../../server/letters/letter-markup";
import { defined } from "../../support/defined";
import { rejection } from "../../support/rejects";

const COMPANY = "Łódź Bioteknik Ørsted Großmann Café ApS";

function letterData(overrides: Partial<AwardLetterData> = {}): AwardLetterData {
  return {
    language: "en",
    reference: "IN2LS-2026-DK-IN-0007",
    issuedAt: "2026-11-22T23:30:00Z", // 23 November in Copenhagen, still the 22nd in UTC
    partner: {
      name: "BioPeople",
      addressLines: ["Ole Maaløes Vej 3", "DK-2200 Copenhagen N", "Denmark"],
      regionName: "Capital Region of Denmark",
      country: "Denmark",
    },
    company: { legalName: COMPANY, addressLines: ["Strandvejen 12", "2900 Hellerup", "Denmark"], vatNumber: "DK12345678" },
    voucherType: { code: "IN", name: "Insight", paymentBasis: "lump-sum" },
    amountCents: 400_000,
    title: "Market study for a veterinary probiotic",
    purpose: "Two days with a market expert to size the German market for our probiotic for piglets.",
    counterpart: { name: "Stern Market Insight GmbH", regionName: "Stuttgart and Neckar-Alb", country: "Germany" },
    activityStart: "2026-12-01",
    activityEnd: "2027-02-26",
    approvedOn: "2026-11-23",
    completionDeadline: "2027-05-22",
    claimDeadline: "2027-06-21",
    deMinimis: { declaredLastThreeYearsCents: 1_250_000, earlierProgrammeAwardsCents: 0, ceilingCents: 30_000_000 },
    signatory: { name: "Mette Kjær Sørensen", title: "Cluster Manager" },
    timeZone: "Europe/Copenhagen",
    ...overrides,
  };
}

let tmp: string;

function writePdf(name: string, pdf: Buffer): string {
  const file = path.join(tmp, name);
  writeFileSync(file, pdf);
  return file;
}

/** pdftotext output with all white space (line breaks, no-break spaces) collapsed to single spaces. */
function text(file: string, page?: number): string {
  const range = page === undefined ? [] : ["-f", String(page), "-l", String(page)];
  return execFileSync("pdftotext", ["-layout", ...range, file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
}

function pdfinfo(file: string, ...args: string[]): string {
  return execFileSync("pdfinfo", [...args, file], { encoding: "utf8" });
}

function pageCount(file: string): number {
  const m = /^Pages:\s+(\d+)$/m.exec(pdfinfo(file));
  if (!m) throw new Error("pdfinfo printed no page count");
  return Number(m[1]);
}

describe("award letter (R13)", () => {
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), "award-letter-"));
  });
  after(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  describe("letterReference", () => {
    it("joins the parts and zero-pads the sequence to four digits", () => {
      expect(letterReference({ programme: "IN2LS", year: 2026, regionCode: "DK", typeCode: "MG", sequence: 7 })).to.equal(
        "IN2LS-2026-DK-MG-0007",
      );
      expect(letterReference({ programme: "IN2LS", year: 2026, regionCode: "NL", typeCode: "CO", sequence: 12345 })).to.equal(
        "IN2LS-2026-NL-CO-12345",
      );
    });

    it("refuses parts that would make an ambiguous reference", () => {
      expect(() => letterReference({ programme: "IN2LS", year: 2026, regionCode: "D-K", typeCode: "MG", sequence: 1 })).to.throw(
        ValidationError,
      );
      expect(() => letterReference({ programme: "IN2LS", year: 2026, regionCode: "DK", typeCode: "MG", sequence: 0 })).to.throw(
        ValidationError,
      );
      expect(() => letterReference({ programme: "IN2LS", year: 26, regionCode: "DK", typeCode: "MG", sequence: 1 })).to.throw(
        ValidationError,
      );
    });
  });

  describe("sha256Hex", () => {
    it("is the SHA-256 of the bytes", () => {
      expect(sha256Hex(Buffer.from("abc"))).to.equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    });
  });

  describe("the rendered PDF", () => {
    let pdf: Buffer;
    let file: string;
    let all: string;

    before(async () => {
      pdf = await renderAwardLetter(letterData());
      file = writePdf("letter.pdf", pdf);
      all = text(file);
    });

    it("is a valid PDF (qpdf --check)", () => {
      const r = spawnSync("qpdf", ["--check", file], { encoding: "utf8" });
      expect(r.status, r.stdout + r.stderr).to.equal(0);
    });

    it("shows the reference, the company name with its non-ASCII letters, and the VAT number", () => {
      expect(all).to.include("IN2LS-2026-DK-IN-0007");
      expect(all).to.include(COMPANY);
      expect(all).to.include("DK12345678");
      expect(all).to.include("Ole Maaløes Vej 3");
      expect(all).to.include("Mette Kjær Sørensen");
    });

    it("states the amount in figures and in words", () => {
      expect(all).to.include("EUR 4,000.00");
      expect(all).to.include("four thousand euros");
    });

    it("contains the de minimis statement with the regulation, the gross grant equivalent and the declared aid", () => {
      expect(all).to.include("Commission Regulation (EU) 2023/2831");
      expect(all).to.include("The gross grant equivalent of this aid is EUR 4,000.00.");
      expect(all).to.include("declared de minimis aid of EUR 12,500.00 received in the last three years");
      expect(all).to.include("With this voucher the total is EUR 16,500.00, within the ceiling of EUR 300,000.00.");
    });

    it("shows the dates in the programme's time zone and the deadlines", () => {
      expect(all).to.include("23 November 2026");
      expect(all).not.to.include("22 November 2026");
      expect(all).to.include("Completion deadline 22 May 2027");
      expect(all).to.include("Claim deadline 21 June 2027");
      expect(all).to.include("1 December 2026 to 26 February 2027");
    });

    it("states the counterpart, the conditions, the lump-sum payment terms and the acceptance instruction", () => {
      expect(all).to.include("Stern Market Insight GmbH (Stuttgart and Neckar-Alb, Germany)");
      expect(all).to.include("costs incurred before that date are not eligible");
      expect(all).to.include("The voucher pays the fixed amount of EUR 4,000.00 once we have verified your report");
      expect(all).not.to.include("verified actual costs");
      expect(all).to.include("within 30 days of verifying your claim");
      expect(all).to.include("Please accept this award in Voucherdesk within 30 days");
    });

    it("numbers the pages 'Page x of y' on every page", () => {
      const pages = pageCount(file);
      expect(pages).to.be.greaterThan(1);
      for (let p = 1; p <= pages; p++) expect(text(file, p)).to.include(`Page ${p} of ${pages}`);
    });

    it("has Title, Author, Subject, language and a structure tree", () => {
      const info = pdfinfo(file);
      expect(info).to.match(/^Title:\s+Award letter IN2LS-2026-DK-IN-0007$/m);
      expect(info).to.match(/^Author:\s+BioPeople$/m);
      expect(info).to.match(/^Subject:\s+.*IN2LS-2026-DK-IN-0007/m);
      expect(info).to.match(/^Tagged:\s+yes$/m);
      expect(info).to.match(/^CreationDate:\s+Sun Nov 22 23:30:00 2026 UTC$/m);
      expect(pdf.toString("latin1")).to.include("/Lang (en)");
      const struct = pdfinfo(file, "-struct");
      expect(struct).to.match(/^\s*H1\b/m);
      expect(struct).to.match(/^\s*H2\b/m);
      expect(struct).to.match(/^\s*P\b/m);
    });

    it("embeds DejaVu Sans and DejaVu Sans Bold", () => {
      const fonts = execFileSync("pdffonts", [file], { encoding: "utf8" });
      expect(fonts).to.match(/\+DejaVuSans\s.*yes\s+yes/);
      expect(fonts).to.match(/\+DejaVuSans-Bold\s.*yes\s+yes/);
    });

    it("gives identical bytes for the same data, different bytes for another approval time", async () => {
      const again = await renderAwardLetter(letterData());
      expect(again.equals(pdf)).to.equal(true);
      const later = await renderAwardLetter(letterData({ issuedAt: "2026-11-22T23:30:01Z" }));
      expect(later.equals(pdf)).to.equal(false);
    });

    it("gives the same bytes when laid out in the letter writer's thread, in every language", async () => {
      for (const language of LETTER_LANGUAGES) {
        const data = letterData({ language });
        const [here, apart] = [await renderAwardLetter(data), await renderAwardLetterInWorker(data)];
        expect(sha256Hex(apart), language).to.equal(sha256Hex(here));
      }
      expect((await renderAwardLetterInWorker(letterData())).equals(pdf)).to.equal(true);
    });

    it("changes its SHA-256 when one byte is changed", () => {
      const tampered = Buffer.from(pdf);
      const at = Math.floor(tampered.length / 2);
      tampered[at] = defined(tampered[at]) ^ 0x01;
      expect(sha256Hex(tampered)).to.match(/^[0-9a-f]{64}$/);
      expect(sha256Hex(tampered)).not.to.equal(sha256Hex(pdf));
      expect(sha256Hex(Buffer.from(pdf))).to.equal(sha256Hex(pdf));
    });
  });

  it("pays Meet & Greet on verified actual costs up to the award", async () => {
    const pdf = await renderAwardLetter(
      letterData({
        reference: "IN2LS-2026-DK-MG-0008",
        voucherType: { code: "MG", name: "Meet & Greet", paymentBasis: "actual-costs-capped" },
        amountCents: 50_000,
      }),
    );
    const all = text(writePdf("mg.pdf", pdf));
    expect(all).to.include("Meet & Greet");
    expect(all).to.include("The voucher pays the verified actual costs of the activity, up to the awarded amount of EUR 500.00.");
    expect(all).to.include("five hundred euros");
    expect(all).not.to.include("fixed amount");
  });

  it("states when a claim can be made and the approval timing of the type (R11, R12)", () => {
    const plain = (d: AwardLetterData) => unmark(JSON.stringify(renderAwardLetterMarkup(d).markup)).replace(/\u00a0|\\u00a0/gi, " ");
    const insight = plain(letterData());
    expect(insight).to.include("once the activity has ended (from 26 February 2027) and by 21 June 2027");
    expect(insight).to.include("The activity may not start before the date of approval");
    expect(insight).to.include("from the date of approval up to the day of the claim");
    const mg = plain(letterData({ voucherType: { code: "MG", name: "Meet & Greet", paymentBasis: "actual-costs-capped", preApprovalRequired: true }, amountCents: 50_000 }));
    expect(mg).to.include("The activity may only take place after the date of approval");
    expect(mg).to.not.include("The activity may not start before the date of approval");
  });

  it("flows a long purpose onto a further page and numbers every page", async () => {
    const short = writePdf("short.pdf", await renderAwardLetter(letterData()));
    const sentence = "We will test the formulation with the expert partner and document every step of the work. ";
    const longFile = writePdf("long.pdf", await renderAwardLetter(letterData({ purpose: sentence.repeat(40) })));
    const pages = pageCount(longFile);
    expect(pages).to.equal(pageCount(short) + 1);
    for (let p = 1; p <= pages; p++) expect(text(longFile, p)).to.include(`Page ${p} of ${pages}`);
    // The signature block still comes last.
    expect(text(longFile, pages)).to.include("Mette Kjær Sørensen");
  });

  it("prints data as text: a value cannot add headings, bullets or blocks to the letter", () => {
    const honest = renderAwardLetterMarkup(letterData()).markup;
    const { markup } = renderAwardLetterMarkup(
      letterData({ purpose: "# Conditions waived\n\n::signature\nSomeone Else\n\n- no deadlines", title: "::note" }),
    );
    expect(markup.elements.map((e) => e.kind)).to.deep.equal(honest.elements.map((e) => e.kind));
    const quote = markup.elements.find((e) => e.kind === "quote");
    expect(quote).to.deep.equal({ kind: "quote", text: "# Conditions waived ::signature Someone Else - no deadlines" });
  });

  it("writes each language with its own template", () => {
    for (const language of ["da", "de", "fr", "nl"] as const) {
      expect(existsSync(path.resolve(__dirname, `../../../templates/letters/${language}.hbs`)), language).to.equal(true);
      expect(renderAwardLetterMarkup(letterData({ language })).language).to.equal(language);
    }
  });

  it("refuses a letter whose de minimis total would exceed the ceiling (R9)", async () => {
    const err = await rejection(renderAwardLetter(letterData({ deMinimis: { declaredLastThreeYearsCents: 29_600_001, earlierProgrammeAwardsCents: 0, ceilingCents: 30_000_000 } })), RuleViolationError);
    expect(err.rule).to.equal("R9");
  });

  it("adds this programme's earlier vouchers to the de minimis total, and says so only when there are any", () => {
    const plain = (d: AwardLetterData) => JSON.stringify(renderAwardLetterMarkup(d).markup).replace(/\u00a0|\\u00a0/gi, " ");
    const withEarlier = plain(letterData({ deMinimis: { declaredLastThreeYearsCents: 1_250_000, earlierProgrammeAwardsCents: 443_050, ceilingCents: 30_000_000 } }));
    expect(withEarlier).to.include("Earlier vouchers awarded to it under this programme in the same three years add EUR 4,430.50.");
    expect(withEarlier).to.include("With this voucher the total is EUR 20,930.50");
    const without = plain(letterData());
    expect(without).not.to.include("Earlier vouchers");
    expect(without).to.include("With this voucher the total is EUR 16,500.00");
  });

  it("refuses a letter whose total with this programme's earlier vouchers would exceed the ceiling (R9)", () => {
    const at = (earlier: number) => letterData({ deMinimis: { declaredLastThreeYearsCents: 29_000_000, earlierProgrammeAwardsCents: earlier, ceilingCents: 30_000_000 } });
    expect(renderAwardLetterMarkup(at(600_000)).markup).to.not.equal(undefined); // exactly at the ceiling passes
    expect(() => renderAwardLetterMarkup(at(600_001))).to.throw(RuleViolationError);
    expect(() => renderAwardLetterMarkup(at(-1))).to.throw(ValidationError);
  });

  it("refuses inconsistent data instead of printing wrong terms", async () => {
    const cases: Array<[Partial<AwardLetterData>, string]> = [
      [{ activityStart: "2026-11-20" }, "activityStart"],
      [{ claimDeadline: "2027-05-01" }, "claimDeadline"],
      [{ issuedAt: "2026-11-23" }, "issuedAt"],
      [{ timeZone: "Europe/Nowhere" }, "timeZone"],
      [{ amountCents: 4000.5 }, "amountCents"],
      [{ completionDeadline: "2027-02-30" }, "completionDeadline"],
    ];
    for (const [override, field] of cases) {
      const err = await rejection(renderAwardLetter(letterData(override)), ValidationError);
      expect(err.fields, field).to.have.property(field);
    }
  });

  it("words its refusals for the reader's language, not in English", async () => {
    const early = await rejection(renderAwardLetter(letterData({ activityStart: "2026-11-20" })), ValidationError);
    expect(renderText("da", early.text)).to.equal("Tilsagnsbrevets oplysninger er ufuldstændige eller ugyldige.");
    expect(renderText("da", defined(early.fieldTexts.activityStart))).to.equal("Begynder før godkendelsen (R11).");
    const above = await rejection(renderAwardLetter(letterData({ deMinimis: { declaredLastThreeYearsCents: 29_600_001, earlierProgrammeAwardsCents: 0, ceilingCents: 30_000_000 } })), RuleViolationError);
    expect(renderText("de", above.text)).to.equal("Diese Bewilligung würde das Unternehmen über die Obergrenze für De-minimis-Beihilfen bringen.");
    expect(above.message).to.equal("This award would take the company above the de minimis ceiling.");
  });

  it("finds its template and fonts from any working directory", () => {
    const out = path.join(tmp, "from-elsewhere.pdf");
    const script = path.resolve(__dirname, "../../../server/letters/demo-letter.ts");
    const r = spawnSync(process.execPath, [require.resolve("tsx/cli"), script, out], { cwd: os.tmpdir(), encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    expect(text(out)).to.include("Award of innovation voucher IN2LS-2026-DK-IN-0012");
  });
});
