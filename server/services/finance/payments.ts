import { randomBytes } from "node:crypto";
import { DateTime } from "luxon";
import { outstandingCents, settlementOnPayment } from "../../domain/budget";
import { assertCents, type Cents } from "../../domain/money";
import { day, dayTime, msg, type Text } from "../../domain/message";
import {
  amountChangedRefusal, executionDateRefusal, ibanChangedRefusal, paymentRefusal, paymentReturnRefusal,
  type OpenPath, type PaymentFacts, type PaymentRefusal, type PaymentStep,
} from "../../domain/payments";
import { localDate } from "../../domain/time";
import { isPostgres } from "../../db/connection";
import type { ApplicationsRow, ClaimsRow, CompaniesRow, PaymentsRow, SepaBatchesRow, UsersRow } from "../../db/tables";
import { dbBool, dbCentsOrNull } from "../../db/tables";
import { toSepaBatch, type SepaBatch } from "../../db/tables/sepa-batches";
import { toSepaBatchItem } from "../../db/tables/sepa-batch-items";
import { toPaymentPathKind } from "../../db/tables/payment-paths";
import { AppError, BusyError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../errors";
import { buildPain001, checkPayableIban, sepaCharactersRefused, type SepaPayment } from "../../exports/sepa";
import { loadApplication, transition } from "../applications/records";
import { audit } from "../platform/audit";
import * as budget from "./budget";
import { sentences } from "../../domain/message";
import { inTransaction, insertedId, nowIso, type Actor, type ServiceContext, type Trx } from "../platform/context";
import { queueEmail } from "../platform/mail";
import { notifyCompany } from "../applications/notify";
import { toPayment } from "../../db/tables/payments";

/*
 * Paying verified claims (R15), the commands: a hand payment, and a SEPA batch prepared, executed
 * or cancelled. The pages' data (queue, batches) is in payment-queries.ts. Once per claim, never by the person who approved the application
 * or verified the claim, always together with its ledger entries (R4, R5), application transition
 * and audit event.
 *
 * A claim is on at most one payment path at a time: paid by hand, or in a SEPA batch (prepared,
 * then executed). Three layers keep it so:
 * 1. Lock order, the same in every use case here: the SEPA batch row first (when the step is about
 *    a batch), then the applications of the claims involved in ascending id, then the budget
 *    ceilings of every claim involved, all taken before the first ledger entry is booked, in one
 *    global order: call id, then key (lockCeilings below, services/finance/budget.ts). A batch
 *    may hold claims of several calls, so booking claim by claim (each locking its own call's
 *    ceilings) would take the calls in claim order, and two batches could take them in opposite
 *    orders. The ledger's running sums are written last, just before the commit, in a fixed
 *    order of their own (budget.ts). On PostgreSQL these are SELECT ... FOR UPDATE; on SQLite
 *    this process runs one transaction at a time (db/connection.ts). One order means two steps
 *    wait for each other instead of deadlocking.
 * 2. Everything a decision depends on is read after the locks and judged by one domain function
 *    (domain/payments.ts), so the loser of a race gets a refusal in words.
 * 3. The database itself: payment_paths allows one open row per claim (partial unique index) and
 *    payments one standing payment per claim (partial unique index: a payment the bank sent back
 *    no longer stands). A violation that slips past 1 and 2 becomes a 409, never a 500.
 */

// -------------------------------------------------------------------------------------------
// Locks and facts
// -------------------------------------------------------------------------------------------

/** Locks the applications of the given claims in ascending id (step 2 of the lock order). */
async function lockClaims(trx: Trx, claimIds: readonly number[]): Promise<void> {
  if (!isPostgres(trx) || claimIds.length === 0) return;
  // A claim never moves to another application, so reading the mapping before the lock is safe.
  const apps = await trx("claims").whereIn("id", [...claimIds]).distinct<Pick<ClaimsRow, "application_id">[]>("application_id");
  const ids = apps.map((a) => a.application_id).sort((a, b) => a - b);
  if (ids.length === 0) return;
  await trx("applications").whereIn("id", ids).orderBy("id", "asc").forUpdate().select("id");
}

/**
 * Locks the budget ceilings of the given claims, every call's at once, in call id then key order
 * (step 3 of the lock order). Call it after lockClaims and claimFacts, before the first booking.
 */
async function lockCeilings(trx: Trx, facts: Iterable<ClaimFacts>): Promise<void> {
  await budget.lockCeilingsOfCalls(trx, [...facts].map((f) => ({ callId: f.callId, ceilingKeys: f.ceilingKeys })));
}

/** Locks and reads a batch row (step 1 of the lock order). */
async function lockBatch(trx: Trx, batchId: number): Promise<SepaBatch> {
  const q = trx("sepa_batches").where({ id: batchId });
  if (isPostgres(trx)) q.forUpdate();
  const b = await q.first<SepaBatchesRow | undefined>();
  if (!b) throw new NotFoundError(msg("errors:finance.batchNotFound"));
  return toSepaBatch(b);
}

interface ClaimFacts extends Omit<PaymentFacts, "actorId"> {
  claimId: number;
  applicationId: number;
  /** The call and the ceilings the application's commitment is booked against. */
  callId: number;
  ceilingKeys: string[];
  /** The application reference, or "claim 12" before it has one. */
  label: Text;
  reference: string | null;
  creditorName: string;
  companyName: string;
  iban: string | null;
  euroAccountConfirmed: boolean;
}

type ClaimFactsRow = Pick<ClaimsRow, "id" | "application_id" | "status" | "verified_by" | "payable_cents">
  & Pick<ApplicationsRow, "reference" | "state" | "decided_by">
  & Pick<CompaniesRow, "legal_name" | "account_holder" | "iban" | "euro_account_confirmed">
  & { paid_on: PaymentsRow["paid_on"] | null; bank_reference: PaymentsRow["bank_reference"] | null; payment_id: PaymentsRow["id"] | null };

type OpenPathRow = { claim_id: number; kind: string; batch_id: number | null; message_id: string | null; batch_status: string | null };

function toOpenPath(p: OpenPathRow): OpenPath {
  if (toPaymentPathKind(p.kind) === "hand") return { kind: "hand", paidOn: null, bankReference: null };
  if (p.batch_id === null || p.message_id === null || p.batch_status === null) throw new Error(`batch path of claim ${p.claim_id} has no batch`);
  return { kind: "batch", batchId: p.batch_id, messageId: p.message_id, status: p.batch_status };
}

/** Everything a payment decision needs about the given claims; call it after the locks. */
async function claimFacts(trx: Trx, claimIds: readonly number[]): Promise<Map<number, ClaimFacts>> {
  const rows = await trx("claims as cl")
    .join("applications as a", "a.id", "cl.application_id")
    .join("companies as co", "co.id", "a.company_id")
    // The standing payment: one the bank sent back no longer counts as paid.
    .leftJoin("payments as pm", (j) => j.on("pm.claim_id", "cl.id").andOnNull("pm.returned_at"))
    .whereIn("cl.id", [...claimIds])
    .select<ClaimFactsRow[]>("cl.id", "cl.application_id", "cl.status", "cl.verified_by", "cl.payable_cents", "a.reference", "a.state",
      "a.decided_by", "co.legal_name", "co.account_holder", "co.iban", "co.euro_account_confirmed", "pm.paid_on", "pm.bank_reference", "pm.id as payment_id");
  const paths = await trx("payment_paths as pp").leftJoin("sepa_batches as b", "b.id", "pp.batch_id")
    .whereIn("pp.claim_id", [...claimIds]).whereNull("pp.closed_at")
    .select<OpenPathRow[]>("pp.claim_id", "pp.kind", "pp.batch_id", "b.message_id", "b.status as batch_status");
  const pathOf = new Map<number, OpenPath>(paths.map((p) => [p.claim_id, toOpenPath(p)]));
  // Who recorded each claim's latest return by the bank (separation of duties for the next payment).
  const returns = await trx("payments").whereIn("claim_id", [...claimIds]).whereNotNull("returned_at").orderBy("id")
    .select<Pick<PaymentsRow, "claim_id" | "returned_by">[]>("claim_id", "returned_by");
  const returnedBy = new Map(returns.map((r) => [r.claim_id, r.returned_by]));
  const out = new Map<number, ClaimFacts>();
  for (const r of rows) {
    const applicationId = r.application_id;
    const commitment = await budget.commitmentOf(trx, applicationId);
    const euroAccountConfirmed = dbBool(r.euro_account_confirmed);
    const iban = checkPayableIban(r.iban, { euroAccountConfirmed });
    out.set(r.id, {
      claimId: r.id, applicationId, callId: commitment.callId, ceilingKeys: commitment.ceilingKeys,
      reference: r.reference, label: r.reference ?? claimLabel(r.id),
      claimStatus: r.status, applicationState: r.state,
      verifiedBy: r.verified_by, decidedBy: r.decided_by, returnedBy: returnedBy.get(r.id) ?? null,
      payableCents: dbCentsOrNull(r.payable_cents) ?? 0,
      outstandingCents: outstandingCents(commitment),
      ibanProblem: iban.ok ? null : iban.reason, iban: iban.ok ? iban.iban : null, euroAccountConfirmed,
      creditorName: r.account_holder || r.legal_name, companyName: r.legal_name,
      payment: r.payment_id !== null && r.paid_on !== null && r.bank_reference !== null ? { paidOn: r.paid_on, bankReference: r.bank_reference } : null,
      openPath: pathOf.get(r.id) ?? null,
    });
  }
  return out;
}

/** The account a payment goes to; paymentRefusal has refused a claim without a payable one. */
function accountOf(facts: ClaimFacts): string {
  if (facts.iban === null) throw new ConflictError(msg("errors:finance.claimProblem", { label: facts.label, problem: facts.ibanProblem ?? msg("errors:finance.noAccount") }), "no_payable_iban");
  return facts.iban;
}

/**
 * The account holder goes into the file as the creditor name, under the SEPA character rule
 * (toSepaText). The profile form refuses such a name now; one saved before is named here with its
 * company, which must correct it (finance cannot), rather than as a field of the file.
 */
function creditorNameProblem(facts: ClaimFacts): Text | null {
  const refused = sepaCharactersRefused(facts.creditorName);
  if (!refused.length) return null;
  return msg("errors:finance.accountHolderCharacters", { company: facts.companyName, characters: refused.map((c) => JSON.stringify(c)).join(" ") });
}

function refusalError(r: PaymentRefusal): AppError {
  return new AppError(r.status, r.code, r.message);
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === "23505" || (e.code === "SQLITE_CONSTRAINT" && /UNIQUE/i.test(e.message ?? ""));
}

/**
 * The database refused a second payment path or a second payment: another step got there first
 * between our checks and our write. Said as a refusal, never a 500.
 */
function pathTaken(err: unknown): never {
  if (isUniqueViolation(err)) {
    throw new ConflictError(msg("errors:finance.pathTaken"), "payment_path_taken");
  }
  throw err;
}

// -------------------------------------------------------------------------------------------
// Paying one claim
// -------------------------------------------------------------------------------------------

export interface PaymentInput {
  claimId: number;
  /** YYYY-MM-DD, the value date on the bank statement. */
  paidOn: string;
  bankReference: string;
}

export interface PaymentRecorded {
  paymentId: number;
  claimId: number;
  applicationId: number;
  reference: string | null;
  amountCents: Cents;
  releasedCents: Cents;
}

function assertPaymentInput(input: Omit<PaymentInput, "claimId">, today: string): void {
  const fields: Record<string, Text> = {};
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.paidOn) || !DateTime.fromISO(input.paidOn).isValid) {
    fields.paidOn = msg("errors:finance.paidOnFormat");
  } else if (input.paidOn > today) {
    // A payment is recorded once the bank has made it; a future date would be a planned payment.
    fields.paidOn = msg("errors:finance.paidOnFuture", { paidOn: day(input.paidOn), today: day(today) });
  }
  const ref = input.bankReference.trim();
  if (!ref) fields.bankReference = msg("errors:finance.bankReferenceMissing");
  else if (ref.length > 100) fields.bankReference = msg("errors:finance.bankReferenceTooLong", { max: 100 });
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:finance.paymentNotRecorded"), fields);
}

