import { translator } from "../i18n";
import { type Language, SOURCE_LANGUAGE } from "../languages";
import type { Actor } from "../services/platform/context";

export interface NavItem { href: string; label: string; current: boolean }

/** Labels are catalogue keys, translated for the page's language. */
const ITEMS: Record<string, { href: string; label: string }[]> = {
  applicant: [
    { href: "/applicant", label: "common:nav.myApplications" },
    { href: "/calls", label: "common:nav.openCalls" },
    { href: "/directory", label: "common:nav.directory" },
    { href: "/company", label: "common:nav.company" },
  ],
  manager: [
    { href: "/manager", label: "common:nav.reviewQueue" },
    { href: "/manager/calls", label: "common:nav.calls" },
    { href: "/manager/claims", label: "common:nav.claims" },
    { href: "/directory", label: "common:nav.directory" },
    { href: "/results", label: "common:nav.results" },
  ],
  finance: [
    { href: "/finance", label: "common:nav.payments" },
    { href: "/finance/sepa", label: "common:nav.sepaBatches" },
    { href: "/finance/ledger", label: "common:nav.ledger" },
    { href: "/finance/reconciliation", label: "common:nav.reconciliation" },
    { href: "/finance/rates", label: "common:nav.exchangeRates" },
  ],
  admin: [
    { href: "/admin", label: "common:nav.overview" },
    { href: "/admin/users", label: "common:nav.users" },
    { href: "/admin/regions", label: "common:nav.regionsAndPartners" },
    { href: "/admin/scheme", label: "common:nav.schemeSettings" },
    { href: "/admin/audit", label: "common:nav.auditLog" },
    { href: "/manager", label: "common:nav.applications" },
    { href: "/manager/calls", label: "common:nav.calls" },
    { href: "/finance/ledger", label: "common:nav.ledger" },
    { href: "/finance/reconciliation", label: "common:nav.reconciliation" },
    { href: "/directory", label: "common:nav.directory" },
    { href: "/results", label: "common:nav.results" },
  ],
};

/** Role-aware navigation; later features add their entries here. */
export function navigationFor(user: Actor | null, path: string, language: Language = SOURCE_LANGUAGE): NavItem[] {
  if (!user) return [];
  const items = ITEMS[user.role] ?? [];
  // The longest matching prefix is the current section.
  const best = items.filter((i) => path === i.href || path.startsWith(i.href + "/")).sort((a, b) => b.href.length - a.href.length)[0];
  const t = translator(language);
  return items.map((i) => ({ href: i.href, label: t(i.label), current: i === best }));
}
