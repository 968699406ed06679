/**
 * The languages the product speaks: every page (a catalogue per namespace under locales/<code>/),
 * every e-mail template (templates/emails/<code>/) and the award letter
 * (templates/letters/<code>.hbs) exist in each; the server checks the templates at start-up and
 * test/unit/i18n checks the catalogues. Adding a language means adding its code here and its files.
 */
export const LANGUAGES = ["en", "da", "de", "fr", "nl"] as const;
export type Language = (typeof LANGUAGES)[number];

/** English is the source every translation is made from and the last fallback. */
export const SOURCE_LANGUAGE: Language = "en";
export const DEFAULT_LANGUAGE: Language = SOURCE_LANGUAGE;

/** Each language's name in itself, for the switcher and the language choice. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: "English",
  da: "Dansk",
  de: "Deutsch",
  fr: "Français",
  nl: "Nederlands",
};

/** The Intl locale each language writes dates in (en-GB: "3 September 2026", as the scheme's English does). */
export const DATE_LOCALES: Record<Language, string> = { en: "en-GB", da: "da-DK", de: "de-DE", fr: "fr-FR", nl: "nl-NL" };

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/** A stored language code as a language, or null when it is none the product offers. */
export function toLanguage(value: unknown): Language | null {
  return isLanguage(value) ? value : null;
}

/** Pages, e-mails and letters share one list; these names remain for code that speaks of pages. */
export const PAGE_LANGUAGES = LANGUAGES;
export type PageLanguage = Language;
export const isPageLanguage = isLanguage;