function requireFinance(ctx: ServiceContext, what: Text) {
  const actor = ctx.actor;
  if (!actor || actor.role !== "finance") throw new ForbiddenError(msg("errors:finance.financeOnly", { what }));
  return actor;
}

/** Money leaves only after the claim is verified, so a payment dated earlier is a typing mistake. */
async function assertPaidAfterVerification(trx: Trx, ctx: ServiceContext, claimId: number, paidOn: string): Promise<void> {
  const claim = await trx("claims").where({ id: claimId }).first("verified_at");
  const verifiedOn = claim?.verified_at ? localDate(String(claim.verified_at), ctx.config.timeZone) : null;
  if (verifiedOn && paidOn < verifiedOn) {
    const reason = msg("errors:finance.paidBeforeVerified", { paidOn: day(paidOn), verifiedOn: day(verifiedOn) });
    throw new ValidationError(reason, { paidOn: reason });
  }
}

/** Records the hand payment of one verified claim, in its own transaction. */
export async function recordPayment(ctx: ServiceContext, input: PaymentInput): Promise<PaymentRecorded> {
  assertPaymentInput(input, localDate(ctx.now(), ctx.config.timeZone));
  const actor = requireFinance(ctx, msg("errors:finance.doRecordPayments"));
  return inTransaction(ctx, async (trx) => {
    await lockClaims(trx, [input.claimId]);
    const facts = (await claimFacts(trx, [input.claimId])).get(input.claimId);
    if (!facts) throw new NotFoundError(msg("errors:finance.claimNotFound"));
    const refusal = paymentRefusal({ kind: "hand" }, { ...facts, actorId: actor.id });
    if (refusal) throw refusalError(refusal);
    await assertPaidAfterVerification(trx, ctx, input.claimId, input.paidOn);
    await lockCeilings(trx, [facts]);
    return pay(trx, ctx, actor, facts, { paidOn: input.paidOn, bankReference: input.bankReference.trim(), batchId: null, amountCents: facts.payableCents });
  }).catch(pathTaken);
}

