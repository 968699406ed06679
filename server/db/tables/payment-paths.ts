import type { PaymentPathsRow } from "./rows";

export type PaymentPathKind = "hand" | "batch";

/** How a claim is being paid: by hand, or in a SEPA batch; one open path per claim. */
export interface PaymentPath {
  id: number;
  claimId: number;
  kind: PaymentPathKind;
  batchId: number | null;
  paymentId: number | null;
  openedAt: string;
  openedBy: number;
  closedAt: string | null;
  closedBy: number | null;
}

export function toPaymentPathKind(value: string): PaymentPathKind {
  if (value !== "hand" && value !== "batch") throw new Error(`unknown payment path kind: ${value}`);
  return value;
}

export function toPaymentPath(r: PaymentPathsRow): PaymentPath {
  return {
    id: r.id, claimId: r.claim_id, kind: toPaymentPathKind(r.kind), batchId: r.batch_id, paymentId: r.payment_id,
    openedAt: r.opened_at, openedBy: r.opened_by, closedAt: r.closed_at, closedBy: r.closed_by,
  };
}
