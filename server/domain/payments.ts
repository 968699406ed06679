/**
 * When money may leave for a verified claim (R15), as one pure decision shared by every step that
 * lets it leave: recording a hand payment, putting the claim into a SEPA batch and marking that
 * batch executed. The services gather the facts under their locks and ask here; the database's
 * one-open-path index (payment_paths) is the backstop when two steps race.
 */
import { day, money, msg, storedCode, type Text } from "./message";
import type { Cents } from "./money";

/** The payment path a claim is on, if any: paid by hand, or in a SEPA batch. */
export type OpenPath =
  | { kind: "hand"; paidOn: string | null; bankReference: string | null }
  | { kind: "batch"; batchId: number; messageId: string; status: string };

/** The step asking: a hand payment, a batch being prepared, or batch `batchId` being executed. */
export type PaymentStep = { kind: "hand" } | { kind: "prepare" } | { kind: "execute"; batchId: number; messageId: string };

export interface PaymentFacts {
  actorId: number;
  claimStatus: string;
  applicationState: string;
  /** The manager who verified the claim and the one who approved the application. */
  verifiedBy: number | null;
  decidedBy: number | null;
  /** The finance officer who recorded the bank's return of the claim's last payment, if one came back (R5). */
  returnedBy?: number | null;
  payableCents: Cents;
  /** What the application still holds: committed - released - paid. */
  outstandingCents: Cents;
  /** Why the beneficiary's account cannot be paid, or null. */
  ibanProblem: Text | null;
  payment: { paidOn: string; bankReference: string } | null;
  openPath: OpenPath | null;
}

export interface PaymentRefusal {
  status: 403 | 409 | 422;
  code: string;
  message: Text;
}

/**
 * R15 separation of duties: whoever approved the application or verified the claim, or recorded
 * that the bank sent its last payment back, may not let its money leave, at any step.
 */
export function separationOfDuties(actorId: number, who: { verifiedBy: number | null; decidedBy: number | null; returnedBy?: number | null }): PaymentRefusal | null {
  if (actorId === who.verifiedBy || actorId === who.decidedBy) {
    return { status: 403, code: "separation_of_duties", message: msg("errors:payments.separationOfDuties") };
  }
  // Whoever says the money came back must not be the one who sends it again: one person could
  // otherwise record a return that never happened and pay the claim twice.
  if (actorId === who.returnedBy) {
    return { status: 403, code: "separation_of_duties", message: msg("errors:payments.separationAfterReturn") };
  }
  return null;
}

function pathConflict(step: PaymentStep, path: OpenPath | null): PaymentRefusal | null {
  if (step.kind === "execute") {
    if (path?.kind === "batch" && path.batchId === step.batchId) return null;
    const where = path === null ? msg("errors:payments.takenOutOfBatch")
      : path.kind === "hand" ? msg("errors:payments.paidByHandSince")
        : msg("errors:payments.inOtherBatch", { messageId: path.messageId, status: storedCode("batchStatus", path.status) });
    return { status: 409, code: "payment_path_taken", message: msg("errors:payments.noLongerInBatch", { messageId: step.messageId, where }) };
  }
  if (path === null) return null;
  if (path.kind === "batch") {
    return {
      status: 409, code: "in_batch",
      message: path.status === "prepared"
        ? msg("errors:payments.inPreparedBatch", { messageId: path.messageId })
        : msg("errors:payments.paidThroughBatch", { messageId: path.messageId }),
    };
  }
  return { status: 409, code: "payment_path_taken", message: msg("errors:payments.alreadyPaidByHand") };
}

/** Null when the step may go ahead, otherwise the first reason it may not, in words for the officer. */
export function paymentRefusal(step: PaymentStep, f: PaymentFacts): PaymentRefusal | null {
  if (f.payment) {
    return { status: 409, code: "already_paid", message: msg("errors:payments.alreadyPaid", { paidOn: day(f.payment.paidOn), reference: f.payment.bankReference }) };
  }
  const path = pathConflict(step, f.openPath);
  if (path) return path;
  if (f.claimStatus !== "verified") {
    return { status: 409, code: "claim_not_verified", message: msg("errors:payments.claimNotVerified", { status: storedCode("claimStatus", f.claimStatus) }) };
  }
  const sod = separationOfDuties(f.actorId, f);
  if (sod) return sod;
  if (f.applicationState !== "claim-verified") {
    return { status: 409, code: "not_payable", message: msg("errors:payments.notWaiting", { state: storedCode("state", f.applicationState) }) };
  }
  if (f.ibanProblem) return { status: 422, code: "iban_not_payable", message: f.ibanProblem };
  if (f.payableCents <= 0) return { status: 409, code: "nothing_payable", message: msg("errors:payments.nothingPayable") };
  if (f.payableCents > f.outstandingCents) {
    return {
      status: 409, code: "payable_exceeds_commitment",
      message: msg("errors:payments.aboveCommitment", { payable: money(f.payableCents), outstanding: money(f.outstandingCents) }),
    };
  }
  return null;
}

/**
 * A batch is marked executed once the bank has carried it out, so not before its requested
 * execution date (the same reason a hand payment cannot be dated in the future).
 */
export function executionDateRefusal(executionDate: string, today: string): PaymentRefusal | null {
  if (executionDate <= today) return null;
  return {
    status: 422, code: "batch_not_due",
    message: msg("errors:payments.batchNotDue", { executionDate: day(executionDate), today: day(today) }),
  };
}

/** The account a batch file pays must still be the beneficiary's account when the batch is marked executed. */
export function ibanChangedRefusal(inFile: string | null, now: string | null): PaymentRefusal | null {
  if (inFile !== null && inFile === now) return null;
  return {
    status: 409, code: "iban_changed",
    message: inFile === null
      ? msg("errors:payments.batchNoAccount")
      : msg("errors:payments.accountChanged", { iban: inFile }),
  };
}

/** The amount in the file must still be what the claim pays. */
export function amountChangedRefusal(inFile: Cents | null, payable: Cents): PaymentRefusal | null {
  if (inFile === payable) return null;
  return {
    status: 409, code: "amount_changed",
    message: inFile === null
      ? msg("errors:payments.batchNoAmount")
      : msg("errors:payments.amountChanged", { inFile: money(inFile), payable: money(payable) }),
  };
}

/** A payment as the bank's return of it is judged: when it was made and whether it already came back. */
export interface PaymentOnRecord {
  paidOn: string;
  returnedOn: string | null;
}

/**
 * Null when the bank's return of a payment may be recorded with the value date `returnedOn`
 * (R5: its ledger entry is then reversed and the claim waits for payment again). A payment
 * comes back once, after it was made, and is recorded once the bank has sent it back.
 */
export function paymentReturnRefusal(p: PaymentOnRecord, returnedOn: string, today: string): PaymentRefusal | null {
  if (p.returnedOn !== null) {
    return { status: 409, code: "already_returned", message: msg("errors:payments.alreadyReturned", { returnedOn: day(p.returnedOn) }) };
  }
  if (returnedOn < p.paidOn) {
    return { status: 422, code: "returned_before_paid", message: msg("errors:payments.returnedBeforePaid", { returnedOn: day(returnedOn), paidOn: day(p.paidOn) }) };
  }
  if (returnedOn > today) {
    return { status: 422, code: "returned_in_future", message: msg("errors:payments.returnedInFuture", { returnedOn: day(returnedOn), today: day(today) }) };
  }
  return null;
}