/**
 * Writes one payment whose checks have passed: the path (a hand payment opens its own; a batch
 * payment uses the batch's), the payment row, the ledger payment and release, the claim and
 * application transitions, the audit event and the e-mail. Call under the locks, after
 * paymentRefusal said yes.
 */
async function pay(trx: Trx, ctx: ServiceContext, actor: Actor, facts: ClaimFacts, p: { paidOn: string; bankReference: string; batchId: number | null; amountCents: Cents }): Promise<PaymentRecorded> {
  const iban = accountOf(facts);
  const at = nowIso(ctx);
  // The path goes in first: if another step took the claim meanwhile, the index refuses here,
  // before anything else is written.
  let pathId: number | null = null;
  if (p.batchId === null) {
    const [row] = await trx("payment_paths").insert({ claim_id: facts.claimId, kind: "hand", opened_at: at, opened_by: actor.id }).returning("id");
    pathId = insertedId(row);
  }
  const [row] = await trx("payments").insert({
    claim_id: facts.claimId, application_id: facts.applicationId, amount_cents: p.amountCents, paid_on: p.paidOn,
    bank_reference: p.bankReference, iban, batch_id: p.batchId, recorded_by: actor.id, recorded_at: at,
  }).returning("id");
  const paymentId = insertedId(row);
  const linked = pathId !== null
    ? await trx("payment_paths").where({ id: pathId }).update({ payment_id: paymentId })
    : await trx("payment_paths").where({ claim_id: facts.claimId, batch_id: p.batchId }).whereNull("closed_at").update({ payment_id: paymentId });
  if (linked !== 1) throw new Error(`payment path of claim ${facts.claimId} not found`);

  const commitment = await budget.commitmentOf(trx, facts.applicationId);
  const { paymentCents, releaseCents } = settlementOnPayment(facts.outstandingCents, p.amountCents);
  // A claim's first payment keeps the keys it always had; one after a returned payment (the facts
  // name who recorded the return) is told apart by its payment.
  const keySuffix = facts.returnedBy != null ? `:${paymentId}` : "";
  await budget.recordPayment(trx, ctx, {
    callId: commitment.callId, applicationId: facts.applicationId, amountCents: paymentCents, ceilingKeys: commitment.ceilingKeys, paymentId,
    idempotencyKey: `pay:${facts.claimId}${keySuffix}`, note: `Payment ${p.bankReference}`,
  });
  if (releaseCents > 0) {
    await budget.release(trx, ctx, {
      callId: commitment.callId, applicationId: facts.applicationId, amountCents: releaseCents, ceilingKeys: commitment.ceilingKeys,
      idempotencyKey: `pay-release:${facts.claimId}${keySuffix}`, note: "Unpaid part of the award released on payment",
    });
  }
  await trx("claims").where({ id: facts.claimId }).update({ status: "paid" });
  const app = await loadApplication(ctx, facts.applicationId, trx);
  await transition(trx, ctx, app, "pay", {}, { paymentId, amountCents: paymentCents, paidOn: p.paidOn, bankReference: p.bankReference });
  await audit(trx, ctx, {
    action: "payment.recorded", entityType: "claim", entityId: facts.claimId,
    before: { status: "verified" },
    after: { status: "paid", paymentId, amountCents: paymentCents, releasedCents: releaseCents, paidOn: p.paidOn, bankReference: p.bankReference, iban: facts.iban, batchId: p.batchId },
  });
  const to = await trx("applications as a").join("users as u", "u.id", "a.created_by").where("a.id", facts.applicationId)
    .first<Pick<UsersRow, "email" | "name"> | undefined>("u.email", "u.name");
  if (to) {
    await queueEmail(trx, ctx, to.email, "payment-made", {
      name: to.name, reference: app.reference, company: app.companyName, amount: paymentCents,
      paidOn: p.paidOn, bankReference: p.bankReference, iban,
    });
  }
  return { paymentId, claimId: facts.claimId, applicationId: facts.applicationId, reference: app.reference, amountCents: paymentCents, releasedCents: releaseCents };
}

