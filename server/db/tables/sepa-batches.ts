import type { Cents } from "../../domain/money";
import type { SepaBatchesRow } from "./rows";
import { dbCents } from "./values";

export type BatchStatus = "prepared" | "executed" | "cancelled";

/** A pain.001 credit-transfer file and where it stands. */
export interface SepaBatch {
  id: number;
  messageId: string;
  status: BatchStatus;
  executionDate: string;
  totalCents: Cents;
  transactionCount: number;
  createdAt: string;
  executedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
}

export function toBatchStatus(value: string): BatchStatus {
  if (value !== "prepared" && value !== "executed" && value !== "cancelled") throw new Error(`unknown SEPA batch status: ${value}`);
  return value;
}

export function toSepaBatch(r: SepaBatchesRow): SepaBatch {
  return {
    id: r.id, messageId: r.message_id, status: toBatchStatus(r.status), executionDate: r.execution_date,
    totalCents: dbCents(r.total_cents), transactionCount: r.transaction_count, createdAt: r.created_at,
    executedAt: r.executed_at, cancelledAt: r.cancelled_at, cancelReason: r.cancel_reason,
  };
}
