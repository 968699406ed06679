import type { AuthzCase } from "./types";

// Results: the dashboard and indicator report for administrators and cluster managers; the
// target is set by administrators; the public page needs no sign-in.
export const cases: AuthzCase[] = [
  { method: "GET", path: "/results", allow: ["manager", "admin"] },
  { method: "POST", path: "/results/target", allow: ["admin"] },
  { method: "GET", path: "/results/report", allow: ["manager", "admin"] },
  { method: "GET", path: "/results/report.xlsx", allow: ["manager", "admin"] },
  { method: "GET", path: "/results/report.pdf", allow: ["manager", "admin"] },
  { method: "GET", path: "/results/public", allow: ["anonymous", "applicant", "manager", "finance", "admin"] },
];
