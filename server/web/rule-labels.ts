import { RULE_TITLES } from "../domain/rule-titles";
import type { Language } from "../languages";
import { codeText } from "./language";

/* The eligibility rules' titles in the reader's language, from the codes catalogue ("codes:rule.R8"). */

/** "Partner in another region" for applicants. */
export function ruleInWords(rule: string, language: Language): string {
  const known = (RULE_TITLES as Record<string, string>)[rule];
  return known === undefined ? codeText(language, "rule", "other", "Scheme rule") : codeText(language, "rule", rule, known);
}

/** "Partner in another region (R8)" for managers, finance and administrators. */
export function ruleWithNumber(rule: string, language: Language): string {
  return rule in RULE_TITLES ? `${ruleInWords(rule, language)} (${rule})` : rule;
}
