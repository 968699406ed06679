import type { Knex } from "knex";
import type { Db } from "../../db/connection";
import type {
  ApplicationsRow, ClaimCostLinesRow, CompaniesRow, LedgerEntriesRow, PaymentsRow, UsersRow,
} from "../../db/tables";
import { dbCents, dbInt } from "../../db/tables";
import { toEntryKind } from "../../db/tables/ledger-entries";
import { outstandingCents } from "../../domain/budget";
import { formatAmount, type Cents } from "../../domain/money";
import type { LedgerExportRow } from "../../exports/ledger-row";
import type { Trx } from "../platform/context";
import type { LedgerFilter, LedgerPosition, RunningTotals } from "./ledger-filter";
import { filterOptionsOf, readLedgerReference, type LedgerFilterOptions, type LedgerReference } from "./ledger-reference";
import { readLevelTotals } from "./ledger-totals";

/*
 * Reading the disbursement ledger (R5, R16): the page with its running totals and the feed every
 * export format consumes. Both read the same ledger_entries rows with the same filter, so the
 * page and the files agree to the cent by construction. The cost of a page does not grow with the
 * ledger: it reads one keyset page of entries, and its totals come from the running totals the
 * budget keeps (or one aggregate over the filtered entries when a filter cuts across calls).
 */

type Reader = Db | Trx;

type EntryRow = Pick<LedgerEntriesRow, "id" | "at" | "kind" | "amount_cents" | "payment_id" | "application_id" | "call_id" | "actor_user_id"> &
  Pick<ApplicationsRow, "reference" | "company_id" | "voucher_type_id" | "partner_id"> & { note?: LedgerEntriesRow["note"] };

/** The filter; the region and type filters need the applications joined as "a". */
function whereEntry(q: Knex.QueryBuilder, f: LedgerFilter): void {
  if (f.fromUtc) q.where("le.at", ">=", f.fromUtc);
  if (f.toUtcExclusive) q.where("le.at", "<", f.toUtcExclusive);
  if (f.callId) q.where("le.call_id", f.callId);
  if (f.kind) q.where("le.kind", f.kind);
  if (f.region) q.join("partners as p", "p.id", "a.partner_id").join("regions as r", "r.id", "p.region_id").where("r.code", f.region);
  if (f.type) q.join("voucher_types as vt", "vt.id", "a.voucher_type_id").where("vt.code", f.type);
}

/**
 * The filtered entries with their application's ids. What the page and the files show about each
 * entry's company, partner, call, type and payment is looked up by id (LedgerNames), not joined row by row:
 * a long export repeats the same few hundred companies and calls, and reading them once is most
 * of what makes it as quick as the database's own CSV output.
 */
function entries(db: Reader, f: LedgerFilter, withNote: boolean) {
  const q = db("ledger_entries as le").join("applications as a", "a.id", "le.application_id").select<EntryRow[]>(
    "le.id", "le.at", "le.kind", "le.amount_cents", "le.payment_id", "le.application_id", "le.call_id", "le.actor_user_id",
    "a.reference", "a.company_id", "a.voucher_type_id", "a.partner_id", ...(withNote ? ["le.note"] : []),
  );
  whereEntry(q, f);
  return q;
}

type PaymentNames = Pick<PaymentsRow, "id" | "bank_reference" | "paid_on" | "returned_on">;

/** Keeps lookups of one export bounded: past this many ids a map starts again. */
const MAX_CACHED = 50_000;
/** Ids per `where id in (...)`, below every engine's limit on bound parameters. */
const IDS_PER_QUERY = 5_000;

async function byIds<T extends { id: number }>(ids: readonly number[], load: (chunk: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) out.push(...(await load(ids.slice(i, i + IDS_PER_QUERY))));
  return out;
}

function remember<T extends { id: number }>(map: Map<number, T>, rows: readonly T[]): void {
  if (map.size + rows.length > MAX_CACHED) map.clear();
  for (const r of rows) map.set(r.id, r);
}

/** The names behind the ids of ledger entries, read once per export or page. */
class LedgerNames {
  private readonly companies = new Map<number, Pick<CompaniesRow, "id" | "legal_name" | "vat_number">>();
  private readonly users = new Map<number, Pick<UsersRow, "id" | "name">>();
  private payments = new Map<number, PaymentNames>();
  private originals = new Map<number, OriginalCurrency>();
  private fixed: { calls: Map<number, string>; types: Map<number, string>; partners: Map<number, { name: string; region: string }> } | null = null;

  /** `reference`: the page's own reading of the calls, partners and types, when it has one. */
  constructor(private readonly db: Reader, private reference?: LedgerReference) {}

