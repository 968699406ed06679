import type { AuthzCase } from "./types";

const STAFF: AuthzCase["allow"] = ["manager", "admin"];
const SIGNED_IN: AuthzCase["allow"] = ["applicant", "manager", "finance", "admin"];

// Ids that do not exist in the matrix's data: allowed roles get a 404 (not a refusal), others 403.
export const cases: AuthzCase[] = [
  { method: "GET", path: "/manager/calls", allow: STAFF },
  { method: "GET", path: "/manager/calls/new", allow: STAFF },
  { method: "POST", path: "/manager/calls", allow: STAFF },
  { method: "GET", path: "/manager/calls/999", allow: STAFF },
  { method: "GET", path: "/manager/calls/999/edit", allow: STAFF },
  { method: "POST", path: "/manager/calls/999", allow: STAFF },
  { method: "POST", path: "/manager/calls/999/open", allow: STAFF },
  { method: "POST", path: "/manager/calls/999/close", allow: STAFF },
  { method: "GET", path: "/manager/applications/999", allow: STAFF },
  { method: "POST", path: "/manager/applications/999/approve", allow: STAFF },
  { method: "POST", path: "/manager/applications/999/reject", allow: STAFF },
  { method: "POST", path: "/manager/applications/999/request-info", allow: STAFF },
  { method: "POST", path: "/manager/applications/999/reserve", allow: STAFF },
  { method: "POST", path: "/manager/applications/999/approve/confirm", allow: STAFF },
  { method: "POST", path: "/manager/applications/999/reject/confirm", allow: STAFF },
  { method: "POST", path: "/manager/applications/999/request-info/confirm", allow: STAFF },
  { method: "POST", path: "/manager/applications/999/reserve/confirm", allow: STAFF },
  { method: "POST", path: "/manager/applications/999/decision", allow: STAFF },
  { method: "POST", path: "/manager/applications/999/cancel", allow: STAFF },
  { method: "POST", path: "/manager/applications/999/conflict", allow: STAFF },
  { method: "GET", path: "/manager/claims", allow: STAFF },
  { method: "GET", path: "/manager/claims/999", allow: STAFF },
  { method: "POST", path: "/manager/claims/999/verify", allow: STAFF },
  { method: "POST", path: "/manager/claims/999/reject", allow: STAFF },
  { method: "GET", path: "/manager/rejection-templates", allow: STAFF },
  { method: "POST", path: "/manager/rejection-templates", allow: STAFF },
  { method: "GET", path: "/directory", allow: SIGNED_IN },
  { method: "GET", path: "/directory/referrals", allow: SIGNED_IN },
  { method: "GET", path: "/directory/new", allow: STAFF },
  { method: "POST", path: "/directory", allow: STAFF },
  { method: "GET", path: "/directory/999", allow: SIGNED_IN },
  { method: "GET", path: "/directory/999/edit", allow: STAFF },
  { method: "POST", path: "/directory/999", allow: STAFF },
  { method: "POST", path: "/directory/999/refer", allow: ["manager"] },
];
