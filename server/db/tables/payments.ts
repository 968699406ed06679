import type { Cents } from "../../domain/money";
import type { PaymentsRow } from "./rows";
import { dbCents } from "./values";

/** Money that left for one claim (R15); at most one standing per claim, besides any the bank sent back (R5). */
export interface Payment {
  id: number;
  claimId: number;
  applicationId: number;
  amountCents: Cents;
  /** The value date on the bank statement, YYYY-MM-DD. */
  paidOn: string;
  bankReference: string;
  iban: string;
  batchId: number | null;
  recordedBy: number;
  recordedAt: string;
  /** The value date of the bank's return, and its reason; null while the payment stands. */
  returnedOn: string | null;
  returnReason: string | null;
}

export function toPayment(r: PaymentsRow): Payment {
  return {
    id: r.id, claimId: r.claim_id, applicationId: r.application_id, amountCents: dbCents(r.amount_cents), paidOn: r.paid_on,
    bankReference: r.bank_reference, iban: r.iban, batchId: r.batch_id, recordedBy: r.recorded_by, recordedAt: r.recorded_at,
    returnedOn: r.returned_on, returnReason: r.return_reason,
  };
}
