import { existsSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { DateTime } from "luxon";
import { localDate } from "../domain/time";
import { assertCents, formatMoney, type Cents } from "../domain/money";
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors";
import { buildPain001, checkPayableIban, type SepaPayment } from "../exports/sepa";
import { loadApplication, lockApplication, transition } from "./applications-core";
import { audit } from "./audit";
import * as budget from "./budget";
import { inTransaction, insertedId, nowIso, type ServiceContext, type Trx } from "./context";
import { queueEmail } from "./mail";

/*
 * Paying verified claims (R15): exactly once per claim, never by the person who approved the
 * application or verified the claim, and always together with its ledger entries (R4, R5),
 * application transition and audit event, in one transaction per claim.
 *
 * "Exactly once" has three layers: the application row lock (PostgreSQL) or the single
 * connection (SQLite) serialises two officers paying the same claim; the re-read of the payments
 * row under that lock turns the loser into a clear "already paid" refusal; and the UNIQUE
 * claim_id column plus the ledger's idempotency keys stop anything that slips past both.
 */

const PAYMENT_EMAIL_TEMPLATE = path.resolve(__dirname, "../../templates/emails/payment-made.hbs");

export interface QueueItem {
  claimId: number;
  applicationId: number;
  reference: string | null;
  companyName: string;
  payableCents: Cents;
  awardCents: Cents | null;
  iban: string | null;
  ibanProblem: string | null;
  verifiedAt: string | null;
  verifiedByName: string | null;
  callTitle: string;
  inBatch: string | null;
}

/** Verified claims of applications waiting in claim-verified, oldest verification first. */
export async function paymentQueue(ctx: ServiceContext): Promise<QueueItem[]> {
  const rows = await ctx.db("claims as cl")
    .join("applications as a", "a.id", "cl.application_id")
    .join("companies as co", "co.id", "a.company_id")
    .join("calls as c", "c.id", "a.call_id")
    .leftJoin("users as v", "v.id", "cl.verified_by")
    .leftJoin("payments as pm", "pm.claim_id", "cl.id")
    .where("cl.status", "verified").where("a.state", "claim-verified").whereNull("pm.id")
    .orderBy([{ column: "cl.verified_at", order: "asc" }, { column: "cl.id", order: "asc" }])
    .select("cl.id as claim_id", "a.id as application_id", "a.reference", "co.legal_name", "co.iban", "cl.payable_cents",
      "a.approved_cents", "cl.verified_at", "v.name as verified_by_name", "c.title as call_title");
  const batches = await ctx.db("sepa_batch_items as bi").join("sepa_batches as b", "b.id", "bi.batch_id")
    .where("b.status", "prepared").whereIn("bi.claim_id", rows.map((r) => Number(r.claim_id)))
    .select("bi.claim_id", "b.message_id");
  const batchOf = new Map(batches.map((b) => [Number(b.claim_id), String(b.message_id)]));
  return rows.map((r) => {
    const check = checkPayableIban(r.iban as string | null);
    return {
      claimId: Number(r.claim_id), applicationId: Number(r.application_id), reference: r.reference ?? null,
      companyName: String(r.legal_name), payableCents: assertCents(r.payable_cents ?? 0),
      awardCents: r.approved_cents === null ? null : assertCents(r.approved_cents),
      iban: (r.iban as string | null) ?? null, ibanProblem: check.ok ? null : check.reason,
      verifiedAt: r.verified_at ?? null, verifiedByName: r.verified_by_name ?? null, callTitle: String(r.call_title),
      inBatch: batchOf.get(Number(r.claim_id)) ?? null,
    };
  });
}

export interface PaymentInput {
  claimId: number;
  /** YYYY-MM-DD, the value date on the bank statement. */
  paidOn: string;
  bankReference: string;
  batchId?: number | null;
}

export interface PaymentRecorded {
  paymentId: number;
  claimId: number;
  applicationId: number;
  reference: string | null;
  amountCents: Cents;
  releasedCents: Cents;
}

function assertPaymentInput(input: PaymentInput, today: string): void {
  const fields: Record<string, string> = {};
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.paidOn) || !DateTime.fromISO(input.paidOn).isValid) {
    fields.paidOn = "Enter the payment date as a date, for example 2026-11-23.";
  } else if (input.paidOn > today) {
    // A payment is recorded once the bank has made it; a future date would be a planned payment.
    fields.paidOn = `The payment date ${input.paidOn} is in the future (today is ${today}). Record a payment once the bank has made it.`;
  }
  const ref = input.bankReference.trim();
  if (!ref) fields.bankReference = "Enter the bank reference of the transfer.";
  else if (ref.length > 100) fields.bankReference = "The bank reference must be 100 characters or fewer.";
  if (Object.keys(fields).length) throw new ValidationError("The payment was not recorded.", fields);
}