// -------------------------------------------------------------------------------------------
// A payment the bank sent back
// -------------------------------------------------------------------------------------------

export interface PaymentReturnInput {
  paymentId: number;
  /** YYYY-MM-DD, the value date of the money coming back on the bank statement. */
  returnedOn: string;
  /** The bank's reason, as the officer read it (account closed, name and IBAN do not match ...). */
  reason: string;
}

export interface PaymentReturned { paymentId: number; claimId: number; applicationId: number; reference: string | null; amountCents: Cents }

/** Long enough for a bank's return reason; the ledger's note carries it with a short prefix. */
const RETURN_REASON_MAX = 200;

function assertReturnInput(input: PaymentReturnInput): void {
  const fields: Record<string, Text> = {};
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.returnedOn) || !DateTime.fromISO(input.returnedOn).isValid) fields.returnedOn = msg("errors:finance.returnedOnFormat");
  const why = input.reason.trim();
  if (!why) fields.reason = msg("errors:finance.returnReasonMissing");
  else if (why.length > RETURN_REASON_MAX) fields.reason = msg("errors:finance.reasonTooLong", { max: RETURN_REASON_MAX });
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:finance.returnNotRecorded"), fields);
}

/**
 * The bank sent a payment back (R5: a correction is a new reversing entry). In one transaction:
 * the payment's ledger entry is reversed (the amount is committed again, not released: the
 * voucher is still owed), the payment row records the return, its payment path closes, the claim
 * and the application go back to verified, waiting in the payment queue, and the company is told
 * why. The next payment is made as any other, after the company has corrected its account if
 * that was the reason, and under the same separation of duties.
 */
