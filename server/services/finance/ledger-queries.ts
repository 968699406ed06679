import type { Knex } from "knex";
import type { Db } from "../../db/connection";
import type {
  ApplicationsRow, CallsRow, ClaimCostLinesRow, CompaniesRow, LedgerEntriesRow, PartnersRow, PaymentsRow, RegionsRow, UsersRow, VoucherTypesRow,
} from "../../db/tables";
import { dbCents, dbInt } from "../../db/tables";
import { toEntryKind } from "../../db/tables/ledger-entries";
import { outstandingCents } from "../../domain/budget";
import { formatAmount, type Cents } from "../../domain/money";
import type { LedgerExportRow } from "../../exports/ledger-row";
import type { Trx } from "../platform/context";
import type { LedgerFilter, LedgerPosition, RunningTotals } from "./ledger-filter";

/*
 * Reading the disbursement ledger (R5, R16): the page with its running totals and the feed every
 * export format consumes. Both read the same ledger_entries rows with the same filter, so the
 * page and the files agree to the cent by construction. The cost of a page does not grow with the
 * ledger: it reads one keyset page of entries, and its totals come from the running totals the
 * budget keeps (or one aggregate over the filtered entries when a filter cuts across calls).
 */

type Reader = Db | Trx;

type LedgerDetailRow = Pick<LedgerEntriesRow, "id" | "at" | "kind" | "amount_cents" | "payment_id" | "application_id" | "call_id" | "note"> & {
  reference: ApplicationsRow["reference"];
  legal_name: CompaniesRow["legal_name"];
  vat_number: CompaniesRow["vat_number"];
  region_name: RegionsRow["name"];
  partner_name: PartnersRow["name"];
  call_title: CallsRow["title"];
  type_name: VoucherTypesRow["name"];
  bank_reference: PaymentsRow["bank_reference"] | null;
  paid_on: PaymentsRow["paid_on"] | null;
  user_name: UsersRow["name"] | null;
};

/** Filters on the entry itself; the region and type filters need the application's joins. */
function whereEntry(q: Knex.QueryBuilder, f: LedgerFilter): void {
  if (f.fromUtc) q.where("le.at", ">=", f.fromUtc);
  if (f.toUtcExclusive) q.where("le.at", "<", f.toUtcExclusive);
  if (f.callId) q.where("le.call_id", f.callId);
  if (f.kind) q.where("le.kind", f.kind);
}

function detailed(db: Reader, f: LedgerFilter) {
  const q = db("ledger_entries as le")
    .join("applications as a", "a.id", "le.application_id")
    .join("calls as c", "c.id", "le.call_id")
    .join("companies as co", "co.id", "a.company_id")
    .join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .join("partners as p", "p.id", "a.partner_id")
    .join("regions as r", "r.id", "p.region_id")
    .leftJoin("payments as pm", "pm.id", "le.payment_id")
    .leftJoin("users as u", "u.id", "le.actor_user_id")
    .select<LedgerDetailRow[]>("le.id", "le.at", "le.kind", "le.amount_cents", "le.payment_id", "le.application_id", "le.call_id", "le.note",
      "a.reference", "co.legal_name", "co.vat_number", "r.name as region_name", "p.name as partner_name",
      "c.title as call_title", "vt.name as type_name", "pm.bank_reference", "pm.paid_on", "u.name as user_name");
  whereEntry(q, f);
  if (f.region) q.where("r.code", f.region);
  if (f.type) q.where("vt.code", f.type);
  return q;
}

/** What a payment converted from other currencies (R2): the currencies, original totals and rates used. */
interface OriginalCurrency { currency: string; amount: string; rate: string; month: string }

type OriginalLineRow = { payment_id: number; currency: ClaimCostLinesRow["currency"]; rate: string; rate_month: string | null; minor: ClaimCostLinesRow["original_minor"] };

/**
 * The foreign-currency costs behind each payment: the claim's eligible lines in another currency,
 * totalled per currency and rate. A claim with lines in two currencies lists both, in the same
 * order in every column ("DKK; SEK", "895.00; 1200.00", "7.4604; 11.1355").
 */