function alreadyPaid(p: { paid_on: string; bank_reference: string }): ConflictError {
  return new ConflictError(`This claim was already paid on ${p.paid_on}, reference ${p.bank_reference}. Nothing was changed.`, "already_paid");
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string };
  return e.code === "23505" || e.code === "SQLITE_CONSTRAINT" || /UNIQUE constraint failed/i.test(e.message ?? "");
}

/** Records the payment of one verified claim, in its own transaction. */
export async function recordPayment(ctx: ServiceContext, input: PaymentInput): Promise<PaymentRecorded> {
  assertPaymentInput(input, localDate(ctx.now(), ctx.config.timeZone));
  const actor = ctx.actor;
  if (!actor || actor.role !== "finance") throw new ForbiddenError("Only a finance officer can record payments.");
  try {
    return await inTransaction(ctx, (trx) => payInTrx(trx, ctx, input));
  } catch (err) {
    // The last line of defence: a concurrent payer that got past the lock still hits the UNIQUE
    // claim_id (or a ledger idempotency key); report it the same way as the ordinary check.
    if (isUniqueViolation(err)) {
      const p = await ctx.db("payments").where({ claim_id: input.claimId }).first("paid_on", "bank_reference");
      if (p) throw alreadyPaid(p);
    }
    throw err;
  }
}

