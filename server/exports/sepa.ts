/**
 * SEPA credit transfer initiation (ISO 20022 pain.001.001.03, EPC SCT rulebook subset) for paying
 * verified claims, and the bank-detail check that blocks a payment before it is recorded (R15).
 *
 * Amounts stay integer cents until they are written; CtrlSum is summed in cents (R1).
 *
 * Text rules (EPC "SEPA basic Latin character set"): only a-z A-Z 0-9 / - ? : ( ) . , ' + and
 * space may appear. Free text (names, remittance) is transliterated with the table below;
 * identifiers (MsgId, PmtInfId, EndToEndId) are never altered, because the bank statement must
 * carry them back unchanged for reconciliation, so an identifier outside the set is refused.
 *
 * Transliteration, applied in this order:
 *  1. Letters without a Unicode decomposition: ø→o Ø→O ß→ss ẞ→SS ł→l Ł→L æ→ae Æ→AE œ→oe Œ→OE
 *     đ→d Đ→D ð→d Ð→D þ→th Þ→TH ı→i ħ→h Ħ→H ŀ→l Ŀ→L ŧ→t Ŧ→T ĸ→k.
 *  2. Every other accented Latin letter loses its accents (Unicode NFKD, combining marks removed):
 *     é→e, å→a, ü→u, ç→c, ñ→n, š→s, ő→o, ...; compatibility forms are unfolded (ﬁ→fi, ²→2).
 *  3. Punctuation: typographic apostrophes/accents (’ ‘ ‚ ‛ ` ´ ′) and double quotes
 *     (" “ ” „ « » ″) → ' ; dashes and underscore (– — ‐ ‑ ‒ − _) → - ; & → + ; € → EUR ;
 *     [ { → ( ; ] } → ) ; ; → , ; ! → . ; any whitespace run (tab, newline, no-break space) → one
 *     space; leading and trailing spaces removed.
 *  4. Anything still outside the set (e.g. @ # % * < > = | ~ $ or a non-Latin script) is refused
 *     with a ValidationError naming the field and the characters, never dropped silently.
 * Names longer than 70 characters after this are cut at 70 (what banks do themselves; the
 * payment is routed by IBAN). A remittance text over 140 characters is refused, since cutting it
 * could lose the reference the beneficiary needs.
 */
import { create } from "xmlbuilder2";
import { DateTime } from "luxon";
import {
  electronicFormatIBAN,
  isSEPACountry,
  validateBIC,
  validateIBAN,
  ValidationErrorsIBAN,
} from "ibantools";
import { ValidationError, type FieldErrors } from "../errors";
import { assertCents, formatAmount } from "../domain/money";

export const PAIN_001_001_03_NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03";

export const MAX_NAME_LENGTH = 70;
export const MAX_ID_LENGTH = 35;
export const MAX_REMITTANCE_LENGTH = 140;
/** 999,999,999.99 EUR: the largest InstdAmt the SCT rulebook allows. */
export const MAX_SEPA_AMOUNT_CENTS = 99_999_999_999;

export interface SepaDebtor {
  name: string;
  iban: string;
  bic?: string;
}

export interface SepaPayment {
  /** The voucher reference; comes back on the bank statement unchanged. */
  endToEndId: string;
  amountCents: number;
  creditorName: string;
  creditorIban: string;
  creditorBic?: string;
  /** The company confirmed that its account outside the euro area receives euros (R15). */
  creditorEuroAccountConfirmed?: boolean;
  remittance: string;
}

export interface Pain001Input {
  messageId: string;
  /** ISO instant the file is created. */
  createdAt: string;
  /** Requested execution date, YYYY-MM-DD. */
  executionDate: string;
  debtor: SepaDebtor;
  payments: SepaPayment[];
  /** Defaults to messageId (one payment information block per message). */
  paymentInfoId?: string;
}

// ---------------------------------------------------------------------------------------------
// Character set
// ---------------------------------------------------------------------------------------------

