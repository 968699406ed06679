import { isValid } from "i18n-iso-countries";

/** A country as ISO 3166-1 names it, by its two capital letters (DE, not de, XX or EU). */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && isValid(code);
}
