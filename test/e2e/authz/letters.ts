import type { AuthzCase } from "./types";

// Application 1 has no award letter in the seeded data, so signed-in users get the record-level
// 404 (allowed by role, refused by the object check); anonymous visitors are sent to sign in.
export const cases: AuthzCase[] = [
  { method: "GET", path: "/applications/1/award-letter.pdf", allow: ["applicant", "manager", "finance", "admin"] },
  { method: "GET", path: "/applications/1/award-letter-reference.pdf", allow: ["manager", "admin"] },
  // Verification is public: banks, auditors and other aid providers have no account.
  { method: "GET", path: "/verify", allow: ["anonymous", "applicant", "manager", "finance", "admin"] },
  { method: "POST", path: "/verify", allow: ["anonymous", "applicant", "manager", "finance", "admin"] },
];