const SEPA_CHARS = /^[A-Za-z0-9/\-?:().,'+ ]*$/;
const NOT_SEPA_CHAR = /[^A-Za-z0-9/\-?:().,'+ ]/gu;

const LETTERS: Record<string, string> = {
  ø: "o", Ø: "O", ß: "ss", ẞ: "SS", ł: "l", Ł: "L", æ: "ae", Æ: "AE", œ: "oe", Œ: "OE",
  đ: "d", Đ: "D", ð: "d", Ð: "D", þ: "th", Þ: "TH", ı: "i", ħ: "h", Ħ: "H", ŀ: "l", Ŀ: "L",
  ŧ: "t", Ŧ: "T", ĸ: "k",
};

const PUNCTUATION: Array<[RegExp, string]> = [
  [/[\u2019\u2018\u201A\u201B`\u00B4\u2032]/g, "'"],
  [/["\u201C\u201D\u201E\u00AB\u00BB\u2033]/g, "'"],
  [/[\u2013\u2014\u2010\u2011\u2012\u2212_]/g, "-"],
  [/&/g, "+"],
  [/€/g, "EUR"],
  [/[[{]/g, "("],
  [/[\]}]/g, ")"],
  [/;/g, ","],
  [/!/g, "."],
  [/\s+/gu, " "],
];

/**
 * Maps free text into the SEPA basic Latin set (see the table at the top of this file) or throws
 * a ValidationError naming `field` and the characters that have no mapping.
 */
export function toSepaText(input: string, field: string): string {
  let s = input.replace(/[^ -~]/g, (ch) => LETTERS[ch] ?? ch);
  s = s.normalize("NFKD").replace(/[\u0300-\u036F]/g, "");
  for (const [re, to] of PUNCTUATION) s = s.replace(re, to);
  s = s.trim();
  const bad = [...new Set(s.match(NOT_SEPA_CHAR) ?? [])];
  if (bad.length > 0) {
    const msg = `${field} contains characters a SEPA transfer cannot carry: ${bad.map((c) => JSON.stringify(c)).join(" ")}.`;
    throw new ValidationError(msg, { [field]: msg });
  }
  return s;
}

function sepaName(input: string, field: string): string {
  const s = toSepaText(input ?? "", field);
  if (s === "") throw invalid(field, `${field} is missing.`);
  return s.length > MAX_NAME_LENGTH ? s.slice(0, MAX_NAME_LENGTH).trimEnd() : s;
}

/** Identifiers are refused, not transliterated: the bank must echo them back unchanged. */
function sepaId(input: string, field: string): string {
  if (typeof input !== "string" || input === "") throw invalid(field, `${field} is missing.`);
  if (input.length > MAX_ID_LENGTH) {
    throw invalid(field, `${field} "${input}" is longer than ${MAX_ID_LENGTH} characters.`);
  }
  if (!SEPA_CHARS.test(input) || input !== input.trim()) {
    throw invalid(
      field,
      `${field} "${input}" may only contain letters A-Z, digits and / - ? : ( ) . , ' + (no leading or trailing spaces).`,
    );
  }
  // EPC rule for references: no leading or trailing "/" and no "//".
  if (input.startsWith("/") || input.endsWith("/") || input.includes("//")) {
    throw invalid(field, `${field} "${input}" may not start or end with "/" or contain "//".`);
  }
  return input;
}

function invalid(field: string, message: string): ValidationError {
  const fields: FieldErrors = { [field]: message };
  return new ValidationError(message, fields);
}

// ---------------------------------------------------------------------------------------------
// IBAN and BIC
// ---------------------------------------------------------------------------------------------

/**
 * Countries whose accounts are held in euro: the euro area (including Bulgaria, a member since
 * 1 January 2026) and the four states that use the euro by monetary agreement. Kept explicit
 * because ibantools only says whether a country is in SEPA, and SEPA includes countries with their
 * own currency.
 */
export const EURO_IBAN_COUNTRIES: ReadonlySet<string> = new Set([
  "AT", "BE", "BG", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV",
  "MT", "NL", "PT", "SI", "SK",
  "AD", "MC", "SM", "VA",
]);

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });

