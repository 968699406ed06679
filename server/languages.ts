/**
 * The languages the product offers its users. Every e-mail template and the award letter exist
 * in each of them (checked at start-up and by test/unit/letters/templates.test.ts); adding a
 * translation means adding its code here and its files under templates/.
 */
export const LANGUAGES = ["en"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The language of every letter and e-mail until users can choose one. */
export const DEFAULT_LANGUAGE: Language = "en";
