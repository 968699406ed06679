import type { ApplicationsRow, CallsRow, ClaimsRow, CompaniesRow, PaymentsRow, SepaBatchItemsRow, UsersRow } from "../../db/tables";
import { toPayment } from "../../db/tables/payments";
import type { Knex } from "knex";
import { dbBool, dbCents, dbCentsOrNull, dbInt } from "../../db/tables";
import { toSepaBatch, type SepaBatch } from "../../db/tables/sepa-batches";
import { msg, type Message } from "../../domain/message";
import type { Cents } from "../../domain/money";
import { NotFoundError } from "../../errors";
import { checkPayableIban, ibanUsesEuro } from "../../exports/sepa";
import type { ServiceContext } from "../platform/context";
import { keysetPage, timeCursor, timeKeyOf, type Cursor, type KeysetPage, type PageKeys } from "../platform/keyset";

/* The payment pages' data: the queue of verified claims, the SEPA batches and one batch, one payment. */

export interface QueueItem {
  claimId: number;
  applicationId: number;
  reference: string | null;
  companyName: string;
  payableCents: Cents;
  awardCents: Cents | null;
  iban: string | null;
  /** Why the account cannot be paid, shown in the reader's language. */
  ibanProblem: Message | null;
  /** A SEPA account outside the euro area that the company confirmed receives euros (R15). */
  confirmedNonEuroAccount: boolean;
  verifiedAt: string | null;
  verifiedByName: string | null;
  callTitle: string;
  inBatch: string | null;
}

type QueueRow = {
  claim_id: ClaimsRow["id"]; application_id: ApplicationsRow["id"]; reference: ApplicationsRow["reference"];
  legal_name: CompaniesRow["legal_name"]; iban: CompaniesRow["iban"]; euro_account_confirmed: CompaniesRow["euro_account_confirmed"];
  payable_cents: ClaimsRow["payable_cents"]; approved_cents: ApplicationsRow["approved_cents"]; verified_at: ClaimsRow["verified_at"];
  verified_by_name: UsersRow["name"] | null; call_title: CallsRow["title"];
};

/** Claims a page of the payment queue shows. */
export const PAYMENTS_PER_PAGE = 100;

export interface PaymentQueuePage extends KeysetPage<QueueItem> { total: number }

/**
 * Verified claims of applications waiting in claim-verified, oldest verification first, a page at
 * a time from a key (verified_at, claim id): a programme can have hundreds waiting.
 */
export async function paymentQueue(ctx: ServiceContext, keys: PageKeys = {}, pageSize = PAYMENTS_PER_PAGE): Promise<PaymentQueuePage> {
  const waiting = (q: Knex.QueryBuilder): Knex.QueryBuilder => q
    .join("applications as a", "a.id", "cl.application_id")
    .leftJoin("payments as pm", (j) => j.on("pm.claim_id", "cl.id").andOnNull("pm.returned_at"))
    .where("cl.status", "verified").where("a.state", "claim-verified").whereNull("pm.id");
  const counted = await waiting(ctx.db("claims as cl")).count<{ n: number | string }[]>({ n: "*" });
  const listed = waiting(ctx.db("claims as cl"))
    .join("companies as co", "co.id", "a.company_id")
    .join("calls as c", "c.id", "a.call_id")
    .leftJoin("users as v", "v.id", "cl.verified_by")
    .select<QueueRow[]>("cl.id as claim_id", "a.id as application_id", "a.reference", "co.legal_name", "co.iban", "co.euro_account_confirmed", "cl.payable_cents",
      "a.approved_cents", "cl.verified_at", "v.name as verified_by_name", "c.title as call_title");
  // SQLite drives this from the applications in claim-verified and sorts them (a few hundred at most): no index of its own.
  const page = await keysetPage(listed, ["cl.verified_at", "cl.id"], timeCursor(keys), pageSize, (r: QueueRow) => r, (r) => timeKeyOf(r.verified_at, r.claim_id));
  const batches = await ctx.db("payment_paths as pp").join("sepa_batches as b", "b.id", "pp.batch_id")
    .whereNull("pp.closed_at").whereIn("pp.claim_id", page.rows.map((r) => r.claim_id))
    .select<{ claim_id: number; message_id: string }[]>("pp.claim_id", "b.message_id");
  const batchOf = new Map(batches.map((b) => [b.claim_id, b.message_id]));
  const rows = page.rows.map((r): QueueItem => {
    const confirmed = dbBool(r.euro_account_confirmed);
    const check = checkPayableIban(r.iban, { euroAccountConfirmed: confirmed });
    return {
      claimId: r.claim_id, applicationId: r.application_id, reference: r.reference,
      companyName: r.legal_name, payableCents: dbCentsOrNull(r.payable_cents) ?? 0,
      awardCents: dbCentsOrNull(r.approved_cents),
      iban: r.iban, ibanProblem: check.ok ? null : check.reason,
      confirmedNonEuroAccount: check.ok && confirmed && !ibanUsesEuro(check.iban),
      verifiedAt: r.verified_at, verifiedByName: r.verified_by_name, callTitle: r.call_title,
      inBatch: batchOf.get(r.claim_id) ?? null,
    };
  });
  return { ...page, rows, total: dbInt(counted[0]?.n) };
}

