import type { Finding } from "../../domain/eligibility";
import type { Cents } from "../../domain/money";
import type { ApplicationsRow, DecisionRecordsRow, UsersRow } from "./rows";
import { dbCentsOrNull } from "./values";

export interface DecisionRecord {
  action: string; label: string; decidedAt: string; deciderName: string; amountCents: Cents | null; reason: string | null;
  skipReason: string | null; skippedReference: string | null; findings: Finding[];
}

/** A decision read with its decider's name and the application it skipped (left join: both null when none). */
export type DecisionRecordListedRow = DecisionRecordsRow & {
  decider_name: UsersRow["name"]; skipped_reference: ApplicationsRow["reference"]; skipped_id: ApplicationsRow["id"] | null;
};

const DECISION_LABELS: Record<string, string> = { approve: "Approved", reject: "Rejected", reserve: "Put on the reserve list" };

export function toDecisionRecord(r: DecisionRecordListedRow): DecisionRecord {
  return {
    action: r.action, label: DECISION_LABELS[r.action] ?? r.action, decidedAt: r.decided_at, deciderName: r.decider_name,
    amountCents: dbCentsOrNull(r.amount_cents), reason: r.reason, skipReason: r.skip_reason,
    skippedReference: r.skipped_id === null ? null : (r.skipped_reference ?? `Application ${r.skipped_id}`),
    findings: JSON.parse(r.findings_json) as Finding[],
  };
}
