/**
 * The award letter's template: the wording, in templates/letters/<language>.hbs, which regional
 * partners can reword without code. Handlebars turns the letter's data into the letter markup
 * (letter-markup.ts) that the PDF writer lays out.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import { formatLongDay } from "../domain/date-format";
import { amountInWords, formatMoney } from "../domain/money";
import { claimsOpenOn } from "../domain/claims";
import {
  type AwardLetterData,
  deMinimisTotalCents,
  type LetterLanguage,
  OFFERED_LETTER_LANGUAGES,
  validateAwardLetterData,
} from "./award-letter-data";
import { type LetterMarkup, markValues, parseLetterMarkup, unmark } from "./letter-markup";

export const LETTER_TEMPLATE_DIR = path.resolve(__dirname, "../../templates/letters");
let templateDir = LETTER_TEMPLATE_DIR;

const FALLBACK_LANGUAGE: LetterLanguage = "en";

/** Intl locales for dates: en-GB, because the letter is British English ("23 November 2026"). */
const DATE_LOCALES: Record<LetterLanguage, string> = {
  en: "en-GB",
  da: "da-DK",
  de: "de-DE",
  fr: "fr-FR",
  nl: "nl-NL",
};

interface RenderData {
  language: LetterLanguage;
  timeZone: string;
}

const hb = Handlebars.create();

hb.registerHelper("money", function (cents: unknown, options: Handlebars.HelperOptions) {
  if (typeof cents !== "number") throw new Error("{{money}} needs an amount in cents.");
  // No-break spaces: "EUR" and the figure are never split over two lines.
  return formatMoney(cents, (options.data as RenderData).language).replace(/ /g, "\u00A0");
});

/** {{date x}}: a YYYY-MM-DD calendar date as is, or an instant as its date in data.timeZone. */
hb.registerHelper("date", function (value: unknown, options: Handlebars.HelperOptions) {
  if (typeof value !== "string") throw new Error("{{date}} needs a date string.");
  const { language, timeZone } = options.data as RenderData;
  const v = unmark(value);
  const text = formatLongDay(v, timeZone, DATE_LOCALES[language]);
  if (text === null) throw new Error(`{{date}} cannot read "${v}".`);
  return text;
});

type CompiledLetter = { language: LetterLanguage; render: Handlebars.TemplateDelegate };
const templates = new Map<LetterLanguage, CompiledLetter>();

/** Read and compiled once per language; a language without its own file uses English. */
function letterTemplate(language: LetterLanguage): CompiledLetter {
  const cached = templates.get(language);
  if (cached) return cached;
  const file = path.join(templateDir, `${language}.hbs`);
  let compiled: CompiledLetter;
  if (existsSync(file)) {
    // noEscape: the output is not HTML; values are made safe by markValues instead.
    const render = hb.compile(readFileSync(file, "utf8"), { noEscape: true, strict: true });
    compiled = { language, render };
  } else if (language !== FALLBACK_LANGUAGE) {
    compiled = letterTemplate(FALLBACK_LANGUAGE);
  } else {
    throw new Error(`The award letter template is missing: ${file}`);
  }
  templates.set(language, compiled);
  return compiled;
}

/**
 * Reads and compiles the letter template of every language the product offers from `dir`, for
 * the whole process, and returns what is missing (the start-up check reports it). A language the
 * renderer knows but the product does not offer is still read on first use, falling back to English.
 */
export function loadLetterTemplates(dir: string = LETTER_TEMPLATE_DIR): string[] {
  const problems = OFFERED_LETTER_LANGUAGES
    .map((language) => path.join(dir, `${language}.hbs`))
    .filter((file) => !existsSync(file))
    .map((file) => `${file}: missing (award letter)`);
  if (problems.length > 0) return problems;
  templateDir = dir;
  templates.clear();
  for (const language of OFFERED_LETTER_LANGUAGES) letterTemplate(language);
  return [];
}

/** The template's output for the data (exported for tests and template authors). */
export function renderAwardLetterMarkup(data: AwardLetterData): { language: LetterLanguage; markup: LetterMarkup } {
  validateAwardLetterData(data);
  const template = letterTemplate(data.language);
  const context = markValues({
    ...data,
    amountInWords: amountInWords(data.amountCents, template.language),
    voucherType: { ...data.voucherType, preApprovalRequired: data.voucherType.preApprovalRequired ?? false },
    paysActualCosts: data.voucherType.paymentBasis === "actual-costs-capped",
    // The same day the claim form opens on (R11: a claim once the activity has ended).
    claimsFrom: claimsOpenOn(data),
    deMinimis: {
      ...data.deMinimis,
      totalCents: deMinimisTotalCents(data),
    },
  });
  const renderData: RenderData = { language: template.language, timeZone: data.timeZone };
  const text = template.render(context, { data: renderData });
  return { language: template.language, markup: parseLetterMarkup(text) };
}
