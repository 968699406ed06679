import type { Db } from "../../db/connection";
import type { Finding } from "../../domain/eligibility";
import type { Cents } from "../../domain/money";
import { skippedByApproval } from "../../domain/reserve-list";
import { dayTime, type Message, msg } from "../../domain/message";
import type { Application } from "../applications/records";
import { findingsFor, type KnownFacts } from "../applications/eligibility";
import { reserveList, type ReserveListed } from "../calls/queries";
import { readCeilings } from "../finance/budget";
import type { ServiceContext, Trx } from "../platform/context";
import type { CeilingState } from "../../domain/budget";
import type { VoucherTypeRow } from "../scheme/reference";

/* The facts a decision is taken on, read the same way by the review page and by the decision itself. */

/** Eligibility findings (R3, R6-R11) of an application as of now, at the approval stage. */
export function approvalFindings(db: Db | Trx, ctx: ServiceContext, app: Application, amountCents: Cents, type?: VoucherTypeRow, known?: KnownFacts): Promise<Finding[]> {
  return findingsFor(db, ctx, app, { stage: "approve", amountCents, type, known });
}

/** The skipped application as a page names it: the page words the notice in its reader's language. */
export interface SkippedApplication { id: number; reference: string | null; submittedAt: string | null }

export function skippedFacts(skipped: ReserveListed): SkippedApplication {
  return { id: skipped.id, reference: skipped.reference, submittedAt: skipped.submittedAt };
}

/** The earlier reserve-listed application of the call that fits now and that approving `app` would skip (R4). */
export async function skippedReserve(db: Db | Trx, app: Pick<Application, "id" | "callId" | "submittedAt">, known?: readonly CeilingState[]): Promise<ReserveListed | null> {
  const ceilings = known ?? await readCeilings(db, app.callId);
  return skippedByApproval({ id: app.id, submittedAt: app.submittedAt }, await reserveList(db, app.callId, ceilings), ceilings);
}

/** Why approving `app` now is refused (R4): the earlier reserve-listed application it would skip. */
export function skipRefusal(skipped: ReserveListed, ctx: ServiceContext): Message {
  const reference = skipped.reference ?? msg("errors:review.applicationN", { id: skipped.id });
  const notice = skipped.submittedAt
    ? msg("errors:review.skip.earlierSubmitted", { reference, when: dayTime(skipped.submittedAt, ctx.config.timeZone) })
    : msg("errors:review.skip.earlier", { reference });
  return msg("errors:review.skip.approveFirst", { notice });
}
