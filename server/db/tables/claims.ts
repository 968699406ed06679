import { isMessage, type Message, type Text } from "../../domain/message";
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
  /** In the reader's language where shown (`{{msg}}`); the English text alone on claims verified before it was stored as a message. */
  payableExplanation: Text | null;
  decisionReason: string | null;
}

export function toClaim(r: ClaimsRow): ClaimRecord {
  return {
    id: r.id, applicationId: r.application_id, status: r.status, report: r.report, organisationsMet: r.organisations_met ?? "",
    resultContacts: r.result_contacts ?? "", resultProduct: r.result_product ?? "", followUp: r.follow_up ?? "",
    submittedAt: r.submitted_at, verifiedAt: r.verified_at, payableCents: dbCentsOrNull(r.payable_cents),
    payableExplanation: storedExplanation(r.payable_explanation), decisionReason: r.decision_reason,
  };
}

/**
 * The payable explanation as stored: its English rendering and its message, the way decision
 * records keep their findings (`message` in English, `text` to translate), so the column still
 * reads in English to anyone looking at the row.
 */
export function explanationToStore(english: string, message: Message): string {
  return JSON.stringify({ message: english, text: message });
}

/** A stored text or explanation read back: the message when one was stored, else the string. */
export function storedExplanation(value: string | null): Text | null {
  if (value === null || !value.startsWith("{")) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return value;
  }
  if (typeof parsed !== "object" || parsed === null) return value;
  const { message, text } = parsed as { message?: unknown; text?: unknown };
  if (isMessage(text)) return text;
  return typeof message === "string" ? message : value;
}