  /** Reads whatever the given entries need and is not known yet. */
  async load(rows: readonly EntryRow[]): Promise<void> {
    const db = this.db;
    if (!this.fixed) {
      const ref = this.reference ?? (this.reference = await readLedgerReference(db));
      this.fixed = {
        calls: new Map(ref.calls.map((c) => [c.id, c.title])),
        types: new Map(ref.types.map((t) => [t.id, t.name])),
        partners: new Map(ref.partners.map((p) => [p.id, { name: p.name, region: p.regionName }])),
      };
    }
    const missingCompanies = [...new Set(rows.map((r) => r.company_id))].filter((id) => !this.companies.has(id));
    remember(this.companies, await byIds(missingCompanies, (ids) => db("companies").whereIn("id", ids).select("id", "legal_name", "vat_number")));
    const missingUsers = [...new Set(rows.map((r) => r.actor_user_id))].filter((id): id is number => id !== null && !this.users.has(id));
    remember(this.users, await byIds(missingUsers, (ids) => db("users").whereIn("id", ids).select("id", "name")));
    // Payments and their currencies belong to one or two entries each: read per batch, not kept.
    const paymentIds = [...new Set(rows.flatMap((r) => (r.payment_id !== null ? [r.payment_id] : [])))];
    this.payments = new Map((await byIds(paymentIds, (ids) => db("payments").whereIn("id", ids).select("id", "bank_reference", "paid_on", "returned_on"))).map((p) => [p.id, p]));
    this.originals = await originalCurrencies(db, rows.flatMap((r) => (r.kind === "payment" && r.payment_id !== null ? [r.payment_id] : [])));
  }

  /** The entry as the files and the page show it; `load` must have seen it. */
  describe(r: EntryRow): LedgerExportRow {
    const kind = toEntryKind(r.kind);
    const company = this.companies.get(r.company_id);
    const partner = this.fixed?.partners.get(r.partner_id);
    const type = this.fixed?.types.get(r.voucher_type_id);
    const call = this.fixed?.calls.get(r.call_id);
    if (!company || !partner || type === undefined || call === undefined) throw new Error(`ledger entry ${r.id} refers to a missing company, partner, type or call`);
    const payment = r.payment_id !== null ? this.payments.get(r.payment_id) : undefined;
    const original = kind === "payment" && r.payment_id !== null ? this.originals.get(r.payment_id) : undefined;
    return {
      entryId: r.id,
      date: r.at,
      kind,
      voucherReference: r.reference,
      company: company.legal_name,
      vatNumber: company.vat_number,
      region: partner.region,
      partner: partner.name,
      call,
      voucherType: type,
      amountCents: dbCents(r.amount_cents),
      // Entries are booked in euro; a payment shows the foreign costs it converted (R2), and its
      // correction the same costs with the correction's sign, so the column sums as the euros do.
      originalCurrency: original?.currency ?? null,
      originalAmount: original ? (dbCents(r.amount_cents) < 0 ? negatedAmounts(original.amount) : original.amount) : null,
      rate: original?.rate ?? null,
      rateMonth: original?.month ?? null,
      paymentReference: payment?.bank_reference ?? null,
      paymentId: r.payment_id,
      // The value date belongs to payment entries only; commit and release entries stay empty. A
      // payment's correction (the bank sent it back, R5) carries the same payment_id and shows the
      // day the money came back: the date on the statement it is matched against.
      paidOn: kind === "payment" ? (dbCents(r.amount_cents) < 0 ? payment?.returned_on ?? payment?.paid_on : payment?.paid_on) ?? null : null,
      recordedBy: r.actor_user_id !== null ? this.users.get(r.actor_user_id)?.name ?? "system" : "system",
    };
  }
}

/** "895.00; 1200.00" as "-895.00; -1200.00". */
function negatedAmounts(amounts: string): string {
  return amounts.split("; ").map((a) => (a.startsWith("-") ? a.slice(1) : `-${a}`)).join("; ");
}

/** What a payment converted from other currencies (R2): the currencies, original totals and rates used. */
interface OriginalCurrency { currency: string; amount: string; rate: string; month: string }

type OriginalLineRow = { payment_id: number; currency: ClaimCostLinesRow["currency"]; rate: string; rate_month: string | null; minor: ClaimCostLinesRow["original_minor"] };

/**
 * The foreign-currency costs behind each payment: the claim's eligible lines in another currency,
 * totalled per currency and rate. A claim with lines in two currencies lists both, in the same
 * order in every column ("DKK; SEK", "895.00; 1200.00", "7.4604; 11.1355").
 */
