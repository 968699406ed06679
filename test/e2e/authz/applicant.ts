import type { AuthzCase } from "./types";

const signedIn: AuthzCase["allow"] = ["applicant", "manager", "finance", "admin"];

// Record ids that do not exist answer 404 to those allowed: a refusal is only ever 401/403/login.
export const cases: AuthzCase[] = [
  { method: "GET", path: "/calls", allow: ["applicant"] },
  { method: "GET", path: "/calls/1/apply/MG", allow: ["applicant"] },
  { method: "POST", path: "/calls/1/apply/MG", allow: ["applicant"] },
  { method: "GET", path: "/applications/999999", allow: signedIn },
  { method: "GET", path: "/applications/999999/edit", allow: ["applicant"] },
  { method: "POST", path: "/applications/999999/edit", allow: ["applicant"] },
  { method: "GET", path: "/applications/999999/check", allow: ["applicant"] },
  { method: "POST", path: "/applications/999999/submit", allow: ["applicant"] },
  { method: "POST", path: "/applications/999999/withdraw", allow: ["applicant"] },
  { method: "POST", path: "/applications/999999/accept", allow: ["applicant"] },
  { method: "GET", path: "/applications/999999/claim", allow: ["applicant"] },
  { method: "POST", path: "/applications/999999/claim", allow: ["applicant"] },
  { method: "POST", path: "/applications/999999/attachments", allow: ["applicant"] },
  { method: "GET", path: "/attachments/999999", allow: signedIn },
];

cases.push(
  { method: "GET", path: "/company", allow: ["applicant"] },
  { method: "GET", path: "/register", allow: ["anonymous", "applicant", "manager", "finance", "admin"] },
  { method: "POST", path: "/register", allow: ["anonymous", "applicant", "manager", "finance", "admin"] },
  { method: "POST", path: "/company", allow: ["applicant"] },
);

const everyone: AuthzCase["allow"] = ["anonymous", "applicant", "manager", "finance", "admin"];
cases.push(
  { method: "GET", path: "/password-reset", allow: everyone },
  { method: "POST", path: "/password-reset", allow: everyone },
  { method: "GET", path: "/confirm/not-a-real-token-0123456789", allow: everyone },
  { method: "GET", path: "/invite/not-a-real-token-0123456789", allow: everyone },
  { method: "POST", path: "/invite/not-a-real-token-0123456789", allow: everyone },
  { method: "GET", path: "/password/forgot", allow: everyone },
  { method: "GET", path: "/password-reset/not-a-real-token-0123456789", allow: everyone },
  { method: "POST", path: "/password-reset/not-a-real-token-0123456789", allow: everyone },
  { method: "POST", path: "/company/invite", allow: ["applicant"] },
  { method: "POST", path: "/account/confirmation", allow: ["applicant"] },
);
