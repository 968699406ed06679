/**
 * Money (R1) and currency conversion (R2).
 *
 * Amounts are integer euro cents in a JS number that is always a safe integer. Nothing in this
 * file uses floating-point arithmetic on an amount: parsing and formatting work on digit strings
 * (BigInt where a value may be out of range), and rates/division use decimal.js.
 */
import * as daWords from "n2words/da-DK";
import * as deWords from "n2words/de-DE";
import * as frWords from "n2words/fr-FR";
import * as nlWords from "n2words/nl-NL";
import { Decimal } from "decimal.js";
import { englishText, ValidationError } from "../errors";
import { money, msg, type Message } from "./message";

export type Cents = number;

/** A refusal carries its message (`text`) and its English rendering (`reason`). */
export type ParseResult = { ok: true; cents: Cents } | { ok: false; reason: string; text: Message };

export type MoneyLocale = "en" | "da" | "de" | "fr" | "nl";

export const MONEY_LOCALES: readonly MoneyLocale[] = ["en", "da", "de", "fr", "nl"];

/** EUR 100,000,000.00: far above any voucher or company figure, far below unsafe integers. */
export const DEFAULT_MAX_CENTS: Cents = 10_000_000_000;

/**
 * Decimal with enough significant digits that a division of any safe-integer amount by a rate of
 * up to 13 digits is exact to far below a cent before we round once, so there is no double
 * rounding on the way to ROUND_HALF_UP.
 */
const D = Decimal.clone({ precision: 64, rounding: Decimal.ROUND_HALF_UP });

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

function fail(text: Message): ParseResult {
  return { ok: false, reason: englishText(text), text };
}

/**
 * Reads an amount typed by a person. Accepted: digits with an optional decimal part of one or
 * two digits, optional thousands separators, and optionally "EUR" or "€" before or after.
 *
 * Separator rule (the only place this is decided):
 * - When both "." and "," appear, the one that appears last is the decimal separator and may
 *   appear only once; the other is the thousands separator ("4,000.00", "4.000,00").
 * - A space (also a no-break or narrow no-break space) is only ever a thousands separator
 *   ("4 000,00").
 * - A separator that appears more than once is a thousands separator ("4.000.000").
 * - A single "." or "," with nothing else: followed by one or two digits it is the decimal
 *   separator ("4000.5", "0,50"). Followed by exactly three digits it is ambiguous ("1.234" is
 *   1234 in Danish/German writing and 1.234 in English) and is refused, unless the digits before
 *   it cannot start a thousands group (more than three digits, or a leading 0, as in "0.125"),
 *   in which case it is simply more than two decimals and refused as such.
 * - Thousands groups must look like thousands groups: 1-3 digits not starting with 0, then
 *   groups of exactly 3 digits ("4,000,0" and "4.000.00" are refused).
 * Negative amounts, exponents ("1e3"), other currencies and other characters are refused.
 */
