/**
 * A sample award letter, for docs/award-letter-demo.png and for trying template changes:
 *   npx tsx server/letters/demo-letter.ts [out.pdf] [out.png]
 * The PNG needs pdftoppm (poppler-utils).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { type AwardLetterData, letterReference, renderAwardLetter, sha256Hex } from "./award-letter";

export const DEMO_LETTER: AwardLetterData = {
  language: "en",
  reference: letterReference({ programme: "IN2LS", year: 2026, regionCode: "DK", typeCode: "IN", sequence: 12 }),
  issuedAt: "2026-03-16T09:42:00Z",
  partner: {
    name: "BioPeople",
    addressLines: ["Denmark's Life Science Cluster", "Ole Maaløes Vej 3", "DK-2200 Copenhagen N", "Denmark"],
    regionName: "Capital Region of Denmark",
    country: "Denmark",
  },
  company: {
    legalName: "Nordhavn Enzymatics ApS",
    addressLines: ["Fruebjergvej 3", "2100 København Ø", "Denmark"],
    vatNumber: "DK 38 41 72 95",
  },
  voucherType: { code: "IN", name: "Insight", paymentBasis: "lump-sum" },
  amountCents: 400_000,
  title: "Regulatory pathway for an enzymatic wound-debridement gel",
  purpose:
    "Two-day workshop and follow-up review with a regulatory expert on the classification of our " +
    "enzymatic wound-debridement gel under the Medical Device Regulation (EU) 2017/745, the clinical " +
    "evidence a notified body will expect, and a realistic timeline and budget for CE marking.",
  counterpart: {
    name: "Neckar-Alb MedTech Regulatory Consulting GmbH",
    regionName: "Stuttgart and Neckar-Alb",
    country: "Germany",
  },
  activityStart: "2026-04-13",
  activityEnd: "2026-06-30",
  approvedOn: "2026-03-16",
  completionDeadline: "2026-09-12",
  claimDeadline: "2026-10-12",
  deMinimis: { declaredLastThreeYearsCents: 2_350_000, earlierProgrammeAwardsCents: 0, ceilingCents: 30_000_000 },
  signatory: { name: "Mette Kjær Sørensen", title: "Cluster Manager, Innovation Vouchers" },
  timeZone: "Europe/Copenhagen",
};

async function main(): Promise<void> {
  const [pdfPath = "award-letter-demo.pdf", pngPath] = process.argv.slice(2);
  const pdf = await renderAwardLetter(DEMO_LETTER);
  writeFileSync(pdfPath, pdf);
  console.log(`${pdfPath}: ${pdf.length} bytes, sha256 ${sha256Hex(pdf)}`);
  if (pngPath) {
    const prefix = pngPath.replace(/\.png$/, "");
    execFileSync("pdftoppm", ["-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", pdfPath, prefix]);
    console.log(`${prefix}.png`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
