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
import { country, msg, sentences, type Message, type Text } from "../domain/message";
import { ValidationError, type FieldTexts } from "../errors";
import { assertCents, formatAmount } from "../domain/money";
import { withoutAccents } from "../domain/text-folding";

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

function transliterated(input: string): string {
  let s = withoutAccents(input);
  for (const [re, to] of PUNCTUATION) s = s.replace(re, to);
  return s.trim();
}

function refusedIn(transliteratedText: string): string[] {
  return [...new Set(transliteratedText.match(NOT_SEPA_CHAR) ?? [])];
}

/**
 * The characters of `input` that no SEPA transfer can carry, even after transliteration, each
 * once in the order they first appear (empty when the text can be written into a SEPA file). The
 * rule toSepaText applies, for the forms that take a name paid by SEPA (the account holder).
 */
export function sepaCharactersRefused(input: string): string[] {
  return refusedIn(transliterated(input));
}

/**
 * Maps free text into the SEPA basic Latin set (see the table at the top of this file) or throws
 * a ValidationError naming `field` and the characters that have no mapping.
 */
export function toSepaText(input: string, field: string): string {
  const s = transliterated(input);
  const bad = refusedIn(s);
  if (bad.length > 0) {
    const message = msg("errors:sepa.characters", { field, characters: bad.map((c) => JSON.stringify(c)).join(" ") });
    throw new ValidationError(message, { [field]: message });
  }
  return s;
}

function sepaName(input: string, field: string): string {
  const s = toSepaText(input ?? "", field);
  if (s === "") throw invalid(field, msg("errors:sepa.fieldMissing", { field }));
  return s.length > MAX_NAME_LENGTH ? s.slice(0, MAX_NAME_LENGTH).trimEnd() : s;
}

/** Identifiers are refused, not transliterated: the bank must echo them back unchanged. */
function sepaId(input: string, field: string): string {
  if (typeof input !== "string" || input === "") throw invalid(field, msg("errors:sepa.fieldMissing", { field }));
  if (input.length > MAX_ID_LENGTH) {
    throw invalid(field, msg("errors:sepa.idTooLong", { field, value: input, max: MAX_ID_LENGTH }));
  }
  if (!SEPA_CHARS.test(input) || input !== input.trim()) {
    throw invalid(field, msg("errors:sepa.idCharacters", { field, value: input }));
  }
  // EPC rule for references: no leading or trailing "/" and no "//".
  if (input.startsWith("/") || input.endsWith("/") || input.includes("//")) {
    throw invalid(field, msg("errors:sepa.idSlashes", { field, value: input }));
  }
  return input;
}

