import type { AuthzCase } from "./types";

const signedIn: AuthzCase["allow"] = ["applicant", "manager", "finance", "admin"];

/*
 * Two-factor pages. The code page after the password belongs to a half-signed-in session, which
 * this matrix has no identity for (test/e2e/two-factor.test.ts covers it): anyone else posting a
 * code is refused, and a signed-in user opening it is sent home.
 */
export const cases: AuthzCase[] = [
  { method: "GET", path: "/login/code", allow: signedIn },
  { method: "POST", path: "/login/code", allow: [] },
  { method: "GET", path: "/two-factor/setup", allow: signedIn },
  { method: "POST", path: "/two-factor/setup", allow: ["applicant"] },
  { method: "GET", path: "/account/two-factor", allow: signedIn },
  { method: "POST", path: "/account/two-factor/disable", allow: ["applicant"] },
  { method: "GET", path: "/step-up", allow: signedIn },
  { method: "POST", path: "/step-up", allow: signedIn },
  { method: "GET", path: "/step-up/continue", allow: signedIn },
  { method: "POST", path: "/admin/users/999/two-factor/reset", allow: ["admin"] },
];
