/**
 * The award letter's data (R13): the facts a letter states, as one plain object, and the checks
 * that refuse to print a letter with wrong or missing terms. The facts are gathered from the
 * database by server/services/letters/letter-data.ts; the template (award-letter-template.ts)
 * words them and the PDF writer (letter-pdf.ts) lays them out.
 */
import { msg } from "../domain/message";
import { RuleViolationError, ValidationError, type FieldTexts } from "../errors";
import { instantMillisOrNull, parseCalendarDate, zonedParts } from "../domain/date-format";
import { sumCents } from "../domain/money";
import { LANGUAGES } from "../languages";

/** The languages a letter can be formatted in (dates, amounts); those the product offers are LANGUAGES. */
export type LetterLanguage = "en" | "da" | "de" | "fr" | "nl";
export const LETTER_LANGUAGES: readonly LetterLanguage[] = ["en", "da", "de", "fr", "nl"];
/** The letter languages the product offers (a compile error if it offered one letters cannot be formatted in). */
export const OFFERED_LETTER_LANGUAGES: readonly LetterLanguage[] = LANGUAGES;

export interface AwardLetterData {
  language: LetterLanguage;
  reference: string;
  /** ISO instant with offset or Z: the approval time. Also the PDF's creation date. */
  issuedAt: string;
  issuedOnDisplay?: never;
  partner: { name: string; addressLines: string[]; regionName: string; country: string };
  company: { legalName: string; addressLines: string[]; vatNumber: string };
  /** preApprovalRequired: the activity must start after the day of approval (R11, Meet & Greet). */
  voucherType: { code: string; name: string; paymentBasis: "actual-costs-capped" | "lump-sum"; preApprovalRequired?: boolean };
  amountCents: number;
  title: string;
  purpose: string;
  counterpart: { name: string; regionName: string; country: string };
  /** Calendar dates, YYYY-MM-DD. */
  activityStart: string;
  activityEnd: string;
  approvedOn: string;
  completionDeadline: string;
  claimDeadline: string;
  deMinimis: {
    /** Aid the company declared in the three years before approval. */
    declaredLastThreeYearsCents: number;
    /** This programme's earlier vouchers to the company in the same window (not this one). */
    earlierProgrammeAwardsCents: number;
    ceilingCents: number;
  };
  signatory: { name: string; title: string };
  /** IANA zone in which issuedAt is shown as a date (the programme's, Europe/Copenhagen). */
  timeZone: string;
}