function invalid(field: string, message: Text): ValidationError {
  const fields: FieldTexts = { [field]: message };
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

function ibanProblem(code: ValidationErrorsIBAN, countryCode: string): Message {
  switch (code) {
    case ValidationErrorsIBAN.NoIBANProvided:
      return msg("errors:sepa.ibanNotGiven");
    case ValidationErrorsIBAN.NoIBANCountry:
      return msg("errors:sepa.ibanNoCountry", { code: countryCode });
    case ValidationErrorsIBAN.WrongBBANLength:
      return msg("errors:sepa.ibanLength", { country: country(countryCode) });
    case ValidationErrorsIBAN.WrongBBANFormat:
      return msg("errors:sepa.ibanFormat", { country: country(countryCode) });
    case ValidationErrorsIBAN.ChecksumNotNumber:
      return msg("errors:sepa.ibanCheckDigitsNotDigits");
    case ValidationErrorsIBAN.WrongIBANChecksum:
      return msg("errors:sepa.ibanCheckDigits");
    case ValidationErrorsIBAN.WrongAccountBankBranchChecksum:
      return msg("errors:sepa.ibanAccountCheck");
    case ValidationErrorsIBAN.QRIBANNotAllowed:
      return msg("errors:sepa.ibanQr");
    default:
      return msg("errors:sepa.ibanNotValid");
  }
}

export type PayableIbanResult = { ok: true; iban: string } | { ok: false; reason: Message };

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
export function euroConfirmationMissing(iban: string): Message {
  return msg("errors:sepa.euroNotConfirmed", { country: country((electronicFormatIBAN(iban) ?? "").slice(0, 2)) });
}

/**
 * Can this beneficiary IBAN receive a euro SEPA credit transfer from the scheme (R15)? Refuses a
 * missing IBAN, an invalid one (with the reason), one outside SEPA, and one from a SEPA country
 * that does not use the euro unless the company confirmed that the account receives euros.
 * On success the IBAN is returned in electronic format (upper case, no spaces).
 */
export function checkPayableIban(iban: string | null | undefined, opts: { euroAccountConfirmed?: boolean } = {}): PayableIbanResult {
  if (iban === null || iban === undefined || iban.trim() === "") {
    return { ok: false, reason: msg("errors:sepa.noIban") };
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
  const countryCode = electronic.slice(0, 2);
  const result = validateIBAN(electronic, { allowQRIBAN: false });
  if (!result.valid) {
    const reasons = new Map(result.errorCodes.map((c) => ibanProblem(c, countryCode)).map((m) => [JSON.stringify(m), m]));
    return { ok: false, reason: msg("errors:sepa.ibanInvalid", { iban: iban.trim(), reasons: sentences([...reasons.values()]) }) };
  }
  if (!isSEPACountry(countryCode)) {
    return { ok: false, reason: msg("errors:sepa.outsideSepa", { country: country(countryCode) }) };
  }
  return { ok: true, iban: electronic };
}

/** ISO 20022 BICIdentifier pattern (8 or 11 characters). */
const BIC_PATTERN = /^[A-Z]{6}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?$/;

function sepaBic(bic: string, field: string): string {
  const b = bic.replace(/\s+/g, "").toUpperCase();
  if (!validateBIC(b).valid || !BIC_PATTERN.test(b)) throw invalid(field, msg("errors:sepa.bic", { field, value: bic }));
  return b;
}

// ---------------------------------------------------------------------------------------------
// pain.001.001.03
// ---------------------------------------------------------------------------------------------

function creationDateTime(iso: string): string {
  const dt = DateTime.fromISO(iso ?? "", { setZone: true });
  if (!dt.isValid) throw invalid("createdAt", msg("errors:sepa.createdAt", { value: JSON.stringify(iso) }));
  // xs:dateTime with the offset as given; no milliseconds, which some banks' parsers refuse.
  return dt.startOf("second").toISO({ suppressMilliseconds: true, includeOffset: true });
}

function executionDate(s: string): string {
  const dt = /^\d{4}-\d{2}-\d{2}$/.test(s ?? "") ? DateTime.fromISO(s, { zone: "utc" }) : null;
  if (!dt || !dt.isValid) throw invalid("executionDate", msg("errors:sepa.executionDate", { value: JSON.stringify(s) }));
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
    throw invalid(f("endToEndId"), msg("errors:sepa.voucherTwice", { endToEndId }));
  }
  seen.add(endToEndId);

  let amountCents: number;
  try {
    amountCents = assertCents(p.amountCents);
  } catch {
    throw invalid(f("amountCents"), msg("errors:sepa.amountNotCents", { endToEndId }));
  }
  if (amountCents <= 0) throw invalid(f("amountCents"), msg("errors:sepa.amountNotPositive", { endToEndId }));
  if (amountCents > MAX_SEPA_AMOUNT_CENTS) {
    throw invalid(f("amountCents"), msg("errors:sepa.amountTooLarge", { endToEndId }));
  }

  const iban = checkPayableIban(p.creditorIban, { euroAccountConfirmed: p.creditorEuroAccountConfirmed });
  if (!iban.ok) throw invalid(f("creditorIban"), msg("errors:sepa.payment", { endToEndId, reason: iban.reason }));

  const remittance = toSepaText(p.remittance ?? "", f("remittance"));
  if (remittance === "") throw invalid(f("remittance"), msg("errors:sepa.remittanceMissing", { endToEndId }));
  if (remittance.length > MAX_REMITTANCE_LENGTH) {
    throw invalid(f("remittance"), msg("errors:sepa.remittanceTooLong", { endToEndId, length: remittance.length, max: MAX_REMITTANCE_LENGTH }));
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

  if (!input.debtor) throw invalid("debtor", msg("errors:sepa.debtorMissing"));
  const debtorName = sepaName(input.debtor.name, "debtor.name");
  const debtorIban = checkSepaIban(input.debtor.iban ?? "");
  if (!debtorIban.ok) throw invalid("debtor.iban", msg("errors:sepa.debtorIban", { reason: debtorIban.reason }));
  const debtorBic = input.debtor.bic ? sepaBic(input.debtor.bic, "debtor.bic") : null;

  if (!Array.isArray(input.payments) || input.payments.length === 0) {
    throw invalid("payments", msg("errors:sepa.batchEmpty"));
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
