/**
 * The languages the product offers its users. Every e-mail template and the award letter exist
 * in each of them (checked at start-up and by test/unit/letters/templates.test.ts); adding a
 * translation means adding its code here and its files under templates/.
 */
export const LANGUAGES = ["en"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The language of every letter and e-mail until users can choose one. */
export const DEFAULT_LANGUAGE: Language = "en";

/**
 * The languages pages are shown in, each with one catalogue per namespace under locales/<code>/.
 * E-mails and letters join once their templates exist in each (LANGUAGES above).
 */
export const PAGE_LANGUAGES = ["en", "da", "de", "fr", "nl"] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];
export const SOURCE_LANGUAGE: PageLanguage = "en";

export function isPageLanguage(value: unknown): value is PageLanguage {
  return typeof value === "string" && (PAGE_LANGUAGES as readonly string[]).includes(value);
}
