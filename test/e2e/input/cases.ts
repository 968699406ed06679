import type { Identity } from "../authz/types";
import type { Ids } from "./world";

/*
 * The bad-input case of every route, keyed "METHOD /path/as/registered". The route walk
 * (test/e2e/route-walk.test.ts) fails for a route without one; the generated-input test
 * (test/e2e/hostile-input.test.ts) sends hostile values to each case's fields, query keys and
 * path ids as `as`, its rightful user.
 *
 * `path` gives a concrete path that reaches the handler (real ids of the demo data); `fields` the
 * names the form sends (omit for routes without a form: the CSRF walk still covers them);
 * `query` the query keys a list page reads.
 */
export interface InputCase {
  as: Identity;
  path: (ids: Ids) => string;
  fields?: string[] | ((ids: Ids) => string[]);
  query?: string[];
  /** Routes whose success ends the agent's session are left out of the generated input. */
  endsSession?: boolean;
}

const at = (p: string) => () => p;
const companyFields = ["legalName", "vatNumber", "address", "country", "regionId", "sectorId", "staffHeadcount", "turnover", "balanceSheet", "iban",
  "accountHolder", "rel0_name", "rel0_kind", "rel0_share", "rel0_staff", "rel0_turnover", "rel0_balance", "dm0_body", "dm0_date", "dm0_amount"];
const draftFields = ["title", "description", "objectives", "expectedResult", "counterpartOrgId", "counterpartName", "counterpartCountry",
  "counterpartRegionId", "counterpartKind", "activityStart", "activityEnd", "costTravel", "costAccommodation", "costOther", "next"];
const orgFields = ["name", "regionId", "kind", "competences", "contactName", "contactEmail", "website", "description"];
const ledgerQuery = ["from", "to", "call", "region", "type", "kind", "after", "before"];
const exportQuery = [...ledgerQuery, "headers"];
const token = "not-a-real-token-0123456789";

