import { clockTime, dayInWords, dayTimeInWords, formatLongDay, isoDayIn, zonedParts } from "../domain/date-format";
import { isMessage, type Message, type MessageParam, type Text } from "../domain/message";
import { formatMoney } from "../domain/money";
import { DATE_LOCALES, type Language, SOURCE_LANGUAGE } from "../languages";
import { translator } from "./index";

/*
 * Renders the messages the domain and services return (server/domain/message.ts) in one
 * language: dates, instants and amounts in that language's conventions, codes through the codes
 * catalogue, nested messages rendered first. English uses the scheme's own English formats
 * (dayInWords, formatMoney "en"), so an English rendering reads exactly as the text did before it
 * moved to the catalogue.
 */

function dayText(language: Language, date: string): string {
  if (language === SOURCE_LANGUAGE) return dayInWords(date);
  return formatLongDay(date, "UTC", DATE_LOCALES[language]) ?? date;
}

function dayTimeText(language: Language, instant: string, timeZone: string): string {
  if (language === SOURCE_LANGUAGE) return dayTimeInWords(instant, timeZone);
  const p = zonedParts(instant, timeZone);
  const date = isoDayIn(instant, timeZone);
  if (!p || !date) return instant;
  return translator(language)("errors:format.dayTime", { day: dayText(language, date), time: clockTime(p.hour, p.minute, DATE_LOCALES[language]) });
}

const regionNames = new Map<Language, Intl.DisplayNames>();

function countryText(language: Language, code: string): string {
  let names = regionNames.get(language);
  if (!names) {
    names = new Intl.DisplayNames([DATE_LOCALES[language]], { type: "region" });
    regionNames.set(language, names);
  }
  try {
    return `${names.of(code) ?? code} (${code})`;
  } catch {
    // Not a well-formed region code (a mistyped IBAN's first letters): shown as typed.
    return code;
  }
}

/**
 * Thousands and decimal separators of each language, as formatMoney writes amounts (French groups
 * with a no-break space). Written out rather than imported: domain/money loads this module
 * through errors.ts, so its constants are not yet defined while this one is evaluated.
 */
const SEPARATORS: Record<Language, { group: string; decimal: string }> = {
  en: { group: ",", decimal: "." }, da: { group: ".", decimal: "," }, de: { group: ".", decimal: "," },
  fr: { group: "\u00A0", decimal: "," }, nl: { group: ".", decimal: "," },
};

/**
 * An exact decimal ("1234.56") in the reader's conventions, digit for digit (never through a
 * float). English keeps the machine form the text always had; anything else is shown as it is.
 */
export function decimalText(language: Language, value: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value);
  if (language === SOURCE_LANGUAGE || !m?.[2]) return value;
  const { group, decimal } = SEPARATORS[language];
  const whole = m[2].replace(/\B(?=(\d{3})+$)/g, group);
  return `${m[1] ?? ""}${whole}${m[3] === undefined ? "" : decimal + m[3]}`;
}

function paramText(language: Language, value: MessageParam): string | number {
  if (typeof value === "string" || typeof value === "number") return value;
  if (isMessage(value)) return renderMessage(language, value);
  switch (value.kind) {
    case "day": return dayText(language, value.date);
    case "dayTime": return dayTimeText(language, value.instant, value.timeZone);
    case "money": return formatMoney(value.cents, language);
    case "decimal": return decimalText(language, value.value);
    case "code": {
      if (value.asStored && language === SOURCE_LANGUAGE) return value.code;
      const label = translator(language)(`codes:${value.group}.${value.code}`, { defaultValue: value.fallback });
      return value.lower && language === SOURCE_LANGUAGE ? label.toLowerCase() : label;
    }
    case "sentenceStart": {
      const text = String(paramText(language, value.text));
      return language === SOURCE_LANGUAGE ? text.charAt(0).toUpperCase() + text.slice(1) : text;
    }
    case "country": return countryText(language, value.code);
    default: return String(value);
  }
}

function renderMessage(language: Language, message: Message): string {
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(message.params)) params[name] = paramText(language, value);
  return translator(language)(message.key, params);
}

/** A text in `language`; a plain string (not yet in a catalogue) as it is. */
export function renderText(language: Language, text: Text): string {
  return typeof text === "string" ? text : renderMessage(language, text);
}

/** The English rendering: error.message, logs, and stored findings read by older code. */
export function englishText(text: Text): string {
  return renderText(SOURCE_LANGUAGE, text);
}
