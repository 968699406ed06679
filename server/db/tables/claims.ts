import type { Cents } from "../../domain/money";
import type { ClaimsRow } from "./rows";
import { dbCentsOrNull } from "./values";

export type ClaimStatus = "submitted" | "verified" | "rejected";

export interface ClaimRecord {
  id: number;
  applicationId: number;
  status: string;
  report: string;
  organisationsMet: string;
  resultContacts: string;
  resultProduct: string;
  followUp: string;
  submittedAt: string;
  verifiedAt: string | null;
  payableCents: Cents | null;
  payableExplanation: string | null;
  decisionReason: string | null;
}

export function toClaim(r: ClaimsRow): ClaimRecord {
  return {
    id: r.id, applicationId: r.application_id, status: r.status, report: r.report, organisationsMet: r.organisations_met ?? "",
    resultContacts: r.result_contacts ?? "", resultProduct: r.result_product ?? "", followUp: r.follow_up ?? "",
    submittedAt: r.submitted_at, verifiedAt: r.verified_at, payableCents: dbCentsOrNull(r.payable_cents),
    payableExplanation: r.payable_explanation, decisionReason: r.decision_reason,
  };
}
