import type { Actor } from "../services/platform/context";

export interface NavItem { href: string; label: string; current: boolean }

const ITEMS: Record<string, { href: string; label: string }[]> = {
  applicant: [
    { href: "/applicant", label: "My applications" },
    { href: "/calls", label: "Open calls" },
    { href: "/directory", label: "Directory" },
    { href: "/company", label: "Company" },
  ],
  manager: [
    { href: "/manager", label: "Review queue" },
    { href: "/manager/calls", label: "Calls" },
    { href: "/manager/claims", label: "Claims" },
    { href: "/directory", label: "Directory" },
    { href: "/results", label: "Results" },
  ],
  finance: [
    { href: "/finance", label: "Payments" },
    { href: "/finance/ledger", label: "Ledger" },
    { href: "/finance/reconciliation", label: "Reconciliation" },
    { href: "/finance/rates", label: "Exchange rates" },
  ],
  admin: [
    { href: "/admin", label: "Overview" },
    { href: "/admin/users", label: "Users" },
    { href: "/admin/regions", label: "Regions and partners" },
    { href: "/admin/scheme", label: "Scheme settings" },
    { href: "/admin/audit", label: "Audit log" },
    { href: "/manager", label: "Applications" },
    { href: "/manager/calls", label: "Calls" },
    { href: "/finance/ledger", label: "Ledger" },
    { href: "/finance/reconciliation", label: "Reconciliation" },
    { href: "/directory", label: "Directory" },
    { href: "/results", label: "Results" },
  ],
};

/** Role-aware navigation; later features add their entries here. */
export function navigationFor(user: Actor | null, path: string): NavItem[] {
  if (!user) return [];
  const items = ITEMS[user.role] ?? [];
  // The longest matching prefix is the current section.
  const best = items.filter((i) => path === i.href || path.startsWith(i.href + "/")).sort((a, b) => b.href.length - a.href.length)[0];
  return items.map((i) => ({ ...i, current: i === best }));
}