export function parseMoney(input: string, opts: { maxCents?: Cents; allowZero?: boolean } = {}): ParseResult {
  const maxCents = opts.maxCents ?? DEFAULT_MAX_CENTS;
  if (typeof input !== "string") return fail(msg("errors:money.missing"));
  let s = input.replace(/[\u00A0\u202F\u2007\u2009\t]/g, " ").trim();
  if (s === "") return fail(msg("errors:money.missing"));

  if (/^[-\u2212\u2013(]/.test(s) || /[-\u2212\u2013)]$/.test(s) || /(?:eur|€)\s*[-\u2212\u2013(]/i.test(s)) {
    return fail(msg("errors:money.negative"));
  }

  let currencyMarks = 0;
  const prefix = /^(?:eur|€)\s*/i.exec(s);
  if (prefix) {
    s = s.slice(prefix[0].length);
    currencyMarks++;
  }
  const suffix = /\s*(?:eur|€)$/i.exec(s);
  if (suffix) {
    s = s.slice(0, s.length - suffix[0].length);
    currencyMarks++;
  }
  if (currencyMarks > 1) return fail(msg("errors:money.currencyTwice"));
  if (s === "") return fail(msg("errors:money.noFigures"));
  if (/^[a-z]{3}\s*[\d.,]|[\d.,]\s*[a-z]{3}$|[$£¥]/i.test(s)) {
    return fail(msg("errors:money.notEuros"));
  }
  if (/^\d+(?:[.,]\d+)?e[+-]?\d+$/i.test(s)) {
    return fail(msg("errors:money.exponent"));
  }
  if (/[^\d., ]/.test(s)) {
    return fail(msg("errors:money.characters"));
  }
  if (/^[.,]/.test(s)) return fail(msg("errors:money.leadingSeparator"));
  if (/[., ]$/.test(s)) {
    return fail(msg("errors:money.trailingSeparator"));
  }
  if (/[., ]{2}/.test(s)) return fail(msg("errors:money.unreadable"));

  const groups = s.split(/[., ]/);
  const seps = s.replace(/\d/g, "").split("");

  let intGroups: string[];
  let thousandsSep: string | null = null;
  let fraction = "";

  const last = seps.at(-1);
  if (last === undefined) {
    intGroups = groups;
  } else {
    const lastCount = seps.filter((c) => c === last).length;
    if (last === " " || lastCount > 1) {
      // Only thousands separators, no decimal part.
      if (seps.some((c) => c !== last)) return fail(unclearSeparators());
      thousandsSep = last;
      intGroups = groups;
    } else {
      fraction = groups.at(-1) ?? "";
      intGroups = groups.slice(0, -1);
      const lead = intGroups[0] ?? "";
      const others = seps.slice(0, -1);
      const [other] = others;
      if (other !== undefined) {
        if (others.some((c) => c !== other)) return fail(unclearSeparators());
        thousandsSep = other;
      } else if (fraction.length === 3 && lead.length <= 3 && !lead.startsWith("0")) {
        const plain = `${lead}${fraction}`;
        return fail(msg("errors:money.ambiguous", {
          typed: input.trim(), plain, decimal: `${lead}${last}${fraction}`, rounded: `${lead}${last}${fraction.slice(0, 2)}`,
        }));
      }
      if (fraction.length > 2) return fail(msg("errors:money.tooManyDecimals"));
    }
  }

  if (thousandsSep !== null) {
    const lead = intGroups[0] ?? "";
    const okGroups =
      lead.length >= 1 &&
      lead.length <= 3 &&
      !lead.startsWith("0") &&
      intGroups.slice(1).every((g) => g.length === 3);
    if (!okGroups) return fail(unclearSeparators());
  }

  const cents = BigInt(intGroups.join("")) * 100n + BigInt(fraction.padEnd(2, "0") || "0");
  if (cents > BigInt(maxCents)) {
    return fail(msg("errors:money.tooLarge", { max: money(maxCents) }));
  }
  if (cents === 0n && !opts.allowZero) return fail(msg("errors:money.zero"));
  return { ok: true, cents: Number(cents) };
}

function unclearSeparators(): Message {
  return msg("errors:money.unclearSeparators");
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

function splitCents(cents: Cents): { negative: boolean; euros: string; cents: string } {
  const c = assertCents(cents);
  const digits = String(Math.abs(c)).padStart(3, "0");
  return { negative: c < 0, euros: digits.slice(0, -2), cents: digits.slice(-2) };
}

function groupThousands(euros: string, sep: string): string {
  let out = "";
  for (let i = 0; i < euros.length; i++) {
    if (i > 0 && (euros.length - i) % 3 === 0) out += sep;
    out += euros[i];
  }
  return out;
}

/** U+00A0 no-break space: the French thousands separator (see formatMoney). */
export const NBSP = "\u00A0";

/**
 * Formats an amount for people, with the ISO code "EUR" (never "€", so it reads the same in a
 * PDF font without the euro glyph and in every locale).
 * - en: "EUR 4,000.00"
 * - nl: "EUR 4.000,00" (Dutch writes the currency before the amount)
 * - da, de: "4.000,00 EUR"
 * - fr: "4 000,00 EUR" where the thousands separator is U+00A0 (no-break space). French
 *   typography prefers U+202F (narrow no-break space), but the standard PDF fonts (WinAnsi)
 *   have no glyph for it, and U+00A0 keeps the number on one line in HTML as well.
 * The space between the number and "EUR" is always a plain space, in every locale.
 * Negative amounts start with "-" (as the very first character) in every locale.
 */
export function formatMoney(cents: Cents, locale: MoneyLocale = "en"): string {
  const p = splitCents(cents);
  const sign = p.negative ? "-" : "";
  switch (locale) {
    case "en":
      return `${sign}EUR ${groupThousands(p.euros, ",")}.${p.cents}`;
    case "nl":
      return `${sign}EUR ${groupThousands(p.euros, ".")},${p.cents}`;
    case "da":
    case "de":
      return `${sign}${groupThousands(p.euros, ".")},${p.cents} EUR`;
    case "fr":
      return `${sign}${groupThousands(p.euros, NBSP)},${p.cents} EUR`;
    default:
      throw new Error(`Unknown money locale: ${String(locale)}`);
  }
}

/** Machine format for CSV, SEPA and XLSX: "1234.56", "-0.05", "0.00". */
export function formatAmount(cents: Cents): string {
  const p = splitCents(cents);
  return `${p.negative ? "-" : ""}${p.euros}.${p.cents}`;
}

export function centsToDecimal(cents: Cents): Decimal {
  return new Decimal(assertCents(cents)).div(100);
}

// ---------------------------------------------------------------------------------------------
// Arithmetic and normalisation
// ---------------------------------------------------------------------------------------------

/** Sums exactly (BigInt) and refuses a total that no longer fits a safe integer. */
export function sumCents(values: readonly Cents[]): Cents {
  let total = 0n;
  for (const v of values) total += BigInt(assertCents(v));
  if (total > BigInt(Number.MAX_SAFE_INTEGER) || total < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError("The sum of the amounts is too large to be represented exactly.");
  }
  return Number(total);
}

/**
 * The one normalisation for amounts read from the database or elsewhere: PostgreSQL returns
 * bigint columns as strings ("123"), SQLite as numbers. Anything that is not an integer number
 * of cents within the safe range is a bug or corrupt data, so it throws.
 */
export function assertCents(n: unknown): Cents {
  if (typeof n === "number") {
    if (Number.isSafeInteger(n)) return n === 0 ? 0 : n; // no -0
    throw new TypeError(`Not a whole number of cents: ${String(n)}`);
  }
  if (typeof n === "bigint") {
    if (n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(n);
    throw new TypeError(`Amount out of range: ${n.toString()}`);
  }
  if (typeof n === "string" && /^-?\d+$/.test(n.trim())) {
    const b = BigInt(n.trim());
    if (b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(b);
    throw new TypeError(`Amount out of range: ${n}`);
  }
  throw new TypeError(`Not a whole number of cents: ${typeof n === "string" ? JSON.stringify(n) : String(n)}`);
}

export function minCents(a: Cents, b: Cents): Cents {
  return assertCents(a) <= assertCents(b) ? a : b;
}

// ---------------------------------------------------------------------------------------------
// Currency conversion (R2)
// ---------------------------------------------------------------------------------------------

export type RateResult = { ok: true; rate: string } | { ok: false; reason: string };

/**
 * Reads an exchange rate as the Commission publishes it: a positive decimal with at most six
 * decimals, decimal point or comma, no thousands separators. The result keeps every digit the
 * person typed (normalised to a dot, leading zeros of the whole part removed): it is stored and
 * used as is, never rounded.
 */
export function parseRate(input: string): RateResult {
  const s = typeof input === "string" ? input.trim() : "";
  if (s === "") return { ok: false, reason: "Please enter the exchange rate." };
  if (/^[-\u2212]/.test(s)) return { ok: false, reason: "The exchange rate must be a positive number." };
  const m = /^(\d{1,9})(?:[.,](\d{1,6}))?$/.exec(s);
  if (!m) {
    if (/^\d+[.,]\d{7,}$/.test(s)) {
      return { ok: false, reason: "The exchange rate can have at most six decimals, as the Commission publishes it." };
    }
    return {
      ok: false,
      reason: "Please enter the rate as units of the foreign currency per 1 euro, for example 7.4604 for Danish kroner.",
    };
  }
  const [, digits = "", decimals] = m;
  const whole = digits.replace(/^0+(?=\d)/, "");
  const rate = decimals === undefined ? whole : `${whole}.${decimals}`;
  if (new D(rate).isZero()) return { ok: false, reason: "The exchange rate must be greater than zero." };
  return { ok: true, rate };
}

/**
 * Converts an amount in another currency to euro cents at the Commission's monthly accounting
 * rate (InforEuro). InforEuro publishes how many units of the foreign currency one euro buys
 * (DKK 7.4604 = EUR 1), so euros = foreign amount / rate. We divide by the published rate exactly
 * as recorded: we never compute 1/rate (that would be a rounded, different number) and never
 * round the rate. Only the euro result is rounded, once, to the cent, half up.
 *
 * `originalMinorUnits` is the foreign amount in its minor unit (øre for DKK);
 * `currencyMinorDigits` is how many minor-unit digits that currency has (2 for most, 0 for ISK).
 */
export function convertToEurCents(originalMinorUnits: number, rate: string, currencyMinorDigits = 2): Cents {
  if (!Number.isSafeInteger(originalMinorUnits) || originalMinorUnits < 0) {
    throw new ValidationError("The original amount must be a whole, non-negative number of minor units.");
  }
  const parsed = parseRate(rate);
  if (!parsed.ok) throw new ValidationError(parsed.reason, { rate: parsed.reason });
  if (!Number.isInteger(currencyMinorDigits) || currencyMinorDigits < 0 || currencyMinorDigits > 4) {
    throw new RangeError(`Unsupported number of currency minor digits: ${currencyMinorDigits}`);
  }
  const eurCents = new D(originalMinorUnits)
    .mul(100)
    .div(new D(10).pow(currencyMinorDigits))
    .div(new D(parsed.rate))
    .toDecimalPlaces(0, D.ROUND_HALF_UP);
  return assertCents(eurCents.toNumber());
}

// ---------------------------------------------------------------------------------------------
// Amount in words (award letters)
// ---------------------------------------------------------------------------------------------

const ONES = [
  "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
  "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
];
const TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
const SCALES = ["", "thousand", "million", "billion"];

function below1000(n: number): string {
  const parts: string[] = [];
  const hundreds = (n - (n % 100)) / 100;
  const rest = n % 100;
  if (hundreds > 0) parts.push(`${ONES[hundreds] ?? ""} hundred`);
  if (rest > 0) {
    if (rest < 20) parts.push(ONES[rest] ?? "");
    else {
      const tens = TENS[(rest - (rest % 10)) / 10] ?? "";
      parts.push(rest % 10 === 0 ? tens : `${tens}-${ONES[rest % 10] ?? ""}`);
    }
  }
  return parts.join(" ");
}

function integerInWords(n: number): string {
  if (n === 0) return "zero";
  const parts: string[] = [];
  let scale = 0;
  let rest = n;
  while (rest > 0) {
    const chunk = rest % 1000;
    if (chunk > 0) parts.unshift(SCALES[scale] ? `${below1000(chunk)} ${SCALES[scale]}` : below1000(chunk));
    rest = (rest - chunk) / 1000;
    scale++;
    if (scale >= SCALES.length && rest > 0) throw new RangeError("Amount too large to write in words.");
  }
  return parts.join(" ");
}

/**
 * English words for an amount, for award letters: 400000 → "four thousand euros",
 * 50050 → "five hundred euros and fifty cents", 12501 → "one hundred twenty-five euros and one
 * cent". No "and" inside a number (American style), so the only "and" separates euros from cents.
 */
export function amountInWords(cents: Cents, locale: MoneyLocale = "en"): string {
  if (locale !== "en") return amountInWordsOf(cents, locale);
  const p = splitCents(cents);
  const euros = Number(p.euros);
  const c = Number(p.cents);
  const sign = p.negative ? "minus " : "";
  const euroWords = `${integerInWords(euros)} ${euros === 1 ? "euro" : "euros"}`;
  if (c === 0) return sign + euroWords;
  const centWords = `${integerInWords(c)} ${c === 1 ? "cent" : "cents"}`;
  if (euros === 0) return sign + centWords;
  return `${sign}${euroWords} and ${centWords}`;
}

/**
 * A Danish cardinal as a Danish document writes an amount: each group of thousands in one word,
 * a space between the groups and "og" only before a last part under a hundred ("tolvtusind
 * femhundrede", "firetusind tohundrede og halvtreds", "ettusind og en"). n2words' whole number
 * puts "og" between every group ("tolvtusinde og femhundrede") and is not consistent in
 * "tusind"/"tusinde", so the groups are taken from it one by one. "en" (common gender) agrees with
 * euro and cent; n2words' bare 1 is neuter "et". Millions keep n2words' wording, which says "en
 * millioner" for one million: no voucher comes near that amount.
 */
function danishCardinal(n: number): string {
  const unit = (x: number) => (x === 1 ? "en" : daWords.toCardinal(x));
  if (n < 1000) return unit(n);
  const millions = Math.floor(n / 1_000_000);
  const thousands = Math.floor(n / 1000) % 1000;
  const rest = n % 1000;
  const groups: string[] = [];
  if (millions > 0) groups.push(daWords.toCardinal(millions * 1_000_000));
  if (thousands > 0) groups.push(daWords.toCardinal(thousands * 1000));
  if (rest === 0) return groups.join(" ");
  return `${groups.join(" ")}${rest < 100 ? " og " : " "}${unit(rest)}`;
}

/**
 * The amount in words in the other letter languages, from n2words (number words with each
 * language's compounding and agreement rules, which hand-written tables get wrong). German,
 * French and Dutch take its euro wording ("viertausend Euro und fünfzig Cent", "quatre mille
 * euros et cinquante centimes", "vierduizend euro en vijftig cent"); its Danish currency is the
 * krone, so Danish is built from its number words: "firetusind euro og halvtreds cent".
 */
function amountInWordsOf(cents: Cents, locale: Exclude<MoneyLocale, "en">): string {
  const p = splitCents(cents);
  const amount = `${p.euros}.${p.cents}`;
  const sign = p.negative ? { da: "minus ", de: "minus ", fr: "moins ", nl: "min " }[locale] : "";
  switch (locale) {
    case "de":
      return sign + deWords.toCurrency(amount);
    case "fr":
      return sign + frWords.toCurrency(amount);
    case "nl":
      return sign + nlWords.toCurrency(amount);
    case "da": {
      const euros = Number(p.euros);
      const c = Number(p.cents);
      if (c === 0) return `${sign}${danishCardinal(euros)} euro`;
      if (euros === 0) return `${sign}${danishCardinal(c)} cent`;
      return `${sign}${danishCardinal(euros)} euro og ${danishCardinal(c)} cent`;
    }
  }
}