export const INPUT_CASES: Record<string, InputCase> = {
  // public and registration
  "GET /": { as: "anonymous", path: at("/") },
  "GET /login": { as: "anonymous", path: at("/login") },
  "POST /login": { as: "anonymous", path: at("/login"), fields: ["email", "password"] },
  "POST /logout": { as: "applicant", path: at("/logout"), endsSession: true },
  "GET /healthz": { as: "anonymous", path: at("/healthz") },
  "GET /favicon.ico": { as: "anonymous", path: at("/favicon.ico") },
  // two-factor sign-in
  "GET /login/code": { as: "anonymous", path: at("/login/code") },
  "POST /login/code": { as: "anonymous", path: at("/login/code"), fields: ["code"] },
  "GET /two-factor/setup": { as: "applicant", path: at("/two-factor/setup") },
  "POST /two-factor/setup": { as: "applicant", path: at("/two-factor/setup"), fields: ["code"] },
  "GET /account/two-factor": { as: "applicant", path: at("/account/two-factor") },
  "POST /account/two-factor/disable": { as: "applicant", path: at("/account/two-factor/disable"), fields: ["code"] },
  "GET /step-up": { as: "manager", path: at("/step-up") },
  "POST /step-up": { as: "manager", path: at("/step-up"), fields: ["code"] },
  "GET /step-up/continue": { as: "manager", path: at("/step-up/continue") },
  "GET /register": { as: "anonymous", path: at("/register") },
  "POST /register": { as: "anonymous", path: at("/register"), fields: ["name", "email", "password", ...companyFields] },
  "GET /company": { as: "applicant", path: at("/company") },
  "POST /company": { as: "applicant", path: at("/company"), fields: companyFields },
  "GET /confirm/:token": { as: "anonymous", path: at(`/confirm/${token}`) },
  "GET /password/forgot": { as: "anonymous", path: at("/password/forgot") },
  "GET /password-reset": { as: "anonymous", path: at("/password-reset") },
  "POST /password-reset": { as: "anonymous", path: at("/password-reset"), fields: ["email"] },
  "GET /password-reset/:token": { as: "anonymous", path: at(`/password-reset/${token}`) },
  "POST /password-reset/:token": { as: "anonymous", path: at(`/password-reset/${token}`), fields: ["password"] },
  "GET /invite/:token": { as: "anonymous", path: at(`/invite/${token}`) },
  "POST /invite/:token": { as: "anonymous", path: at(`/invite/${token}`), fields: ["password"] },
  "POST /account/confirmation": { as: "applicant", path: at("/account/confirmation"), fields: ["next"] },
  "POST /company/invite": { as: "applicant", path: at("/company/invite"), fields: ["inviteEmail", "inviteName", "_form"] },
  // one's own sessions and password
  "GET /account/sessions": { as: "manager", path: at("/account/sessions") },
  "POST /account/sessions/others": { as: "manager", path: at("/account/sessions/others") },
  "POST /account/sessions/end": { as: "manager", path: at("/account/sessions/end"), fields: ["session"] },
  "GET /account/password": { as: "finance", path: at("/account/password") },
  "POST /account/password": { as: "finance", path: at("/account/password"), fields: ["currentPassword", "newPassword"] },
  // languages
  "GET /language": { as: "anonymous", path: at("/language"), query: ["lang", "next"] },
  "POST /language": { as: "applicant", path: at("/language"), fields: ["lang", "next"] },
  "GET /account/language": { as: "applicant", path: at("/account/language") },
  "POST /account/language": { as: "applicant", path: at("/account/language"), fields: ["language"] },
  // award letters
  "GET /applications/:id/award-letter.pdf": { as: "applicant", path: (i) => `/applications/${i.approvedOwnApp}/award-letter.pdf` },
  "GET /applications/:id/award-letter-reference.pdf": { as: "manager", path: (i) => `/applications/${i.approvedOwnApp}/award-letter-reference.pdf` },
  "GET /verify": { as: "anonymous", path: at("/verify"), query: ["reference"] },
  "POST /verify": { as: "anonymous", path: at("/verify"), fields: ["reference", "sha256"] },
  // applicant
  "GET /applicant": { as: "applicant", path: at("/applicant") },
  "GET /calls": { as: "applicant", path: at("/calls") },
  "GET /calls/:callId/apply/:typeCode": { as: "applicant", path: (i) => `/calls/${i.openCall}/apply/MG` },
  "POST /calls/:callId/apply/:typeCode": { as: "applicant", path: (i) => `/calls/${i.openCall}/apply/MG`, fields: [...draftFields, "_form"] },
  "GET /applications/:id/edit": { as: "applicant", path: (i) => `/applications/${i.draftApp}/edit` },
  "POST /applications/:id/edit": { as: "applicant", path: (i) => `/applications/${i.draftApp}/edit`, fields: draftFields },
  "GET /applications/:id/check": { as: "applicant", path: (i) => `/applications/${i.draftApp}/check` },
  "POST /applications/:id/submit": { as: "applicant", path: (i) => `/applications/${i.draftApp}/submit`, fields: ["truthful", "smeStatus", "deMinimisComplete", "noDoubleFunding"] },
  "POST /applications/:id/withdraw": { as: "applicant", path: (i) => `/applications/${i.submittedOwnApp}/withdraw` },
  "POST /applications/:id/accept": { as: "applicant", path: (i) => `/applications/${i.approvedOwnApp}/accept` },
  "GET /applications/:id": { as: "applicant", path: (i) => `/applications/${i.draftApp}` },
  "POST /applications/:id/attachments": { as: "applicant", path: (i) => `/applications/${i.draftApp}/attachments` },
  "GET /attachments/:id": { as: "applicant", path: at("/attachments/1") },
  "GET /applications/:id/claim": { as: "applicant", path: (i) => `/applications/${i.approvedOwnApp}/claim` },
  "POST /applications/:id/claim": {
    as: "applicant", path: (i) => `/applications/${i.approvedOwnApp}/claim`,
    fields: ["report", "organisationsMet", "resultContacts", "resultProduct", "followUp", "date_0", "description_0", "currency_0", "amount_0"],
  },
  // managers
  "GET /manager": { as: "manager", path: at("/manager"), query: ["call", "state", "type", "page"] },
  "GET /manager/calls": { as: "manager", path: at("/manager/calls"), query: ["after", "before"] },
  "GET /manager/calls/new": { as: "manager", path: at("/manager/calls/new") },
  "POST /manager/calls": {
    as: "manager", path: at("/manager/calls"),
    fields: ["title", "description", "opensAt", "closesAt", "total", "type_1", "completion_1", "ceiling_type_1", "ceiling_partner_1", "_form"],
  },
  "GET /manager/calls/:id": { as: "manager", path: (i) => `/manager/calls/${i.openCall}` },
  "GET /manager/calls/:id/edit": { as: "manager", path: (i) => `/manager/calls/${i.openCall}/edit` },
  "POST /manager/calls/:id": { as: "manager", path: (i) => `/manager/calls/${i.openCall}`, fields: ["title", "description", "opensAt", "closesAt", "total"] },
  "POST /manager/calls/:id/open": { as: "manager", path: (i) => `/manager/calls/${i.openCall}/open` },
  "POST /manager/calls/:id/close": { as: "manager", path: (i) => `/manager/calls/${i.openCall}/close` },
  "GET /manager/applications/:id": { as: "manager", path: (i) => `/manager/applications/${i.managerApp}` },
  "POST /manager/applications/:id/approve": { as: "manager", path: (i) => `/manager/applications/${i.managerApp}/approve`, fields: ["amount"] },
  "POST /manager/applications/:id/reject": { as: "manager", path: (i) => `/manager/applications/${i.managerApp}/reject`, fields: ["templateId", "reason"] },
  "POST /manager/applications/:id/request-info": { as: "manager", path: (i) => `/manager/applications/${i.managerApp}/request-info`, fields: ["message"] },
  "POST /manager/applications/:id/reserve": { as: "manager", path: (i) => `/manager/applications/${i.managerApp}/reserve` },
  "POST /manager/applications/:id/approve/confirm": { as: "manager", path: (i) => `/manager/applications/${i.managerApp}/approve/confirm`, fields: ["amount", "skipReason"] },
  "POST /manager/applications/:id/reject/confirm": { as: "manager", path: (i) => `/manager/applications/${i.managerApp}/reject/confirm`, fields: ["templateId", "reason"] },
  "POST /manager/applications/:id/request-info/confirm": { as: "manager", path: (i) => `/manager/applications/${i.managerApp}/request-info/confirm`, fields: ["message"] },
  "POST /manager/applications/:id/reserve/confirm": { as: "manager", path: (i) => `/manager/applications/${i.managerApp}/reserve/confirm` },
  "POST /manager/applications/:id/decision": {
    as: "manager", path: (i) => `/manager/applications/${i.managerApp}/decision`, fields: ["choice", "amount", "skipReason", "templateId", "reason", "message"],
  },
  "POST /manager/applications/:id/cancel": { as: "manager", path: (i) => `/manager/applications/${i.managerApp}/cancel`, fields: ["cancelReason"] },
  "POST /manager/applications/:id/conflict": { as: "manager", path: (i) => `/manager/applications/${i.managerApp}/conflict`, fields: ["conflictReason"] },
  "GET /manager/claims": { as: "manager", path: at("/manager/claims"), query: ["page", "after", "before"] },
  "GET /manager/claims/:id": { as: "manager", path: (i) => `/manager/claims/${i.managerClaim}` },
  "POST /manager/claims/:id/verify": {
    as: "manager", path: (i) => `/manager/claims/${i.managerClaim}/verify`,
    fields: (i) => ["intent", ...i.claimLines.flatMap((l) => [`eligible_${l}`, `reason_${l}`, `rate_${l}`, `month_${l}`])],
  },
  "POST /manager/claims/:id/reject": { as: "manager", path: (i) => `/manager/claims/${i.managerClaim}/reject`, fields: ["rejectReason"] },
  "GET /manager/rejection-templates": { as: "manager", path: at("/manager/rejection-templates") },
  "POST /manager/rejection-templates": { as: "manager", path: at("/manager/rejection-templates"), fields: ["id", "title", "text", "_form"] },
  // directory
  "GET /directory": { as: "manager", path: at("/directory"), query: ["q", "region", "kind", "competence", "after", "before"] },
  "GET /directory/referrals": { as: "manager", path: at("/directory/referrals"), query: ["after", "before"] },
  "GET /directory/new": { as: "manager", path: at("/directory/new") },
  "POST /directory": { as: "manager", path: at("/directory"), fields: [...orgFields, "_form"] },
  "GET /directory/:id": { as: "manager", path: (i) => `/directory/${i.foreignOrg}`, query: ["company"] },
  "GET /directory/:id/edit": { as: "manager", path: (i) => `/directory/${i.foreignOrg}/edit` },
  "POST /directory/:id": { as: "manager", path: (i) => `/directory/${i.foreignOrg}`, fields: orgFields },
  "POST /directory/:id/refer": { as: "manager", path: (i) => `/directory/${i.foreignOrg}/refer`, fields: ["companyId", "note", "companySearch", "_form"] },
  // finance
  "GET /finance": { as: "finance", path: at("/finance"), query: ["after", "before"] },
  "POST /finance/payments": { as: "finance", path: at("/finance/payments"), fields: ["claimIds", "paidOn", "bankReference"] },
  "POST /finance/sepa": { as: "finance", path: at("/finance/sepa"), fields: ["claimIds", "executionDate"] },
  "GET /finance/sepa": { as: "finance", path: at("/finance/sepa"), query: ["after", "before"] },
  "GET /finance/sepa/:id": { as: "finance", path: at("/finance/sepa/1") },
  "GET /finance/sepa/:id/pain001.xml": { as: "finance", path: at("/finance/sepa/1/pain001.xml") },
  "POST /finance/sepa/:id/executed": { as: "finance", path: at("/finance/sepa/1/executed") },
  "POST /finance/sepa/:id/cancel": { as: "finance", path: at("/finance/sepa/1/cancel"), fields: ["confirm", "reason"] },
  "GET /finance/payments/:id": { as: "finance", path: at("/finance/payments/1") },
  "POST /finance/payments/:id/returned": { as: "finance", path: at("/finance/payments/1/returned"), fields: ["returnedOn", "reason", "confirm"] },
  "GET /finance/rates": { as: "finance", path: at("/finance/rates") },
  "POST /finance/rates": { as: "finance", path: at("/finance/rates"), fields: ["currency", "month", "rate", "note", "seenUpTo"] },
  "POST /finance/rates/import": { as: "finance", path: at("/finance/rates/import") },
  "GET /finance/ledger": { as: "finance", path: at("/finance/ledger"), query: ledgerQuery },
  "GET /finance/ledger.csv": { as: "finance", path: at("/finance/ledger.csv"), query: exportQuery },
  "GET /finance/ledger.xlsx": { as: "finance", path: at("/finance/ledger.xlsx"), query: exportQuery },
  "GET /finance/reconciliation": { as: "finance", path: at("/finance/reconciliation"), query: [...ledgerQuery, "check"] },
  // results
  "GET /results": { as: "manager", path: at("/results"), query: ["from", "to", "call"] },
  "POST /results/target": { as: "admin", path: at("/results/target"), fields: ["target"] },
  "GET /results/report": { as: "admin", path: at("/results/report"), query: ["from", "to", "call"] },
  "GET /results/report.xlsx": { as: "admin", path: at("/results/report.xlsx"), query: ["from", "to", "call", "headers"] },
  "GET /results/report.pdf": { as: "manager", path: at("/results/report.pdf"), query: ["from", "to", "call"] },
  "GET /results/public": { as: "anonymous", path: at("/results/public") },
  // administration
  "GET /admin": { as: "admin", path: at("/admin") },
  "GET /admin/users": { as: "admin", path: at("/admin/users"), query: ["role", "q", "after", "before"] },
  "GET /admin/users/new": { as: "admin", path: at("/admin/users/new"), query: ["company"] },
  "POST /admin/users": { as: "admin", path: at("/admin/users"), fields: ["email", "name", "title", "password", "role", "partnerId", "companyId", "companySearch", "_form"] },
  "POST /admin/users/:id/active": { as: "admin", path: (i) => `/admin/users/${i.targetUser}/active`, fields: ["active", "back"] },
  "POST /admin/users/:id/role": { as: "admin", path: (i) => `/admin/users/${i.targetUser}/role`, fields: ["role", "partnerId", "companyId", "back"] },
  "POST /admin/users/:id/two-factor/reset": { as: "admin", path: (i) => `/admin/users/${i.targetUser}/two-factor/reset`, fields: ["back"] },
  "GET /admin/audit": { as: "admin", path: at("/admin/audit"), query: ["action", "entityType", "entityId", "actor", "from", "to", "before"] },
  "GET /admin/audit.csv": { as: "admin", path: at("/admin/audit.csv"), query: ["action", "entityType", "entityId", "actor", "from", "to", "headers"] },
  "GET /admin/regions": { as: "admin", path: at("/admin/regions") },
  "GET /admin/regions/:id": { as: "admin", path: (i) => `/admin/regions/${i.ownRegion}` },
  "POST /admin/regions/:id": {
    as: "admin", path: (i) => `/admin/regions/${i.ownRegion}`,
    fields: ["name", "country", "partnerName", "partnerShortName", "partnerAddress", "partnerEmail", "partnerLanguage"],
  },
  "GET /admin/scheme": { as: "admin", path: at("/admin/scheme") },
  "POST /admin/scheme": {
    as: "admin", path: at("/admin/scheme"),
    fields: ["deMinimisCeiling", "blockWhileClaimOpen", ...["MG", "IN", "CO"].flatMap((code) =>
      ["maxCents", "amountRule", "paymentBasis", "preApprovalRequired", "completionDays", "claimDays"].map((setting) => `${setting}_${code}`))],
  },
};

export const caseKey = (method: string, path: string) => `${method} ${path}`;
export const fieldsOf = (c: InputCase, ids: Ids): string[] => (typeof c.fields === "function" ? c.fields(ids) : c.fields ?? []);