/** IN2LS-2026-DK-MG-0007: programme, year, region, voucher type, sequence (at least 4 digits). */
export function letterReference(parts: {
  programme: string;
  year: number;
  regionCode: string;
  typeCode: string;
  sequence: number;
}): string {
  const fields: FieldTexts = {};
  const code = /^[A-Z0-9]{1,16}$/;
  if (!code.test(parts.programme)) fields.programme = msg("errors:letters.dataCode");
  if (!Number.isInteger(parts.year) || parts.year < 1000 || parts.year > 9999) fields.year = msg("errors:letters.dataYear");
  if (!code.test(parts.regionCode)) fields.regionCode = msg("errors:letters.dataCode");
  if (!code.test(parts.typeCode)) fields.typeCode = msg("errors:letters.dataCode");
  if (!Number.isSafeInteger(parts.sequence) || parts.sequence < 1) fields.sequence = msg("errors:letters.dataSequence");
  if (Object.keys(fields).length > 0) throw new ValidationError(msg("errors:letters.dataReference"), fields);
  const seq = String(parts.sequence).padStart(4, "0");
  return `${parts.programme}-${parts.year}-${parts.regionCode}-${parts.typeCode}-${seq}`;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

// ---------------------------------------------------------------------------------------------
// Validation: a wrong award letter is a legal document with wrong terms, so refuse to make one.
// ---------------------------------------------------------------------------------------------

function validDate(s: unknown): s is string {
  return typeof s === "string" && DATE_ONLY.test(s) && parseCalendarDate(s) !== null;
}

/** Through the process's cached formatter per zone: luxon's check built a new one on every call. */
function isTimeZone(s: unknown): boolean {
  if (typeof s !== "string") return false;
  try {
    return zonedParts("2000-01-01T00:00:00Z", s) !== null;
  } catch {
    return false;
  }
}

function nonEmpty(s: unknown): boolean {
  return typeof s === "string" && s.trim() !== "";
}

/** Declared aid, this programme's earlier vouchers and this voucher: the R9 total. */
export function deMinimisTotalCents(d: AwardLetterData): number {
  return sumCents([d.deMinimis.declaredLastThreeYearsCents, d.deMinimis.earlierProgrammeAwardsCents, d.amountCents]);
}

export function validateAwardLetterData(d: AwardLetterData): void {
  const f: FieldTexts = {};
  if (!LETTER_LANGUAGES.includes(d.language)) f.language = msg("errors:letters.dataLanguage");
  if (!nonEmpty(d.reference)) f.reference = msg("errors:letters.missing");
  if (typeof d.issuedAt !== "string" || !INSTANT.test(d.issuedAt) || instantMillisOrNull(d.issuedAt) === null) {
    f.issuedAt = msg("errors:letters.dataInstant");
  }
  if (!isTimeZone(d.timeZone)) f.timeZone = msg("errors:letters.dataTimeZone");
  for (const k of ["name", "regionName", "country"] as const) {
    if (!nonEmpty(d.partner?.[k])) f[`partner.${k}`] = msg("errors:letters.missing");
    if (!nonEmpty(d.counterpart?.[k])) f[`counterpart.${k}`] = msg("errors:letters.missing");
  }
  if (!Array.isArray(d.partner?.addressLines)) f["partner.addressLines"] = msg("errors:letters.missing");
  if (!nonEmpty(d.company?.legalName)) f["company.legalName"] = msg("errors:letters.missing");
  if (!nonEmpty(d.company?.vatNumber)) f["company.vatNumber"] = msg("errors:letters.missing");
  if (!Array.isArray(d.company?.addressLines) || d.company.addressLines.length === 0) {
    f["company.addressLines"] = msg("errors:letters.missing");
  }
  if (!nonEmpty(d.voucherType?.name)) f["voucherType.name"] = msg("errors:letters.missing");
  if (!["actual-costs-capped", "lump-sum"].includes(d.voucherType?.paymentBasis)) {
    f["voucherType.paymentBasis"] = msg("errors:letters.dataPaymentBasis");
  }
  if (!Number.isSafeInteger(d.amountCents) || d.amountCents <= 0) f.amountCents = msg("errors:letters.dataPositiveCents");
  if (!nonEmpty(d.title)) f.title = msg("errors:letters.missing");
  if (!nonEmpty(d.purpose)) f.purpose = msg("errors:letters.missing");
  for (const k of ["activityStart", "activityEnd", "approvedOn", "completionDeadline", "claimDeadline"] as const) {
    if (!validDate(d[k])) f[k] = msg("errors:letters.dataDate");
  }
  if (!f.activityStart && !f.activityEnd && d.activityEnd < d.activityStart) f.activityEnd = msg("errors:letters.dataEndsBeforeStart");
  if (!f.approvedOn && !f.activityStart && d.activityStart < d.approvedOn) {
    f.activityStart = msg("errors:letters.dataBeforeApproval");
  }
  if (!f.completionDeadline && !f.claimDeadline && d.claimDeadline < d.completionDeadline) {
    f.claimDeadline = msg("errors:letters.dataBeforeCompletion");
  }
  const dm = d.deMinimis;
  if (!Number.isSafeInteger(dm?.declaredLastThreeYearsCents) || dm.declaredLastThreeYearsCents < 0) {
    f["deMinimis.declaredLastThreeYearsCents"] = msg("errors:letters.dataNonNegativeCents");
  }
  if (!Number.isSafeInteger(dm?.earlierProgrammeAwardsCents) || dm.earlierProgrammeAwardsCents < 0) {
    f["deMinimis.earlierProgrammeAwardsCents"] = msg("errors:letters.dataNonNegativeCents");
  }
  if (!Number.isSafeInteger(dm?.ceilingCents) || dm.ceilingCents <= 0) {
    f["deMinimis.ceilingCents"] = msg("errors:letters.dataPositiveCents");
  }
  if (!nonEmpty(d.signatory?.name)) f["signatory.name"] = msg("errors:letters.missing");
  if (!nonEmpty(d.signatory?.title)) f["signatory.title"] = msg("errors:letters.missing");
  if (Object.keys(f).length > 0) throw new ValidationError(msg("errors:letters.dataInvalid"), f);

  // The letter states that the total stays within the ceiling; it must never say so falsely.
  if (deMinimisTotalCents(d) > dm.ceilingCents) {
    throw new RuleViolationError("R9", msg("errors:letters.dataAboveCeiling"));
  }
}

