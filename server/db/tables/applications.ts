import type { AppState } from "../../domain/lifecycle";
import type { Cents } from "../../domain/money";
import { dbAppState } from "./enums";
import type { ApplicationsRow, CallsRow, CompaniesRow, PartnersRow, RegionsRow, VoucherTypesRow } from "./rows";
import { dbCentsOrNull } from "./values";

/** An application with the names every page shows next to it (call, company, type, partner, region). */
export interface Application {
  id: number;
  reference: string | null;
  callId: number;
  callTitle: string;
  companyId: number;
  companyName: string;
  companyRegionId: number | null;
  voucherTypeId: number;
  voucherTypeCode: string;
  voucherTypeName: string;
  partnerId: number;
  partnerName: string;
  regionCode: string;
  state: AppState;
  title: string;
  description: string;
  objectives: string;
  expectedResult: string;
  counterpartOrgId: number | null;
  counterpartName: string;
  counterpartCountry: string | null;
  counterpartRegionId: number | null;
  counterpartKind: string | null;
  activityStart: string | null;
  activityEnd: string | null;
  costTravelCents: Cents | null;
  costAccommodationCents: Cents | null;
  costOtherCents: Cents | null;
  requestedCents: Cents | null;
  approvedCents: Cents | null;
  submissionJson: string | null;
  eligibilityJson: string | null;
  submittedAt: string | null;
  decidedAt: string | null;
  decidedBy: number | null;
  decisionReason: string | null;
  approvedOn: string | null;
  completionDeadline: string | null;
  claimDeadline: string | null;
  acceptedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The columns of the joins an Application is read with (see APPLICATION_COLUMNS). */
export type ApplicationJoinedRow = ApplicationsRow & {
  call_title: CallsRow["title"];
  company_name: CompaniesRow["legal_name"];
  company_region_id: CompaniesRow["region_id"];
  vt_code: VoucherTypesRow["code"];
  vt_name: VoucherTypesRow["name"];
  partner_name: PartnersRow["name"];
  region_code: RegionsRow["code"];
};

/** Select list for applications as a, calls as c, companies as co, voucher_types as vt, partners as p, regions as r. */
export const APPLICATION_COLUMNS = [
  "a.*", "c.title as call_title", "co.legal_name as company_name", "co.region_id as company_region_id",
  "vt.code as vt_code", "vt.name as vt_name", "p.name as partner_name", "r.code as region_code",
] as const;

/**
 * An application as a list shows it, one row of a page. It leaves out the submission's texts and
 * JSON, which are most of an application's bytes: reading them for every row made a page of the
 * review queue cost two to three times what it does without them.
 */
export type ListedApplication = Pick<Application, "id" | "reference" | "state" | "title" | "requestedCents" | "submittedAt" | "callTitle" | "companyName" | "voucherTypeName">;

export type ListedApplicationRow = Pick<ApplicationsRow, "id" | "reference" | "state" | "title" | "requested_cents" | "submitted_at"> &
  Pick<ApplicationJoinedRow, "call_title" | "company_name" | "vt_name">;

/** Select list for a ListedApplication: applications as a, calls as c, companies as co, voucher_types as vt. */
export const LISTED_APPLICATION_COLUMNS = [
  "a.id", "a.reference", "a.state", "a.title", "a.requested_cents", "a.submitted_at",
  "c.title as call_title", "co.legal_name as company_name", "vt.name as vt_name",
] as const;

export function toListedApplication(r: ListedApplicationRow): ListedApplication {
  return {
    id: r.id, reference: r.reference, state: dbAppState(r.state), title: r.title, requestedCents: dbCentsOrNull(r.requested_cents),
    submittedAt: r.submitted_at, callTitle: r.call_title, companyName: r.company_name, voucherTypeName: r.vt_name,
  };
}

export function toApplication(r: ApplicationJoinedRow): Application {
  return {
    id: r.id, reference: r.reference, callId: r.call_id, callTitle: r.call_title,
    companyId: r.company_id, companyName: r.company_name, companyRegionId: r.company_region_id,
    voucherTypeId: r.voucher_type_id, voucherTypeCode: r.vt_code, voucherTypeName: r.vt_name,
    partnerId: r.partner_id, partnerName: r.partner_name, regionCode: r.region_code,
    state: dbAppState(r.state), title: r.title, description: r.description,
    objectives: r.objectives, expectedResult: r.expected_result,
    counterpartOrgId: r.counterpart_org_id, counterpartName: r.counterpart_name,
    counterpartCountry: r.counterpart_country, counterpartRegionId: r.counterpart_region_id,
    counterpartKind: r.counterpart_kind, activityStart: r.activity_start, activityEnd: r.activity_end,
    costTravelCents: dbCentsOrNull(r.cost_travel_cents), costAccommodationCents: dbCentsOrNull(r.cost_accommodation_cents),
    costOtherCents: dbCentsOrNull(r.cost_other_cents), requestedCents: dbCentsOrNull(r.requested_cents),
    approvedCents: dbCentsOrNull(r.approved_cents), submissionJson: r.submission_json, eligibilityJson: r.eligibility_json,
    submittedAt: r.submitted_at, decidedAt: r.decided_at, decidedBy: r.decided_by, decisionReason: r.decision_reason,
    approvedOn: r.approved_on, completionDeadline: r.completion_deadline, claimDeadline: r.claim_deadline,
    acceptedAt: r.accepted_at, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