/** Batches a page of the batch list shows. */
export const BATCHES_PER_PAGE = 50;

export interface BatchListPage extends KeysetPage<SepaBatch> { total: number }

/** SEPA batches, newest first, a page at a time from a batch id: a programme prepares one or more a week for years. */
export async function listBatches(ctx: ServiceContext, cursor: Cursor = { after: null, before: null }, pageSize = BATCHES_PER_PAGE): Promise<BatchListPage> {
  const counted = await ctx.db("sepa_batches").count<{ n: number | string }[]>({ n: "*" });
  const page = await keysetPage(ctx.db("sepa_batches").select("*"), ["id"], cursor, pageSize, toSepaBatch, (b) => String(b.id), "desc");
  return { ...page, total: dbInt(counted[0]?.n) };
}

export interface BatchItem {
  claimId: number;
  applicationId: number;
  reference: string | null;
  companyName: string;
  iban: string | null;
  amountCents: Cents | null;
  /** The payment the batch made, once executed. */
  paymentId: number | null;
}

type BatchItemRow = Pick<SepaBatchItemsRow, "claim_id" | "iban" | "amount_cents"> & {
  application_id: ApplicationsRow["id"]; reference: ApplicationsRow["reference"]; legal_name: CompaniesRow["legal_name"]; payment_id: PaymentsRow["id"] | null;
};

export async function getBatch(ctx: ServiceContext, id: number): Promise<SepaBatch & { xml: string; claimIds: number[]; items: BatchItem[] }> {
  const r = await ctx.db("sepa_batches").where({ id }).first();
  if (!r) throw new NotFoundError();
  const rows = await ctx.db("sepa_batch_items as bi").join("claims as cl", "cl.id", "bi.claim_id")
    .join("applications as a", "a.id", "cl.application_id").join("companies as co", "co.id", "a.company_id")
    .leftJoin("payments as pm", (j) => j.on("pm.claim_id", "bi.claim_id").andOn("pm.batch_id", "bi.batch_id"))
    .where("bi.batch_id", id).orderBy("bi.claim_id")
    .select<BatchItemRow[]>("bi.claim_id", "bi.iban", "bi.amount_cents", "a.id as application_id", "a.reference", "co.legal_name", "pm.id as payment_id");
  const items = rows.map((i) => ({
    claimId: i.claim_id, applicationId: i.application_id, reference: i.reference,
    companyName: i.legal_name, iban: i.iban, amountCents: i.amount_cents === null ? null : dbCents(i.amount_cents), paymentId: i.payment_id,
  }));
  return { ...toSepaBatch(r), xml: r.xml, claimIds: items.map((i) => i.claimId), items };
}

export interface PaymentDetail {
  id: number;
  claimId: number;
  applicationId: number;
  reference: string | null;
  companyName: string;
  amountCents: Cents;
  paidOn: string;
  bankReference: string;
  iban: string;
  batch: { id: number; messageId: string } | null;
  recordedAt: string;
  recordedByName: string;
  returned: { on: string; reason: string | null; at: string | null; byName: string | null } | null;
  /** The claim's other payments, oldest first: one returned before this, or the one made after it came back. */
  others: { id: number; paidOn: string; amountCents: Cents; returnedOn: string | null }[];
}

type PaymentDetailRow = PaymentsRow & {
  reference: ApplicationsRow["reference"]; legal_name: CompaniesRow["legal_name"]; message_id: string | null;
  recorded_by_name: UsersRow["name"]; returned_by_name: UsersRow["name"] | null;
};

/** One payment as finance looks it up (from the ledger or a batch), with its return if the bank sent it back. */
export async function paymentDetail(ctx: ServiceContext, id: number): Promise<PaymentDetail> {
  const r = await ctx.db("payments as pm").join("applications as a", "a.id", "pm.application_id").join("companies as co", "co.id", "a.company_id")
    .join("users as rb", "rb.id", "pm.recorded_by").leftJoin("users as tb", "tb.id", "pm.returned_by").leftJoin("sepa_batches as b", "b.id", "pm.batch_id")
    .where("pm.id", id)
    .first<PaymentDetailRow | undefined>("pm.*", "a.reference", "co.legal_name", "b.message_id", "rb.name as recorded_by_name", "tb.name as returned_by_name");
  if (!r) throw new NotFoundError(msg("errors:finance.paymentNotFound"));
  const p = toPayment(r);
  const others = (await ctx.db("payments").where({ claim_id: p.claimId }).whereNot({ id }).orderBy("id").select<PaymentsRow[]>("*")).map(toPayment);
  return {
    id: p.id, claimId: p.claimId, applicationId: p.applicationId, reference: r.reference, companyName: r.legal_name,
    amountCents: p.amountCents, paidOn: p.paidOn, bankReference: p.bankReference, iban: p.iban,
    batch: p.batchId !== null && r.message_id !== null ? { id: p.batchId, messageId: r.message_id } : null,
    recordedAt: p.recordedAt, recordedByName: r.recorded_by_name,
    returned: p.returnedOn === null ? null : { on: p.returnedOn, reason: p.returnReason, at: r.returned_at, byName: r.returned_by_name },
    others: others.map((o) => ({ id: o.id, paidOn: o.paidOn, amountCents: o.amountCents, returnedOn: o.returnedOn })),
  };
}
