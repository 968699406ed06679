import { clockTime, dayTimeInWords, formatDay, formatDayIn, formatDayTime, formatDayTimeIn, formatLocalInput, formatLongDay, zonedParts } from "../domain/date-format";
import { DATE_LOCALES, isLanguage } from "../languages";
import { ceilingName } from "../domain/budget";
import { formatMoney, type MoneyLocale } from "../domain/money";
import { translator } from "../i18n";
import { decimalText } from "../i18n/messages";
import { helperLanguage } from "./language";
import { ruleInWords, ruleWithNumber } from "./rule-labels";
import { stateText } from "./view-labels";

/** A value the page could not read is shown as it came rather than hidden. */
function shown(value: unknown, format: (v: string | Date) => string | null): string {
  if (value instanceof Date) return format(value) ?? "";
  if (typeof value !== "string" || !value) return "";
  return format(value) ?? value;
}

/** Handlebars helpers. The time zone is the programme's (R3), set once at start-up. */
export function viewHelpers(timeZone: string) {
  const isOptions = (v: unknown) => typeof v === "object" && v !== null && "hash" in v;
  // Handlebars hands helpers whatever the template names; only text and numbers are shown as text.
  const text = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : "");
  return {
    /** {{msg (ceilingName key label)}}: a budget ceiling named in the page's language (domain/budget.ts). */
    ceilingName: (key: unknown, label: unknown) => ceilingName({ key: text(key), label: text(label) }),
    /** {{money cents}} in the page's conventions ("4.000,00 EUR" on a Danish page); {{money cents "en"}} in a given one. */
    money: (cents: unknown, ...rest: unknown[]) => {
      if (cents === null || cents === undefined || cents === "") return "";
      const locale = typeof rest[0] === "string" && isLanguage(rest[0]) ? rest[0] : helperLanguage(rest.at(-1));
      return formatMoney(Number(cents), locale satisfies MoneyLocale);
    },
    /** Amount in euros for a form field, e.g. 12345 -> "123.45". */
    moneyInput: (cents: unknown) => {
      if (cents === null || cents === undefined || cents === "") return "";
      const n = Number(cents);
      if (!Number.isSafeInteger(n)) return text(cents);
      const sign = n < 0 ? "-" : "";
      const abs = Math.abs(n);
      return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
    },
    /** An amount in a currency's minor units as a figure in the page's conventions ("2000.00", "2.000,00"), without the currency. */
    minorAmount: (minor: unknown, options?: unknown) => {
      const n = Number(minor);
      if (minor === null || minor === undefined || minor === "" || !Number.isSafeInteger(n)) return text(minor);
      const sign = n < 0 ? "-" : "";
      const abs = Math.abs(n);
      return decimalText(helperLanguage(options), `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`);
    },
    /** A stored exact decimal ("7.4604") in the page's conventions ("7,4604"). */
    decimal: (value: unknown, options?: unknown) => decimalText(helperLanguage(options), text(value)),
    date: (value: unknown, options?: unknown) => {
      const language = helperLanguage(options);
      return shown(value, (v) => (language === "en" ? formatDay(v, timeZone) : formatDayIn(v, timeZone, DATE_LOCALES[language])));
    },
    datetime: (value: unknown, options?: unknown) => {
      const language = helperLanguage(options);
      return shown(value, (v) => (language === "en" ? formatDayTime(v, timeZone) : formatDayTimeIn(v, timeZone, DATE_LOCALES[language])));
    },
    /** "3 September 2026 at 14:05", "3. September 2026 um 14:05": an instant written out, for sentences. */
    datetimeWords: (value: unknown, options?: unknown) => {
      const language = helperLanguage(options);
      if (language === "en") return typeof value === "string" || value instanceof Date ? dayTimeInWords(value, timeZone) : "";
      return shown(value, (v) => {
        const p = zonedParts(v, timeZone);
        const day = formatLongDay(v, timeZone, DATE_LOCALES[language]);
        if (!p || !day) return null;
        return translator(language)("common:dateTime.dayAtTime", { day, time: clockTime(p.hour, p.minute, DATE_LOCALES[language]) });
      });
    },
    /** Value for <input type="datetime-local"> in the programme zone. */
    localInput: (value: unknown) => {
      if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return value;
      return shown(value, (v) => formatLocalInput(v, timeZone));
    },
    timeZone: () => timeZone,
    stateLabel: (s: unknown, options: unknown) => stateText(helperLanguage(options), s),
    eq: (a: unknown, b: unknown) => String(a) === String(b),
    ne: (a: unknown, b: unknown) => String(a) !== String(b),
    not: (a: unknown) => !a,
    and: (...args: unknown[]) => args.slice(0, -1).every(Boolean),
    or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
    /** Eligibility rules: plain words for applicants, words and number for staff. */
    ruleWords: (rule: unknown, options: unknown) => ruleInWords(text(rule), helperLanguage(options)),
    ruleLabel: (rule: unknown, options: unknown) => ruleWithNumber(text(rule), helperLanguage(options)),
    startsWith: (s: unknown, prefix: unknown) => typeof s === "string" && typeof prefix === "string" && s.startsWith(prefix),
    includes: (list: unknown, v: unknown) => Array.isArray(list) && list.map(String).includes(String(v)),
    json: (v: unknown) => JSON.stringify(v, null, 2),
    add: (a: unknown, b: unknown) => Number(a) + Number(b),
    concat: (...args: unknown[]) => args.slice(0, -1).map(String).join(""),
    /** Field id for form partials: "cost.travel" -> "f-cost-travel". */
    fieldId: (name: unknown) => `f-${String(name).replace(/[^a-zA-Z0-9_-]+/g, "-")}`,
    /** Handlebars passes an options object as the last argument; this ignores it. */
    default: (v: unknown, fallback: unknown) => (v === undefined || v === null || v === "" || isOptions(v) ? fallback : v),
  };
}