export async function recordPaymentReturn(ctx: ServiceContext, input: PaymentReturnInput): Promise<PaymentReturned> {
  assertReturnInput(input);
  const actor = requireFinance(ctx, msg("errors:finance.doRecordReturns"));
  const reason = input.reason.trim();
  return inTransaction(ctx, async (trx) => {
    const found = await trx("payments").where({ id: input.paymentId }).first<Pick<PaymentsRow, "claim_id"> | undefined>("claim_id");
    if (!found) throw new NotFoundError(msg("errors:finance.paymentNotFound"));
    await lockClaims(trx, [found.claim_id]);
    const p = toPayment(await trx("payments").where({ id: input.paymentId }).first<PaymentsRow>());
    const refusal = paymentReturnRefusal(p, input.returnedOn, localDate(ctx.now(), ctx.config.timeZone));
    if (refusal) throw refusal.status === 422 ? new ValidationError(refusal.message, { returnedOn: refusal.message }) : refusalError(refusal);
    const commitment = await budget.commitmentOf(trx, p.applicationId);
    await budget.lockCeilingsOfCalls(trx, [{ callId: commitment.callId, ceilingKeys: commitment.ceilingKeys }]);
    const entry = await trx("ledger_entries").where({ payment_id: p.id, kind: "payment" }).whereNull("reverses_entry_id").first<{ id: number } | undefined>("id");
    if (!entry) throw new Error(`payment ${p.id} has no ledger entry`);
    await budget.reverseEntry(trx, ctx, entry.id, `Returned by the bank on ${input.returnedOn}: ${reason}`, `return:${p.id}`);
    const at = nowIso(ctx);
    const marked = await trx("payments").where({ id: p.id }).whereNull("returned_at")
      .update({ returned_on: input.returnedOn, return_reason: reason, returned_by: actor.id, returned_at: at });
    if (marked !== 1) throw new Error(`payment ${p.id} changed under its lock`);
    await trx("payment_paths").where({ payment_id: p.id }).whereNull("closed_at").update({ closed_at: at, closed_by: actor.id });
    await trx("claims").where({ id: p.claimId }).update({ status: "verified" });
    const app = await loadApplication(ctx, p.applicationId, trx);
    await transition(trx, ctx, app, "return-payment", {}, { paymentId: p.id, amountCents: p.amountCents, returnedOn: input.returnedOn, reason });
    await audit(trx, ctx, {
      action: "payment.returned", entityType: "claim", entityId: p.claimId,
      before: { status: "paid", paymentId: p.id }, after: { status: "verified", paymentId: p.id, amountCents: p.amountCents, returnedOn: input.returnedOn, reason },
    });
    await notifyCompany(trx, ctx, app, "payment-returned", {
      amount: p.amountCents, paidOn: p.paidOn, returnedOn: input.returnedOn, iban: p.iban, bankReference: p.bankReference, reason,
    });
    return { paymentId: p.id, claimId: p.claimId, applicationId: p.applicationId, reference: app.reference, amountCents: p.amountCents };
  });
}