function countryName(code: string): string {
  try {
    return `${regionNames.of(code) ?? code} (${code})`;
  } catch {
    return code;
  }
}

function ibanProblem(code: ValidationErrorsIBAN, country: string): string {
  switch (code) {
    case ValidationErrorsIBAN.NoIBANProvided:
      return "No IBAN was given.";
    case ValidationErrorsIBAN.NoIBANCountry:
      return `The IBAN does not start with a known country code ("${country}").`;
    case ValidationErrorsIBAN.WrongBBANLength:
      return `The IBAN has the wrong number of characters for ${countryName(country)}.`;
    case ValidationErrorsIBAN.WrongBBANFormat:
      return `The account part of the IBAN is not in the format used in ${countryName(country)}.`;
    case ValidationErrorsIBAN.ChecksumNotNumber:
      return "The IBAN's check digits (3rd and 4th characters) must be digits.";
    case ValidationErrorsIBAN.WrongIBANChecksum:
      return "The IBAN's check digits do not match the rest: there is probably a typing error.";
    case ValidationErrorsIBAN.WrongAccountBankBranchChecksum:
      return "The bank or account number inside the IBAN fails its check: there is probably a typing error.";
    case ValidationErrorsIBAN.QRIBANNotAllowed:
      return "A Swiss QR-IBAN cannot receive a SEPA credit transfer.";
    default:
      return "The IBAN is not valid.";
  }
}

export type PayableIbanResult = { ok: true; iban: string } | { ok: false; reason: string };

/** Whether the IBAN's country holds its accounts in euro (see EURO_IBAN_COUNTRIES). */
export function ibanUsesEuro(iban: string): boolean {
  return EURO_IBAN_COUNTRIES.has((electronicFormatIBAN(iban) ?? "").slice(0, 2));
}

/**
 * The reason shown while a SEPA account outside the euro area (DK, SE, PL, ...) lacks the
 * company's confirmation that it receives euros. A EUR SEPA credit transfer reaches such an
 * account, but an account kept in the local currency would be credited after conversion by the
 * receiving bank, so the company would not get the awarded euro amount.
 */
export function euroConfirmationMissing(iban: string): string {
  const country = (electronicFormatIBAN(iban) ?? "").slice(0, 2);
  return `The account is in ${countryName(country)}, which does not use the euro, and the company has not confirmed that it can receive euros. ` +
    "Ask the company to confirm this in its profile (or to give a euro account) before paying.";
}

/**
 * Can this beneficiary IBAN receive a euro SEPA credit transfer from the scheme (R15)? Refuses a
 * missing IBAN, an invalid one (with the reason), one outside SEPA, and one from a SEPA country
 * that does not use the euro unless the company confirmed that the account receives euros.
 * On success the IBAN is returned in electronic format (upper case, no spaces).
 */
export function checkPayableIban(iban: string | null | undefined, opts: { euroAccountConfirmed?: boolean } = {}): PayableIbanResult {
  if (iban === null || iban === undefined || iban.trim() === "") {
    return { ok: false, reason: "No bank account (IBAN) is recorded for the beneficiary. Add the company's IBAN before paying." };
  }
  const basic = checkSepaIban(iban);
  if (!basic.ok) return basic;
  if (!ibanUsesEuro(basic.iban) && !opts.euroAccountConfirmed) return { ok: false, reason: euroConfirmationMissing(basic.iban) };
  return basic;
}

/**
 * Valid IBAN of a SEPA country, in any currency: the company's account as registered (whether it
 * receives euros is asked separately) and the scheme's own (debtor) account.
 */