async function originalCurrencies(db: Reader, ids: readonly number[]): Promise<Map<number, OriginalCurrency>> {
  const paymentIds = [...new Set(ids)];
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

export const EXPORT_PAGE_SIZE = 1000;

/**
 * The export feed: keyset pages in id order, so memory stays flat at any size and no connection
 * is held open while a slow client downloads (each page is one short query). The next page is
 * read while the current one is written out.
 */
export async function* ledgerExportRows(db: Reader, f: LedgerFilter, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<LedgerExportRow> {
  const names = new LedgerNames(db);
  const page = async (after: number) => {
    const rows = await entries(db, f, false).where("le.id", ">", after).orderBy("le.id", "asc").limit(pageSize);
    await names.load(rows);
    return rows.map((r) => names.describe(r));
  };
  let next: Promise<LedgerExportRow[]> | null = page(0);
  while (next) {
    const rows: LedgerExportRow[] = await next;
    const last = rows[rows.length - 1];
    next = rows.length === pageSize && last ? page(last.entryId) : null;
    // Nothing is left unawaited if the consumer stops early: the pending page is awaited (and
    // its error dropped) before the generator returns.
    try {
      for (const r of rows) yield r;
    } finally {
      if (next && rows.length) await next.catch(() => undefined);
    }
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
 * The totals of the filtered entries. Every entry updates ledger_totals and ledger_sums in its own
 * transaction, and the daily ledger check compares both with the entries. Filtered by kind alone,
 * the totals come from ledger_totals (the programme per voucher type: a few rows); by call, region
 * or type, from ledger_sums (per call, partner, type and kind, so every filter applies to it: a
 * few hundred rows whatever the size of the ledger). A period is one aggregate over the entries in
 * it, joining the application only when the region or type asks for it.
 */
export async function ledgerTotals(db: Reader, f: LedgerFilter): Promise<KindSums> {
  const sums = { commit: 0, release: 0, payment: 0 };
  let n = 0;
  if (!f.fromUtc && !f.toUtcExclusive && !f.callId && !f.region && !f.type) {
    // The whole programme: its totals per voucher type, a few rows whatever the number of calls.
    for (const t of await readLevelTotals(db, "type", { kind: f.kind })) {
      sums[t.kind] += t.amountCents;
      n += t.entries;
    }
    return kindSums(sums.commit, sums.release, sums.payment, n);
  }
  let q: Knex.QueryBuilder;
  if (!f.fromUtc && !f.toUtcExclusive) {
    q = db("ledger_sums as s").groupBy("s.kind").select("s.kind").sum({ total: "s.amount_cents", n: "s.entries" });
    if (f.callId) q.where("s.call_id", f.callId);
    if (f.kind) q.where("s.kind", f.kind);
    if (f.region) q.join("partners as p", "p.id", "s.partner_id").join("regions as r", "r.id", "p.region_id").where("r.code", f.region);
    if (f.type) q.join("voucher_types as vt", "vt.id", "s.voucher_type_id").where("vt.code", f.type);
  } else {
    q = db("ledger_entries as le").groupBy("le.kind").select("le.kind").sum({ total: "le.amount_cents" }).count({ n: "*" });
    if (f.region || f.type) q.join("applications as a", "a.id", "le.application_id");
    whereEntry(q, f);
  }
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
  /** The filter form's choices. */
  options: LedgerFilterOptions;
}

/*
 * Twenty-five entries a page, as many as a page of the review queue: each entry is two table rows
 * (its figures and its details), so a page is fifty rows, readable with a screen reader and on
 * paper, and costs the same to serve whether the programme has a hundred entries or a hundred
 * thousand. The exports carry the whole ledger. At fifty entries the page weighed 56 KB and
 * served half as many requests a second on a large programme as on the demo's few entries.
 */
export const LEDGER_PAGE_SIZE = 25;

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
  const q = entries(db, f, true).limit(pageSize + 1);
  if (at?.direction === "before") q.where("le.id", "<", at.id).orderBy("le.id", "desc");
  else if (at) q.where("le.id", ">", at.id).orderBy("le.id", "asc");
  else q.orderBy("le.id", "asc");
  const [raw, reference] = await Promise.all([q, readLedgerReference(db)]);
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
  const names = new LedgerNames(db, reference);
  await names.load(pageRows);
  const rows = pageRows.map((r): LedgerPageRow => {
    const e = names.describe(r);
    running = add(running, e.kind, e.amountCents, 1);
    // Added to the described entry rather than spread into a new object: V8 copied each spread
    // entry through its slow path, which cost more than the rest of the page's rows together.
    return Object.assign(e, {
      applicationId: r.application_id, callId: r.call_id, note: r.note ?? null,
      runningCommitted: running.committed, runningReleased: running.released, runningPaid: running.paid,
      runningOutstanding: outstandingCents({ committedCents: running.committed, releasedCents: running.released, paidCents: running.paid }),
    });
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
    options: filterOptionsOf(reference),
  };
}

