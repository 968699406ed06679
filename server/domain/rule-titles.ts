/**
 * The eligibility rules in plain words. Applicants read these titles instead of rule numbers;
 * staff see the title with the number, which is how the scheme's documents cite the rules.
 */
import type { RuleId } from "./eligibility";

export const RULE_TITLES: Record<RuleId, string> = {
  R3: "Call open for this voucher",
  R6: "Small or medium-sized enterprise",
  R7: "Health sector and programme region",
  R8: "Partner in another region",
  R9: "De minimis aid limit",
  R10: "One voucher at a time",
  R11: "Activity starts after approval",
  R12: "Completion and claim deadlines",
};

/** "Partner in another region" for applicants. */
export function ruleInWords(rule: string): string {
  return (RULE_TITLES as Record<string, string>)[rule] ?? "Scheme rule";
}

/** "Partner in another region (R8)" for managers, finance and administrators. */
export function ruleWithNumber(rule: string): string {
  return rule in RULE_TITLES ? `${ruleInWords(rule)} (${rule})` : rule;
}