async function originalCurrencies(db: Reader, rows: readonly LedgerDetailRow[]): Promise<Map<number, OriginalCurrency>> {
  const paymentIds = [...new Set(rows.flatMap((r) => (r.kind === "payment" && r.payment_id !== null ? [r.payment_id] : [])))];
  const out = new Map<number, OriginalCurrency>();
  if (!paymentIds.length) return out;
  const lines = await db("payments as pm").join("claim_cost_lines as l", "l.claim_id", "pm.claim_id")
    .whereIn("pm.id", paymentIds).where("l.eligible", true).whereNot("l.currency", "EUR").whereNotNull("l.rate")
    .groupBy("pm.id", "l.currency", "l.rate", "l.rate_month").select("pm.id as payment_id", "l.currency", "l.rate", "l.rate_month").sum({ minor: "l.original_minor" })
    .orderBy([{ column: "pm.id" }, { column: "l.currency" }, { column: "l.rate_month" }, { column: "l.rate" }]) as OriginalLineRow[];
  const grouped = new Map<number, OriginalCurrency[]>();
  for (const l of lines) {
    const list = grouped.get(l.payment_id) ?? [];
    list.push({ currency: l.currency, amount: formatAmount(dbCents(l.minor)), rate: l.rate, month: l.rate_month ?? "" });
    grouped.set(l.payment_id, list);
  }
  for (const [id, list] of grouped) {
    const join = (k: keyof OriginalCurrency) => list.map((x) => x[k]).join("; ");
    out.set(id, { currency: join("currency"), amount: join("amount"), rate: join("rate"), month: join("month") });
  }
  return out;
}

function toExportRow(r: LedgerDetailRow, originals: Map<number, OriginalCurrency>): LedgerExportRow {
  const kind = toEntryKind(r.kind);
  const original = kind === "payment" && r.payment_id !== null ? originals.get(r.payment_id) : undefined;
  return {
    entryId: r.id,
    date: r.at,
    kind,
    voucherReference: r.reference,
    company: r.legal_name,
    vatNumber: r.vat_number,
    region: r.region_name,
    partner: r.partner_name,
    call: r.call_title,
    voucherType: r.type_name,
    amountCents: dbCents(r.amount_cents),
    // Entries are booked in euro; a payment shows the foreign costs it converted (R2).
    originalCurrency: original?.currency ?? null,
    originalAmount: original?.amount ?? null,
    rate: original?.rate ?? null,
    rateMonth: original?.month ?? null,
    paymentReference: r.bank_reference,
    // The value date belongs to payment entries only (corrections of a payment carry the same
    // payment_id, so they show the same date); commit and release entries stay empty.
    paidOn: kind === "payment" ? r.paid_on : null,
    recordedBy: r.user_name ?? "system",
  };
}

export const EXPORT_PAGE_SIZE = 2000;

/**
 * The export feed: keyset pages in id order, so memory stays flat at any size and no connection
 * is held open while a slow client downloads (each page is one short query).
 */
