import type { AuthzCase } from "./types";

// The switcher is for everyone; the saved language is a signed-in user's own.
export const cases: AuthzCase[] = [
  { method: "GET", path: "/language", allow: ["anonymous", "applicant", "manager", "finance", "admin"] },
  { method: "POST", path: "/language", allow: ["anonymous", "applicant", "manager", "finance", "admin"] },
  { method: "GET", path: "/account/language", allow: ["applicant", "manager", "finance", "admin"] },
  { method: "POST", path: "/account/language", allow: ["applicant", "manager", "finance", "admin"] },
];
