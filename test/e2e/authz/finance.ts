import type { AuthzCase } from "./types";

// Paying is for finance officers only; administrators may read the ledger, its exports and the
// reconciliation but never record a payment.
export const cases: AuthzCase[] = [
  { method: "GET", path: "/finance", allow: ["finance"] },
  { method: "POST", path: "/finance/payments", allow: ["finance"] },
  { method: "POST", path: "/finance/sepa", allow: ["finance"] },
  { method: "GET", path: "/finance/sepa", allow: ["finance"] },
  { method: "GET", path: "/finance/sepa/1", allow: ["finance"] },
  { method: "GET", path: "/finance/sepa/1/pain001.xml", allow: ["finance"] },
  { method: "POST", path: "/finance/sepa/1/executed", allow: ["finance"] },
  { method: "POST", path: "/finance/sepa/1/cancel", allow: ["finance"] },
  { method: "GET", path: "/finance/payments/1", allow: ["finance"] },
  { method: "POST", path: "/finance/payments/1/returned", allow: ["finance"] },
  { method: "GET", path: "/finance/ledger", allow: ["finance", "admin"] },
  { method: "GET", path: "/finance/ledger.csv", allow: ["finance", "admin"] },
  { method: "GET", path: "/finance/ledger.xlsx", allow: ["finance", "admin"] },
  { method: "GET", path: "/finance/reconciliation", allow: ["finance", "admin"] },
  { method: "GET", path: "/finance/rates", allow: ["finance"] },
  { method: "POST", path: "/finance/rates", allow: ["finance"] },
  { method: "POST", path: "/finance/rates/import", allow: ["finance"] },
];