export async function* ledgerExportRows(db: Reader, f: LedgerFilter, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<LedgerExportRow> {
  let after = 0;
  for (;;) {
    const rows = await detailed(db, f).where("le.id", ">", after).orderBy("le.id", "asc").limit(pageSize);
    const originals = await originalCurrencies(db, rows);
    for (const r of rows) yield toExportRow(r, originals);
    const last = rows[rows.length - 1];
    if (rows.length < pageSize || !last) return;
    after = last.id;
  }
}

// -------------------------------------------------------------------------------------------
// Totals
// -------------------------------------------------------------------------------------------

export interface KindSums { committed: Cents; released: Cents; paid: Cents; outstanding: Cents; count: number }

function kindSums(committed: Cents, released: Cents, paid: Cents, count: number): KindSums {
  return { committed, released, paid, outstanding: outstandingCents({ committedCents: committed, releasedCents: released, paidCents: paid }), count };
}

type SumRow = { kind: string; total: number | string | null; n: number | string };

/**
 * The totals of the filtered entries. For the whole ledger or one call they are the running
 * totals on the calls' "total" ceilings, which every entry updates in its own transaction (and
 * the reconciliation checks against the entries); any other filter is one aggregate over the
 * matching entries, joining the application only when the region or type asks for it.
 */
export async function ledgerTotals(db: Reader, f: LedgerFilter): Promise<KindSums> {
  const count = db("ledger_entries as le").count({ n: "*" });
  if (!f.fromUtc && !f.toUtcExclusive && !f.kind && !f.region && !f.type) {
    const ceilings = db("budget_ceilings").where("key", "total").sum({ c: "committed_cents", r: "released_cents", p: "paid_cents" });
    if (f.callId) {
      ceilings.where("call_id", f.callId);
      count.where("le.call_id", f.callId);
    }
    const [s] = (await ceilings) as { c: number | string | null; r: number | string | null; p: number | string | null }[];
    const [n] = (await count) as { n: number | string }[];
    return kindSums(dbInt(s?.c), dbInt(s?.r), dbInt(s?.p), dbInt(n?.n));
  }
  const q = db("ledger_entries as le").groupBy("le.kind").select("le.kind").sum({ total: "le.amount_cents" }).count({ n: "*" });
  whereEntry(q, f);
  if (f.region || f.type) q.join("applications as a", "a.id", "le.application_id");
  if (f.region) q.join("partners as p", "p.id", "a.partner_id").join("regions as r", "r.id", "p.region_id").where("r.code", f.region);
  if (f.type) q.join("voucher_types as vt", "vt.id", "a.voucher_type_id").where("vt.code", f.type);
  const sums = { commit: 0, release: 0, payment: 0 };
  let n = 0;
  for (const r of (await q) as SumRow[]) {
    sums[toEntryKind(r.kind)] = dbInt(r.total);
    n += dbInt(r.n);
  }
  return kindSums(sums.commit, sums.release, sums.payment, n);
}

// -------------------------------------------------------------------------------------------
// The ledger page
// -------------------------------------------------------------------------------------------

export interface LedgerPageRow extends LedgerExportRow {
  applicationId: number;
  callId: number;
  note: string | null;
  /** Running totals over the filtered entries up to and including this one. */
  runningCommitted: Cents;
  runningReleased: Cents;
  runningPaid: Cents;
  runningOutstanding: Cents;
}

export interface LedgerPage {
  rows: LedgerPageRow[];
  totals: KindSums;
  /** 1 for the oldest entries; counted along the links followed. */
  page: number;
  next: LedgerPosition | null;
  previous: LedgerPosition | null;
}

export const LEDGER_PAGE_SIZE = 200;

function add(t: RunningTotals, kind: string, cents: Cents, sign: 1 | -1): RunningTotals {
  const k = toEntryKind(kind);
  return {
    committed: k === "commit" ? t.committed + sign * cents : t.committed,
    released: k === "release" ? t.released + sign * cents : t.released,
    paid: k === "payment" ? t.paid + sign * cents : t.paid,
  };
}

/**
 * One page of the filtered ledger, oldest first, with running totals. `at` is where the page
 * starts (a cursor from an earlier page); without it, the first page.
 */
export async function ledgerPage(db: Reader, f: LedgerFilter, at: LedgerPosition | null = null, pageSize = LEDGER_PAGE_SIZE): Promise<LedgerPage> {
  const q = detailed(db, f).limit(pageSize + 1);
  if (at?.direction === "before") q.where("le.id", "<", at.id).orderBy("le.id", "desc");
  else if (at) q.where("le.id", ">", at.id).orderBy("le.id", "asc");
  else q.orderBy("le.id", "asc");
  const raw = await q;
  const more = raw.length > pageSize;
  const pageRows = raw.slice(0, pageSize);
  if (at?.direction === "before") pageRows.reverse();

  // The running totals just before the first row: carried by the cursor, or worked back from the
  // totals at the end of the page when paging backwards.
  let running: RunningTotals = { committed: 0, released: 0, paid: 0 };
  if (at?.direction === "after") running = at.running;
  else if (at?.direction === "before") {
    running = at.running;
    for (const r of pageRows) running = add(running, r.kind, dbCents(r.amount_cents), -1);
  }
  const start = running;
  const originals = await originalCurrencies(db, pageRows);
  const rows = pageRows.map((r): LedgerPageRow => {
    const e = toExportRow(r, originals);
    running = add(running, e.kind, e.amountCents, 1);
    return {
      ...e, applicationId: r.application_id, callId: r.call_id, note: r.note,
      runningCommitted: running.committed, runningReleased: running.released, runningPaid: running.paid,
      runningOutstanding: outstandingCents({ committedCents: running.committed, releasedCents: running.released, paidCents: running.paid }),
    };
  });

  const page = at === null ? 1 : at.direction === "after" ? at.page + 1 : more ? Math.max(1, at.page - 1) : 1;
  const first = rows[0];
  const last = rows[rows.length - 1];
  const hasNext = at?.direction === "before" ? last !== undefined : more;
  const hasPrevious = at === null ? false : at.direction === "before" ? more : first !== undefined;
  return {
    rows,
    totals: await ledgerTotals(db, f),
    page,
    next: hasNext && last ? { direction: "after", id: last.entryId, page, running } : null,
    previous: hasPrevious && first ? { direction: "before", id: first.entryId, page, running: start } : null,
  };
}

export async function filterOptions(db: Reader): Promise<{ calls: { value: number; label: string }[]; regions: { value: string; label: string }[]; types: { value: string; label: string }[] }> {
  const calls = await db("calls").orderBy("id").select("id", "title");
  const regions = await db("regions").orderBy("code").select("code", "name");
  const types = await db("voucher_types").orderBy("id").select("code", "name");
  return {
    calls: calls.map((c) => ({ value: c.id, label: c.title })),
    regions: regions.map((r) => ({ value: r.code, label: `${r.name} (${r.code})` })),
    types: types.map((t) => ({ value: t.code, label: t.name })),
  };
}