export function checkSepaIban(iban: string): PayableIbanResult {
  const electronic = electronicFormatIBAN(iban) ?? "";
  const country = electronic.slice(0, 2);
  const result = validateIBAN(electronic, { allowQRIBAN: false });
  if (!result.valid) {
    const reasons = result.errorCodes.map((c) => ibanProblem(c, country));
    return { ok: false, reason: `"${iban.trim()}" is not a valid IBAN. ${[...new Set(reasons)].join(" ")}` };
  }
  if (!isSEPACountry(country)) {
    return {
      ok: false,
      reason: `The IBAN is from ${countryName(country)}, which is outside the SEPA area, so a SEPA credit transfer cannot reach it.`,
    };
  }
  return { ok: true, iban: electronic };
}

/** ISO 20022 BICIdentifier pattern (8 or 11 characters). */
const BIC_PATTERN = /^[A-Z]{6}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?$/;

function sepaBic(bic: string, field: string): string {
  const b = bic.replace(/\s+/g, "").toUpperCase();
  if (!validateBIC(b).valid || !BIC_PATTERN.test(b)) throw invalid(field, `${field} "${bic}" is not a valid BIC.`);
  return b;
}

// ---------------------------------------------------------------------------------------------
// pain.001.001.03
// ---------------------------------------------------------------------------------------------

function creationDateTime(iso: string): string {
  const dt = DateTime.fromISO(iso ?? "", { setZone: true });
  if (!dt.isValid) throw invalid("createdAt", `createdAt ${JSON.stringify(iso)} is not an ISO date and time.`);
  // xs:dateTime with the offset as given; no milliseconds, which some banks' parsers refuse.
  return dt.startOf("second").toISO({ suppressMilliseconds: true, includeOffset: true });
}

function executionDate(s: string): string {
  const dt = /^\d{4}-\d{2}-\d{2}$/.test(s ?? "") ? DateTime.fromISO(s, { zone: "utc" }) : null;
  if (!dt || !dt.isValid) throw invalid("executionDate", `executionDate ${JSON.stringify(s)} is not a date (YYYY-MM-DD).`);
  return s;
}

interface CheckedPayment {
  endToEndId: string;
  amountCents: number;
  creditorName: string;
  creditorIban: string;
  creditorBic: string | null;
  remittance: string;
}

function checkPayment(p: SepaPayment, i: number, seen: Set<string>): CheckedPayment {
  const f = (name: string) => `payments[${i}].${name}`;
  const endToEndId = sepaId(p.endToEndId, f("endToEndId"));
  if (seen.has(endToEndId)) {
    throw invalid(f("endToEndId"), `Voucher ${endToEndId} appears twice in the batch; each voucher is paid once.`);
  }
  seen.add(endToEndId);

  let amountCents: number;
  try {
    amountCents = assertCents(p.amountCents);
  } catch {
    throw invalid(f("amountCents"), `Payment ${endToEndId}: the amount is not a whole number of cents.`);
  }
  if (amountCents <= 0) throw invalid(f("amountCents"), `Payment ${endToEndId}: the amount must be greater than zero.`);
  if (amountCents > MAX_SEPA_AMOUNT_CENTS) {
    throw invalid(f("amountCents"), `Payment ${endToEndId}: the amount exceeds the SEPA maximum of 999999999.99 EUR.`);
  }

  const iban = checkPayableIban(p.creditorIban, { euroAccountConfirmed: p.creditorEuroAccountConfirmed });
  if (!iban.ok) throw invalid(f("creditorIban"), `Payment ${endToEndId}: ${iban.reason}`);

  const remittance = toSepaText(p.remittance ?? "", f("remittance"));
  if (remittance === "") throw invalid(f("remittance"), `Payment ${endToEndId}: the remittance text is missing.`);
  if (remittance.length > MAX_REMITTANCE_LENGTH) {
    throw invalid(
      f("remittance"),
      `Payment ${endToEndId}: the remittance text is ${remittance.length} characters; SEPA allows ${MAX_REMITTANCE_LENGTH}.`,
    );
  }

  return {
    endToEndId,
    amountCents,
    creditorName: sepaName(p.creditorName, f("creditorName")),
    creditorIban: iban.iban,
    creditorBic: p.creditorBic ? sepaBic(p.creditorBic, f("creditorBic")) : null,
    remittance,
  };
}