export type BatchResult =
  | { claimId: number; ok: true; payment: PaymentRecorded }
  | { claimId: number; ok: false; status: number; code: string; message: string; text: Text };

/**
 * Pays a selection by hand, one transaction per claim, so one refused claim (already paid,
 * missing IBAN) does not hold back the others; each outcome is reported. A claim the database was
 * too busy for (BusyError, after the retries) is such an outcome too: the claims before it are
 * paid, so a page saying that nothing was saved would be wrong.
 */
export async function recordPayments(ctx: ServiceContext, claimIds: number[], common: Omit<PaymentInput, "claimId">): Promise<BatchResult[]> {
  assertPaymentInput(common, localDate(ctx.now(), ctx.config.timeZone));
  const out: BatchResult[] = [];
  for (const claimId of [...new Set(claimIds)]) {
    try {
      out.push({ claimId, ok: true, payment: await recordPayment(ctx, { ...common, claimId }) });
    } catch (err) {
      if (!(err instanceof AppError) || (err.status >= 500 && !(err instanceof BusyError))) throw err;
      out.push({ claimId, ok: false, status: err.status, code: err.code, message: err.message, text: err.text });
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------
// SEPA credit transfer batches
// -------------------------------------------------------------------------------------------

/** A batch refused as a whole, with the reason for each claim that stopped it. */
export class BatchRefusedError extends AppError {
  constructor(readonly headline: Text, readonly problems: BatchProblem[], status = 409, code = "batch_refused") {
    super(status, code, msg("errors:finance.batchRefused", { headline, problems: sentences(problems.map(claimProblem)) }));
  }
}

export interface BatchProblem { label: Text; message: Text }

const claimLabel = (id: number): Text => msg("errors:finance.claimLabel", { id });
const claimProblem = (p: BatchProblem): Text => msg("errors:finance.claimProblem", { label: p.label, problem: p.message });


/** The batch as it now stands, read back inside the transaction that changed it. */
async function readBatch(trx: Trx, batchId: number): Promise<SepaBatch> {
  const row = await trx("sepa_batches").where({ id: batchId }).first();
  if (!row) throw new NotFoundError(msg("errors:finance.batchNotFound"));
  return toSepaBatch(row);
}

/** Builds a pain.001.001.03 file for the selected verified claims and puts each claim on the batch's path. */
export async function createSepaBatch(ctx: ServiceContext, claimIds: number[], executionDate: string): Promise<SepaBatch> {
  const actor = requireFinance(ctx, msg("errors:finance.doPrepareBatches"));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(executionDate) || !DateTime.fromISO(executionDate).isValid) {
    throw new ValidationError(msg("errors:finance.batchNotPrepared"), { executionDate: msg("errors:finance.executionDateFormat") });
  }
  const today = localDate(ctx.now(), ctx.config.timeZone);
  if (executionDate < today) {
    throw new ValidationError(msg("errors:finance.batchNotPrepared"), { executionDate: msg("errors:finance.executionDatePassed", { executionDate: day(executionDate), today: day(today) }) });
  }
  const ids = [...new Set(claimIds)].sort((a, b) => a - b);
  if (ids.length === 0) throw new ValidationError(msg("errors:finance.selectClaims"));
  const debtor = ctx.config.sepaDebtor;
  if (!debtor?.iban || !debtor.name) throw new ConflictError(msg("errors:finance.noDebtor"), "no_debtor");
  return inTransaction(ctx, async (trx) => {
    await lockClaims(trx, ids);
    const facts = await claimFacts(trx, ids);
    const problems: BatchProblem[] = [];
    const payments: SepaPayment[] = [];
    const items: { claimId: number; iban: string; amountCents: Cents }[] = [];
    for (const id of ids) {
      const f = facts.get(id);
      if (!f) { problems.push({ label: claimLabel(id), message: msg("errors:finance.claimNotFound") }); continue; }
      const refusal = paymentRefusal({ kind: "prepare" }, { ...f, actorId: actor.id });
      if (refusal) { problems.push({ label: f.label, message: refusal.message }); continue; }
      const creditor = creditorNameProblem(f);
      if (creditor) { problems.push({ label: f.label, message: creditor }); continue; }
      const iban = accountOf(f);
      items.push({ claimId: id, iban, amountCents: f.payableCents });
      payments.push({
        endToEndId: f.reference ?? `CLAIM-${id}`, amountCents: f.payableCents, creditorName: f.creditorName,
        creditorIban: iban, creditorEuroAccountConfirmed: f.euroAccountConfirmed, remittance: `Innovation voucher ${f.reference ?? id}`,
      });
    }
    if (problems.length) throw new BatchRefusedError(msg("errors:finance.batchNotPreparedHeadline"), problems);
    const createdAt = nowIso(ctx);
    const messageId = `VD-${DateTime.fromJSDate(ctx.now(), { zone: "utc" }).toFormat("yyyyLLddHHmmss")}-${randomBytes(4).toString("hex").toUpperCase()}`;
    const xml = buildPain001({ messageId, createdAt, executionDate, debtor: { name: debtor.name, iban: debtor.iban, bic: debtor.bic }, payments });
    const total = assertCents(payments.reduce((s, p) => s + p.amountCents, 0));
    const [row] = await trx("sepa_batches").insert({
      message_id: messageId, status: "prepared", execution_date: executionDate, total_cents: total,
      transaction_count: payments.length, xml, created_by: actor.id, created_at: createdAt,
    }).returning("id");
    const batchId = insertedId(row);
    await trx("sepa_batch_items").insert(items.map((i) => ({ batch_id: batchId, claim_id: i.claimId, iban: i.iban, amount_cents: i.amountCents })));
    await trx("payment_paths").insert(ids.map((claimId) => ({ claim_id: claimId, kind: "batch", batch_id: batchId, opened_at: createdAt, opened_by: actor.id })));
    await audit(trx, ctx, {
      action: "sepa.batch_prepared", entityType: "sepa_batch", entityId: batchId,
      after: { messageId, executionDate, claimIds: ids, totalCents: total },
    });
    return readBatch(trx, batchId);
  }).catch(pathTaken);
}

function notPrepared(b: SepaBatch, timeZone: string): ConflictError {
  return b.status === "executed"
    ? new ConflictError(b.executedAt
      ? msg("errors:finance.batchExecuted", { messageId: b.messageId, at: dayTime(b.executedAt, timeZone) })
      : msg("errors:finance.batchExecutedEarlier", { messageId: b.messageId }), "batch_executed")
    : new ConflictError(b.cancelledAt
      ? msg("errors:finance.batchCancelled", { messageId: b.messageId, at: dayTime(b.cancelledAt, timeZone) })
      : msg("errors:finance.batchCancelledEarlier", { messageId: b.messageId }), "batch_cancelled");
}

/**
 * The bank executed the batch: in one transaction, every claim's payment (with the batch's
 * execution date and message id as bank reference) and the batch's status, or nothing. All
 * checks come first, and a refusal names each claim that stopped it.
 */
export async function markBatchExecuted(ctx: ServiceContext, batchId: number): Promise<BatchResult[]> {
  const actor = requireFinance(ctx, msg("errors:finance.doRecordPayments"));
  return inTransaction(ctx, async (trx) => {
    const b = await lockBatch(trx, batchId);
    if (b.status !== "prepared") throw notPrepared(b, ctx.config.timeZone);
    const { executionDate, messageId } = b;
    const due = executionDateRefusal(executionDate, localDate(ctx.now(), ctx.config.timeZone));
    if (due) throw refusalError(due);
    const items = (await trx("sepa_batch_items").where({ batch_id: batchId }).orderBy("claim_id")).map(toSepaBatchItem);
    const ids = items.map((i) => i.claimId);
    await lockClaims(trx, ids);
    const facts = await claimFacts(trx, ids);
    const step: PaymentStep = { kind: "execute", batchId, messageId };
    const problems: BatchProblem[] = [];
    const payable: { facts: ClaimFacts; amountCents: Cents }[] = [];
    for (const i of items) {
      const f = facts.get(i.claimId);
      if (!f) { problems.push({ label: claimLabel(i.claimId), message: msg("errors:finance.claimNotFound") }); continue; }
      const refusal = paymentRefusal(step, { ...f, actorId: actor.id })
        ?? ibanChangedRefusal(i.iban, f.iban)
        ?? amountChangedRefusal(i.amountCents, f.payableCents);
      if (refusal) problems.push({ label: f.label, message: refusal.message });
      else payable.push({ facts: f, amountCents: i.amountCents ?? f.payableCents });
    }
    if (problems.length) throw new BatchRefusedError(msg("errors:finance.batchNotExecutedHeadline", { messageId }), problems);

    // Every call's ceilings before the first booking (the batch may hold claims of several calls).
    await lockCeilings(trx, payable.map((p) => p.facts));
    const results: BatchResult[] = [];
    for (const { facts: f, amountCents } of payable) {
      const payment = await pay(trx, ctx, actor, f, { paidOn: executionDate, bankReference: messageId, batchId, amountCents });
      results.push({ claimId: f.claimId, ok: true, payment });
    }
    const n = await trx("sepa_batches").where({ id: batchId, status: "prepared" })
      .update({ status: "executed", executed_at: nowIso(ctx), executed_by: actor.id });
    if (n !== 1) throw new Error(`batch ${batchId} changed under its lock`);
    await audit(trx, ctx, {
      action: "sepa.batch_executed", entityType: "sepa_batch", entityId: batchId,
      before: { status: "prepared" }, after: { status: "executed", claimIds: ids, paymentIds: results.map((r) => r.ok ? r.payment.paymentId : null) },
    });
    return results;
  }).catch(pathTaken);
}

/**
 * The file will not be sent (or the bank rejected it): the batch becomes cancelled and its
 * claims go back to the queue, free for a hand payment or a new batch. An executed batch cannot
 * be cancelled; its money has left.
 */
export async function cancelBatch(ctx: ServiceContext, batchId: number, reason: string): Promise<SepaBatch> {
  const actor = requireFinance(ctx, msg("errors:finance.doCancelBatches"));
  const why = reason.trim();
  if (why.length > 300) throw new ValidationError(msg("errors:finance.batchNotCancelled"), { reason: msg("errors:finance.reasonTooLong", { max: 300 }) });
  return inTransaction(ctx, async (trx) => {
    const b = await lockBatch(trx, batchId);
    if (b.status !== "prepared") throw notPrepared(b, ctx.config.timeZone);
    const items = (await trx("sepa_batch_items").where({ batch_id: batchId }).orderBy("claim_id")).map(toSepaBatchItem);
    const ids = items.map((i) => i.claimId);
    await lockClaims(trx, ids);
    const at = nowIso(ctx);
    await trx("payment_paths").where({ batch_id: batchId }).whereNull("closed_at").whereNull("payment_id").update({ closed_at: at, closed_by: actor.id });
    await trx("sepa_batches").where({ id: batchId, status: "prepared" })
      .update({ status: "cancelled", cancelled_at: at, cancelled_by: actor.id, cancel_reason: why || null });
    await audit(trx, ctx, {
      action: "sepa.batch_cancelled", entityType: "sepa_batch", entityId: batchId,
      before: { status: "prepared" }, after: { status: "cancelled", claimIds: ids, reason: why || null },
    });
    return readBatch(trx, batchId);
  });
}