async function payInTrx(trx: Trx, ctx: ServiceContext, input: PaymentInput): Promise<PaymentRecorded> {
  const actor = ctx.actor!;
  const first = await trx("claims").where({ id: input.claimId }).first("application_id");
  if (!first) throw new NotFoundError("We could not find that claim.");
  const applicationId = Number(first.application_id);
  await lockApplication(trx, applicationId);

  // Everything below is read after the lock, so a payment committed meanwhile is seen.
  const existing = await trx("payments").where({ claim_id: input.claimId }).first("paid_on", "bank_reference");
  if (existing) throw alreadyPaid(existing);
  // A claim in a prepared batch has been handed to the bank in that file; paying it by hand as
  // well would send the money twice (R15). Only marking that batch executed pays it.
  const openBatch = await trx("sepa_batch_items as bi").join("sepa_batches as b", "b.id", "bi.batch_id")
    .where({ "bi.claim_id": input.claimId, "b.status": "prepared" }).first("b.id", "b.message_id");
  if (openBatch && Number(openBatch.id) !== Number(input.batchId ?? -1)) {
    throw new ConflictError(
      `This claim is in the prepared SEPA batch ${String(openBatch.message_id)}. Mark that batch executed once the bank has paid it; recording the payment separately could pay it twice.`,
      "in_prepared_batch",
    );
  }
  const claim = await trx("claims").where({ id: input.claimId }).first();
  if (claim.status !== "verified") {
    throw new ConflictError(`This claim cannot be paid: its status is "${String(claim.status)}", not verified.`, "claim_not_verified");
  }
  // Money leaves only after the claim is verified, so a payment dated earlier is a typing mistake.
  const verifiedOn = claim.verified_at ? localDate(String(claim.verified_at), ctx.config.timeZone) : null;
  if (verifiedOn && input.paidOn < verifiedOn) {
    const reason = `The payment date ${input.paidOn} is before the claim was verified on ${verifiedOn}. Enter the date on the bank statement.`;
    throw new ValidationError(reason, { paidOn: reason });
  }
  const app = await loadApplication(ctx, applicationId, trx);
  if (actor.id === Number(claim.verified_by) || (app.decidedBy !== null && actor.id === app.decidedBy)) {
    throw new ForbiddenError(
      "You approved this application or verified this claim, so another finance officer must record its payment (separation of duties, R15).",
      "separation_of_duties",
    );
  }
  if (app.state !== "claim-verified") {
    throw new ConflictError(`This application is not waiting for payment (it is ${app.state}).`, "not_payable");
  }
  const company = await trx("companies").where({ id: app.companyId }).first("iban");
  const iban = checkPayableIban(company?.iban as string | null);
  if (!iban.ok) throw new AppError(422, "iban_not_payable", iban.reason);

  const payable = assertCents(claim.payable_cents ?? 0);
  const commitment = await budget.commitmentOf(trx, applicationId);
  const outstanding = commitment.committedCents - commitment.releasedCents - commitment.paidCents;
  if (payable <= 0) throw new ConflictError("The verified payable amount is zero; there is nothing to pay.", "nothing_payable");
  if (payable > outstanding) {
    throw new ConflictError(`The payable amount ${formatMoney(payable)} is more than the ${formatMoney(outstanding)} still committed for this voucher.`, "payable_exceeds_commitment");
  }

  const bankReference = input.bankReference.trim();
  const [row] = await trx("payments").insert({
    claim_id: input.claimId, application_id: applicationId, amount_cents: payable, paid_on: input.paidOn,
    bank_reference: bankReference, iban: iban.iban, batch_id: input.batchId ?? null,
    recorded_by: actor.id, recorded_at: nowIso(ctx),
  }).returning("id");
  const paymentId = insertedId(row);

  await budget.recordPayment(trx, ctx, {
    callId: commitment.callId, applicationId, amountCents: payable, ceilingKeys: commitment.ceilingKeys, paymentId,
    idempotencyKey: `pay:${input.claimId}`, note: `Payment ${bankReference}`,
  });
  const releaseCents = outstanding - payable;
  if (releaseCents > 0) {
    await budget.release(trx, ctx, {
      callId: commitment.callId, applicationId, amountCents: releaseCents, ceilingKeys: commitment.ceilingKeys,
      idempotencyKey: `pay-release:${input.claimId}`, note: "Unpaid part of the award released on payment",
    });
  }
  await trx("claims").where({ id: input.claimId }).update({ status: "paid" });
  await transition(trx, ctx, app, "pay", {}, { paymentId, amountCents: payable, paidOn: input.paidOn, bankReference });
  await audit(trx, ctx, {
    action: "payment.recorded", entityType: "claim", entityId: input.claimId,
    before: { status: "verified" },
    after: { status: "paid", paymentId, amountCents: payable, releasedCents: releaseCents, paidOn: input.paidOn, bankReference, iban: iban.iban, batchId: input.batchId ?? null },
  });
  if (existsSync(PAYMENT_EMAIL_TEMPLATE)) {
    const to = await trx("users").where({ id: (await trx("applications").where({ id: applicationId }).first("created_by")).created_by }).first("email", "name");
    if (to) {
      await queueEmail(trx, ctx, String(to.email), "payment-made", {
        name: to.name, reference: app.reference, company: app.companyName, amount: formatMoney(payable),
        paidOn: input.paidOn, bankReference, iban: iban.iban,
      });
    }
  }
  return { paymentId, claimId: input.claimId, applicationId, reference: app.reference, amountCents: payable, releasedCents: releaseCents };
}

export type BatchResult = { claimId: number; ok: true; payment: PaymentRecorded } | { claimId: number; ok: false; message: string };

/**
 * Pays a selection, one transaction per claim, so one refused claim (already paid, missing IBAN)
 * does not hold back the others; each outcome is reported.
 */
