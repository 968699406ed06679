import type { AuthzCase } from "./types";

const everyone = ["applicant", "manager", "finance", "admin"] as const;

/** One's own sessions and password: any signed-in person, nobody anonymous. */
export const cases: AuthzCase[] = [
  { method: "GET", path: "/account/sessions", allow: [...everyone] },
  { method: "POST", path: "/account/sessions/others", allow: [...everyone] },
  { method: "POST", path: "/account/sessions/end", allow: [...everyone] },
  { method: "GET", path: "/account/password", allow: [...everyone] },
  { method: "POST", path: "/account/password", allow: [...everyone] },
];
