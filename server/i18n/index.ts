import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import i18next, { type i18n, type TFunction } from "i18next";
import { PAGE_LANGUAGES, type PageLanguage, SOURCE_LANGUAGE } from "../languages";
import { PSEUDO_LOCALE, pseudoCatalogue, pseudoLocaleActive } from "./pseudo";

/**
 * Translated text. Catalogues are JSON files, one per language and namespace:
 * locales/<language>/<namespace>.json, nested keys, i18next placeholders ({{name}}) and plurals
 * (key_one / key_other, with the language's own plural categories). Keys are written
 * "namespace:path.to.key". English is the source; a key missing in another language falls back
 * to English so a gap shows English rather than a key, and the catalogue test reports the gap.
 */

export const LOCALES_DIR = path.resolve(__dirname, "../../locales");

type Catalogue = Record<string, unknown>;
export type Catalogues = Record<string, Record<string, Catalogue>>;

/** Every catalogue on disk, read once: the namespaces are the English source's file names. */
export function readCatalogues(dir = LOCALES_DIR): Catalogues {
  const namespaces = readdirSync(path.join(dir, SOURCE_LANGUAGE))
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
  const out: Catalogues = {};
  for (const language of PAGE_LANGUAGES) {
    const byNamespace: Record<string, Catalogue> = {};
    for (const ns of namespaces) {
      let raw: string;
      try {
        raw = readFileSync(path.join(dir, language, `${ns}.json`), "utf8");
      } catch {
        continue; // a namespace not yet translated falls back to English
      }
      byNamespace[ns] = JSON.parse(raw) as Catalogue;
    }
    out[language] = byNamespace;
  }
  return out;
}

let instance: i18n | undefined;

/** The one i18next instance, initialised synchronously from the catalogues at first use. */
export function i18n(): i18n {
  if (instance) return instance;
  const catalogues = readCatalogues();
  // Made from the English source at load, so it can never fall out of step with it (i18n/pseudo.ts).
  const pseudo = Object.fromEntries(Object.entries(catalogues[SOURCE_LANGUAGE] ?? {}).map(([ns, tree]) => [ns, pseudoCatalogue(tree)]));
  const created = i18next.createInstance();
  void created.init({
    initAsync: false,
    resources: { ...catalogues, [PSEUDO_LOCALE]: pseudo },
    supportedLngs: [...PAGE_LANGUAGES, PSEUDO_LOCALE],
    fallbackLng: SOURCE_LANGUAGE,
    ns: Object.keys(catalogues[SOURCE_LANGUAGE] ?? {}),
    defaultNS: "common",
    nsSeparator: ":",
    keySeparator: ".",
    // Handlebars escapes what a helper returns; escaping here as well would show "&amp;".
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  instance = created;
  return created;
}

/**
 * A translate function bound to one language; while a request asked for the pseudo-locale (only
 * possible when the configuration allows it), every text of that request comes from it instead.
 */
export function translator(language: PageLanguage): TFunction {
  const effective = pseudoLocaleActive() ? PSEUDO_LOCALE : language;
  let t = fixed.get(effective);
  if (!t) {
    t = boundTo(effective);
    fixed.set(effective, t);
  }
  return t;
}

/*
 * Not i18next's getFixedT: its function copies the whole i18next configuration into a new object
 * on every call to resolve a key prefix this code base does not use, which made translating the
 * largest single cost of rendering a page. Passing the language with each call gives the same text.
 *
 * A text with placeholders is also looked up once per key (through namespaces and fallbacks) and
 * then filled in by i18next's own interpolator on each call. A count picks its plural form through
 * i18next's plural resolver and then goes the same way, when the language has that form. Other
 * options that change which text a key resolves to (a context, a default) still go through
 * i18next every time.
 */
const RESOLVING_OPTIONS = new Set(["count", "context", "ordinal", "defaultValue", "lng", "lngs", "ns", "keyPrefix", "replace", "interpolation", "postProcess", "returnObjects", "returnDetails", "joinArrays"]);
/** i18next's default nesting prefix: a text that nests another key is resolved by i18next each time. */
const NESTING = "$t(";

function boundTo(language: string): TFunction {
  const instance = i18n();
  const templates = new Map<string, string | null>();
  const full = (key: string | string[], options?: Record<string, unknown>) => instance.t(key, options ? { ...options, lng: language } : { lng: language });
  const templateOf = (key: string): string | null => {
    let template = templates.get(key);
    if (template === undefined) {
      const raw: unknown = instance.t(key, { lng: language, skipInterpolation: true });
      template = typeof raw === "string" && !raw.includes(NESTING) ? raw : null;
      templates.set(key, template);
    }
    return template;
  };
  // i18next types its services loosely; this is the one method used.
  const plurals = instance.services.pluralResolver as { getSuffix(language: string, count: number): string };
  const pluralForms = new Map<string, boolean>();
  const hasForm = (form: string): boolean => {
    let has = pluralForms.get(form);
    if (has === undefined) pluralForms.set(form, (has = instance.exists(form, { lng: language })));
    return has;
  };
  const bound = (key: string | string[], options?: Record<string, unknown>): string => {
    if (typeof key !== "string") return full(key, options);
    const resolving = options ? Object.keys(options).filter((k) => RESOLVING_OPTIONS.has(k)) : [];
    if (options && resolving.length > 0) {
      const count = options.count;
      if (resolving.length > 1 || typeof count !== "number") return full(key, options);
      const form = `${key}${plurals.getSuffix(language, count)}`;
      const template = hasForm(form) ? templateOf(form) : null;
      return template === null ? full(key, options) : instance.services.interpolator.interpolate(template, options, language, {});
    }
    const template = templateOf(key);
    if (template === null) return full(key, options);
    if (options) return instance.services.interpolator.interpolate(template, options, language, {});
    // Without values a text with placeholders is left to i18next, which decides what an unfilled one shows.
    return template.includes("{{") ? full(key, options) : template;
  };
  return bound as unknown as TFunction;
}

const fixed = new Map<string, TFunction>();
const textsOrFallbacks = new Map<string, string>();

/**
 * A text without placeholders, or `fallback` when the catalogue has none, remembered once looked
 * up: a default value makes i18next resolve the key again on every call (see boundTo), and a page
 * of fifty rows asks for the same few code labels again and again. The catalogues are read once
 * per process, so a remembered text never goes stale.
 */
export function textOr(language: PageLanguage, key: string, fallback: string): string {
  const effective = pseudoLocaleActive() ? PSEUDO_LOCALE : language;
  const cacheKey = `${effective}\u0000${key}\u0000${fallback}`;
  let text = textsOrFallbacks.get(cacheKey);
  if (text === undefined) {
    text = translator(language)(key, { defaultValue: fallback });
    textsOrFallbacks.set(cacheKey, text);
  }
  return text;
}