/** Builds a pain.001.001.03 document with one payment information block; throws ValidationError. */
export function buildPain001(input: Pain001Input): string {
  const messageId = sepaId(input.messageId, "messageId");
  const paymentInfoId = sepaId(input.paymentInfoId ?? input.messageId, "paymentInfoId");
  const createdAt = creationDateTime(input.createdAt);
  const reqdExctnDt = executionDate(input.executionDate);

  if (!input.debtor) throw invalid("debtor", "The paying account (debtor) is missing.");
  const debtorName = sepaName(input.debtor.name, "debtor.name");
  const debtorIban = checkSepaIban(input.debtor.iban ?? "");
  if (!debtorIban.ok) throw invalid("debtor.iban", `The paying account: ${debtorIban.reason}`);
  const debtorBic = input.debtor.bic ? sepaBic(input.debtor.bic, "debtor.bic") : null;

  if (!Array.isArray(input.payments) || input.payments.length === 0) {
    throw invalid("payments", "The payment batch is empty: select at least one verified claim to pay.");
  }
  const seen = new Set<string>();
  const payments = input.payments.map((p, i) => checkPayment(p, i, seen));

  let ctrlSumCents = 0n;
  for (const p of payments) ctrlSumCents += BigInt(p.amountCents);
  const ctrlSum = formatAmount(assertCents(ctrlSumCents));
  const nbOfTxs = String(payments.length);

  const doc = create({ version: "1.0", encoding: "UTF-8" });
  const root = doc.ele(PAIN_001_001_03_NS, "Document").ele("CstmrCdtTrfInitn");

  const grpHdr = root.ele("GrpHdr");
  grpHdr.ele("MsgId").txt(messageId);
  grpHdr.ele("CreDtTm").txt(createdAt);
  grpHdr.ele("NbOfTxs").txt(nbOfTxs);
  grpHdr.ele("CtrlSum").txt(ctrlSum);
  grpHdr.ele("InitgPty").ele("Nm").txt(debtorName);

  const pmtInf = root.ele("PmtInf");
  pmtInf.ele("PmtInfId").txt(paymentInfoId);
  pmtInf.ele("PmtMtd").txt("TRF");
  pmtInf.ele("BtchBookg").txt("true");
  pmtInf.ele("NbOfTxs").txt(nbOfTxs);
  pmtInf.ele("CtrlSum").txt(ctrlSum);
  pmtInf.ele("PmtTpInf").ele("SvcLvl").ele("Cd").txt("SEPA");
  pmtInf.ele("ReqdExctnDt").txt(reqdExctnDt);
  pmtInf.ele("Dbtr").ele("Nm").txt(debtorName);
  pmtInf.ele("DbtrAcct").ele("Id").ele("IBAN").txt(debtorIban.iban);
  const dbtrAgt = pmtInf.ele("DbtrAgt").ele("FinInstnId");
  if (debtorBic) dbtrAgt.ele("BIC").txt(debtorBic);
  else dbtrAgt.ele("Othr").ele("Id").txt("NOTPROVIDED");
  pmtInf.ele("ChrgBr").txt("SLEV");

  for (const p of payments) {
    const tx = pmtInf.ele("CdtTrfTxInf");
    tx.ele("PmtId").ele("EndToEndId").txt(p.endToEndId);
    tx.ele("Amt").ele("InstdAmt", { Ccy: "EUR" }).txt(formatAmount(p.amountCents));
    if (p.creditorBic) tx.ele("CdtrAgt").ele("FinInstnId").ele("BIC").txt(p.creditorBic);
    tx.ele("Cdtr").ele("Nm").txt(p.creditorName);
    tx.ele("CdtrAcct").ele("Id").ele("IBAN").txt(p.creditorIban);
    tx.ele("RmtInf").ele("Ustrd").txt(p.remittance);
  }

  return doc.end({ prettyPrint: true });
}