export async function recordPayments(ctx: ServiceContext, claimIds: number[], common: Omit<PaymentInput, "claimId">): Promise<BatchResult[]> {
  assertPaymentInput({ ...common, claimId: 0 }, localDate(ctx.now(), ctx.config.timeZone));
  const out: BatchResult[] = [];
  for (const claimId of [...new Set(claimIds)]) {
    try {
      out.push({ claimId, ok: true, payment: await recordPayment(ctx, { ...common, claimId }) });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      out.push({ claimId, ok: false, message: err.message });
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------
// SEPA credit transfer batches
// -------------------------------------------------------------------------------------------

export interface SepaBatch {
  id: number;
  messageId: string;
  status: "prepared" | "executed";
  executionDate: string;
  totalCents: Cents;
  transactionCount: number;
  createdAt: string;
  executedAt: string | null;
}

function toBatch(r: Record<string, unknown>): SepaBatch {
  return {
    id: Number(r.id), messageId: String(r.message_id), status: r.status as SepaBatch["status"], executionDate: String(r.execution_date),
    totalCents: assertCents(r.total_cents), transactionCount: Number(r.transaction_count), createdAt: String(r.created_at),
    executedAt: (r.executed_at as string | null) ?? null,
  };
}

export async function listBatches(ctx: ServiceContext): Promise<SepaBatch[]> {
  return (await ctx.db("sepa_batches").orderBy("id", "desc").limit(50)).map(toBatch);
}

export async function getBatch(ctx: ServiceContext, id: number): Promise<SepaBatch & { xml: string; claimIds: number[] }> {
  const r = await ctx.db("sepa_batches").where({ id }).first();
  if (!r) throw new NotFoundError();
  const items = await ctx.db("sepa_batch_items").where({ batch_id: id }).orderBy("claim_id").select("claim_id");
  return { ...toBatch(r), xml: String(r.xml), claimIds: items.map((i) => Number(i.claim_id)) };
}

/** Builds a pain.001.001.03 file for the selected verified claims and records which claims it holds. */
export async function createSepaBatch(ctx: ServiceContext, claimIds: number[], executionDate: string): Promise<SepaBatch> {
  const actor = ctx.actor;
  if (!actor || actor.role !== "finance") throw new ForbiddenError("Only a finance officer can prepare payment batches.");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(executionDate) || !DateTime.fromISO(executionDate).isValid) {
    throw new ValidationError("The batch was not prepared.", { executionDate: "Enter the execution date as a date, for example 2026-11-24." });
  }
  const today = localDate(ctx.now(), ctx.config.timeZone);
  if (executionDate < today) {
    throw new ValidationError("The batch was not prepared.", { executionDate: `The execution date ${executionDate} has passed (today is ${today}); a bank refuses a transfer requested for the past.` });
  }
  const ids = [...new Set(claimIds)];
  if (ids.length === 0) throw new ValidationError("Select at least one claim to put in the batch.");
  const debtor = ctx.config.sepaDebtor;
  if (!debtor?.iban || !debtor.name) throw new ConflictError("The programme's debtor account (SEPA_DEBTOR_NAME, SEPA_DEBTOR_IBAN) is not configured.", "no_debtor");
  return inTransaction(ctx, async (trx) => {
    const rows = await trx("claims as cl")
      .join("applications as a", "a.id", "cl.application_id")
      .join("companies as co", "co.id", "a.company_id")
      .leftJoin("payments as pm", "pm.claim_id", "cl.id")
      .whereIn("cl.id", ids)
      .select("cl.id", "cl.status", "cl.verified_by", "cl.payable_cents", "a.reference", "a.state", "a.decided_by",
        "co.legal_name", "co.account_holder", "co.iban", "pm.id as payment_id");
    const problems: string[] = [];
    if (rows.length !== ids.length) problems.push("Some selected claims do not exist.");
    const payments: SepaPayment[] = [];
    for (const r of rows.sort((a, b) => Number(a.id) - Number(b.id))) {
      const label = r.reference ?? `claim ${r.id}`;
      if (r.payment_id) { problems.push(`${label} is already paid.`); continue; }
      if (r.status !== "verified" || r.state !== "claim-verified") { problems.push(`${label} is not a verified claim awaiting payment.`); continue; }
      if (Number(r.verified_by) === actor.id || Number(r.decided_by) === actor.id) { problems.push(`${label}: you approved or verified it (separation of duties).`); continue; }
      const iban = checkPayableIban(r.iban as string | null);
      if (!iban.ok) { problems.push(`${label}: ${iban.reason}`); continue; }
      const inOpen = await trx("sepa_batch_items as bi").join("sepa_batches as b", "b.id", "bi.batch_id")
        .where({ "bi.claim_id": r.id, "b.status": "prepared" }).first("b.message_id");
      if (inOpen) { problems.push(`${label} is already in batch ${String(inOpen.message_id)}.`); continue; }
      payments.push({
        endToEndId: String(r.reference ?? `CLAIM-${r.id}`), amountCents: assertCents(r.payable_cents ?? 0),
        creditorName: String(r.account_holder || r.legal_name), creditorIban: iban.iban,
        remittance: `Innovation voucher ${String(r.reference ?? r.id)}`,
      });
    }
    if (problems.length) throw new ConflictError(`The batch was not prepared: ${problems.join(" ")}`, "batch_refused");
    const createdAt = nowIso(ctx);
    const messageId = `VD-${DateTime.fromJSDate(ctx.now(), { zone: "utc" }).toFormat("yyyyLLddHHmmss")}-${randomBytes(4).toString("hex").toUpperCase()}`;
    const xml = buildPain001({
      messageId, createdAt, executionDate,
      debtor: { name: debtor.name, iban: debtor.iban, bic: debtor.bic }, payments,
    });
    const total = payments.reduce((s, p) => s + p.amountCents, 0);
    const [row] = await trx("sepa_batches").insert({
      message_id: messageId, status: "prepared", execution_date: executionDate, total_cents: assertCents(total),
      transaction_count: payments.length, xml, created_by: actor.id, created_at: createdAt,
    }).returning("id");
    const batchId = insertedId(row);
    await trx("sepa_batch_items").insert(ids.map((claimId) => ({ batch_id: batchId, claim_id: claimId })));
    await audit(trx, ctx, {
      action: "sepa.batch_prepared", entityType: "sepa_batch", entityId: batchId,
      after: { messageId, executionDate, claimIds: ids, totalCents: total },
    });
    return toBatch(await trx("sepa_batches").where({ id: batchId }).first());
  });
}

/**
 * The bank executed the batch: record each claim's payment with the batch's execution date and
 * message id as bank reference. The status flip happens first and only once, so a second click
 * is refused before anything is paid twice; each claim is still paid exactly once by recordPayment.
 */
export async function markBatchExecuted(ctx: ServiceContext, batchId: number): Promise<BatchResult[]> {
  const actor = ctx.actor;
  if (!actor || actor.role !== "finance") throw new ForbiddenError("Only a finance officer can record payments.");
  const batch = await inTransaction(ctx, async (trx) => {
    const b = await trx("sepa_batches").where({ id: batchId }).first();
    if (!b) throw new NotFoundError();
    const n = await trx("sepa_batches").where({ id: batchId, status: "prepared" })
      .update({ status: "executed", executed_at: nowIso(ctx), executed_by: actor.id });
    if (n !== 1) throw new ConflictError(`Batch ${String(b.message_id)} was already marked executed on ${String(b.executed_at ?? "")}. Nothing was changed.`, "batch_executed");
    await audit(trx, ctx, { action: "sepa.batch_executed", entityType: "sepa_batch", entityId: batchId, before: { status: "prepared" }, after: { status: "executed" } });
    return b;
  });
  const items = await ctx.db("sepa_batch_items").where({ batch_id: batchId }).orderBy("claim_id").select("claim_id");
  return recordPayments(ctx, items.map((i) => Number(i.claim_id)), {
    paidOn: String(batch.execution_date), bankReference: String(batch.message_id), batchId,
  });
}
