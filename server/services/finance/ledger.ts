import type { Knex } from "knex";
import { DateTime } from "luxon";
import { assertCents, formatAmount, type Cents } from "../../domain/money";
import { BadRequestError } from "../../errors";
import { LEDGER_KINDS, type LedgerExportRow, type LedgerKind } from "../../exports/ledger-row";
import type { Db } from "../../db/connection";
import type { Trx } from "../platform/context";

/*
 * Reading the disbursement ledger (R5, R16): the filtered list for the page, the streaming feed
 * every export format consumes, and the reconciliation figures. All three sum the same
 * ledger_entries rows with the same filter, so the page, the files and the reconciliation agree
 * to the cent by construction.
 */

export interface LedgerFilter {
  /** As the user typed them (YYYY-MM-DD, programme zone), for echoing back in forms and links. */
  from?: string;
  to?: string;
  /** UTC bounds: from inclusive, to exclusive (start of the day after `to`, local). */
  fromUtc?: string;
  toUtcExclusive?: string;
  callId?: number;
  /** Region code, e.g. "DK". */
  region?: string;
  /** Voucher type code, e.g. "MG". */
  type?: string;
  kind?: LedgerKind;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function one(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string") throw new BadRequestError(`The filter "${name}" was given more than once or in an unexpected form.`, "bad_filter");
  const t = v.trim();
  return t === "" ? undefined : t;
}

function localDay(value: string, name: string, timeZone: string): DateTime {
  const dt = DATE_RE.test(value) ? DateTime.fromISO(value, { zone: timeZone }) : null;
  if (!dt || !dt.isValid || dt.toISODate() !== value) {
    throw new BadRequestError(`The filter "${name}" must be a real date written as YYYY-MM-DD, for example 2026-01-31 (got "${value.slice(0, 40)}").`, "bad_filter");
  }
  return dt.startOf("day");
}

/**
 * Parses the query parameters from, to, call, region, type and kind. Dates are calendar days in
 * the programme's zone, both inclusive: an entry at 23:59 local on the `to` day is in, one at
 * 00:00 the next day is out, whatever UTC offset applies that day.
 */
export function parseLedgerFilter(q: Record<string, unknown>, timeZone: string): LedgerFilter {
  const f: LedgerFilter = {};
  const from = one(q, "from");
  const to = one(q, "to");
  if (from) {
    f.from = from;
    f.fromUtc = localDay(from, "from", timeZone).toUTC().toISO()!;
  }
  if (to) {
    f.to = to;
    f.toUtcExclusive = localDay(to, "to", timeZone).plus({ days: 1 }).toUTC().toISO()!;
  }
  if (f.fromUtc && f.toUtcExclusive && f.fromUtc >= f.toUtcExclusive) {
    throw new BadRequestError(`The period is empty: "from" (${from}) is after "to" (${to}).`, "bad_filter");
  }
  const call = one(q, "call");
  if (call) {
    if (!/^[1-9]\d{0,9}$/.test(call)) throw new BadRequestError(`The filter "call" must be a call number (got "${call.slice(0, 40)}").`, "bad_filter");
    f.callId = Number(call);
  }
  const region = one(q, "region");
  if (region) {
    if (!/^[A-Za-z0-9]{1,10}$/.test(region)) throw new BadRequestError(`The filter "region" must be a region code such as DK (got "${region.slice(0, 40)}").`, "bad_filter");
    f.region = region.toUpperCase();
  }
  const type = one(q, "type");
  if (type) {
    if (!/^[A-Za-z]{1,10}$/.test(type)) throw new BadRequestError(`The filter "type" must be a voucher type code such as MG (got "${type.slice(0, 40)}").`, "bad_filter");
    f.type = type.toUpperCase();
  }
  const kind = one(q, "kind");
  if (kind) {
    if (!(LEDGER_KINDS as readonly string[]).includes(kind)) throw new BadRequestError(`The filter "kind" must be one of ${LEDGER_KINDS.join(", ")}.`, "bad_filter");
    f.kind = kind as LedgerKind;
  }
  return f;
}

/** The filter as query-string pairs, for links and export URLs. */
export function filterQuery(f: LedgerFilter): string {
  const p = new URLSearchParams();
  if (f.from) p.set("from", f.from);
  if (f.to) p.set("to", f.to);
  if (f.callId) p.set("call", String(f.callId));
  if (f.region) p.set("region", f.region);
  if (f.type) p.set("type", f.type);
  if (f.kind) p.set("kind", f.kind);
  return p.toString();
}

function baseQuery(db: Db | Trx, f: LedgerFilter): Knex.QueryBuilder {
  const q = db("ledger_entries as le")
    .join("applications as a", "a.id", "le.application_id")
    .join("calls as c", "c.id", "le.call_id")
    .join("companies as co", "co.id", "a.company_id")
    .join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .join("partners as p", "p.id", "a.partner_id")
    .join("regions as r", "r.id", "p.region_id");
  if (f.fromUtc) q.where("le.at", ">=", f.fromUtc);
  if (f.toUtcExclusive) q.where("le.at", "<", f.toUtcExclusive);
  if (f.callId) q.where("le.call_id", f.callId);
  if (f.region) q.where("r.code", f.region);
  if (f.type) q.where("vt.code", f.type);
  if (f.kind) q.where("le.kind", f.kind);
  return q;
}

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

function detailed(db: Db | Trx, f: LedgerFilter): Knex.QueryBuilder {
  return baseQuery(db, f)
    .leftJoin("payments as pm", "pm.id", "le.payment_id")
    .leftJoin("users as u", "u.id", "le.actor_user_id")
    .select("le.id", "le.at", "le.kind", "le.amount_cents", "le.payment_id", "le.application_id", "le.call_id", "le.note",
      "a.reference", "co.legal_name", "co.vat_number", "r.name as region_name", "p.name as partner_name",
      "c.title as call_title", "vt.name as type_name", "pm.bank_reference", "pm.paid_on", "u.name as user_name");
}

/** What a payment converted from other currencies (R2): the currencies, original totals and rates used. */
interface OriginalCurrency { currency: string; amount: string; rate: string; month: string }

/**
 * The foreign-currency costs behind each payment: the claim's eligible lines in another currency,
 * totalled per currency and rate. A claim with lines in two currencies lists both, in the same
 * order in every column ("DKK; SEK", "895.00; 1200.00", "7.4604; 11.1355").
 */
async function originalCurrencies(db: Db | Trx, rows: Record<string, unknown>[]): Promise<Map<number, OriginalCurrency>> {
  const paymentIds = [...new Set(rows.filter((r) => r.kind === "payment" && r.payment_id != null).map((r) => Number(r.payment_id)))];
  const out = new Map<number, OriginalCurrency>();
  if (!paymentIds.length) return out;
  const lines: Record<string, unknown>[] = await db("payments as pm").join("claim_cost_lines as l", "l.claim_id", "pm.claim_id")
    .whereIn("pm.id", paymentIds).where("l.eligible", true).whereNot("l.currency", "EUR").whereNotNull("l.rate")
    .groupBy("pm.id", "l.currency", "l.rate", "l.rate_month").select("pm.id as payment_id", "l.currency", "l.rate", "l.rate_month").sum({ minor: "l.original_minor" })
    .orderBy([{ column: "pm.id" }, { column: "l.currency" }, { column: "l.rate_month" }, { column: "l.rate" }]);
  const grouped = new Map<number, OriginalCurrency[]>();
  for (const l of lines) {
    const id = Number(l.payment_id);
    const list = grouped.get(id) ?? [];
    list.push({ currency: String(l.currency), amount: formatAmount(assertCents(l.minor)), rate: String(l.rate), month: String(l.rate_month ?? "") });
    grouped.set(id, list);
  }
  for (const [id, list] of grouped) {
    const join = (k: keyof OriginalCurrency) => list.map((x) => x[k]).join("; ");
    out.set(id, { currency: join("currency"), amount: join("amount"), rate: join("rate"), month: join("month") });
  }
  return out;
}

function toExportRow(r: Record<string, unknown>, originals: Map<number, OriginalCurrency>): LedgerExportRow {
  const original = r.kind === "payment" && r.payment_id != null ? originals.get(Number(r.payment_id)) : undefined;
  return {
    entryId: Number(r.id),
    date: String(r.at),
    kind: r.kind as LedgerKind,
    voucherReference: (r.reference as string | null) ?? null,
    company: String(r.legal_name),
    vatNumber: String(r.vat_number),
    region: String(r.region_name),
    partner: String(r.partner_name),
    call: String(r.call_title),
    voucherType: String(r.type_name),
    amountCents: assertCents(r.amount_cents),
    // Entries are booked in euro; a payment shows the foreign costs it converted (R2).
    originalCurrency: original?.currency ?? null,
    originalAmount: original?.amount ?? null,
    rate: original?.rate ?? null,
    rateMonth: original?.month ?? null,
    paymentReference: (r.bank_reference as string | null) ?? null,
    // The value date belongs to payment entries only (corrections of a payment carry the same
    // payment_id, so they show the same date); commit and release entries stay empty.
    paidOn: r.kind === "payment" && r.paid_on != null ? String(r.paid_on) : null,
    recordedBy: r.user_name ? String(r.user_name) : "system",
  };
}

export const EXPORT_PAGE_SIZE = 1000;

/**
 * The export feed: keyset pages of 1000 entries in id order, so memory stays flat at any size and
 * no connection is held open while a slow client downloads (each page is one short query).
 */
export async function* ledgerExportRows(db: Db | Trx, f: LedgerFilter, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<LedgerExportRow> {
  let after = 0;
  for (;;) {
    const rows: Record<string, unknown>[] = await detailed(db, f).where("le.id", ">", after).orderBy("le.id", "asc").limit(pageSize);
    const originals = await originalCurrencies(db, rows);
    for (const r of rows) yield toExportRow(r, originals);
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1].id);
  }
}

export interface KindSums { committed: Cents; released: Cents; paid: Cents; outstanding: Cents; count: number }

function sumsFrom(rows: Record<string, unknown>[]): KindSums {
  const s = { committed: 0, released: 0, paid: 0, outstanding: 0, count: 0 };
  for (const r of rows) {
    const v = assertCents(r.total ?? 0);
    if (r.kind === "commit") s.committed += v;
    else if (r.kind === "release") s.released += v;
    else if (r.kind === "payment") s.paid += v;
    s.count += Number(r.n ?? 0);
  }
  s.outstanding = s.committed - s.released - s.paid;
  return s;
}

export async function ledgerTotals(db: Db | Trx, f: LedgerFilter, beforeId?: number): Promise<KindSums> {
  const q = baseQuery(db, f).groupBy("le.kind").select("le.kind").sum({ total: "le.amount_cents" }).count({ n: "*" });
  if (beforeId !== undefined) q.where("le.id", "<", beforeId);
  return sumsFrom(await q);
}

export const LEDGER_PAGE_SIZE = 200;

export async function ledgerPage(db: Db | Trx, f: LedgerFilter, page = 1): Promise<{ rows: LedgerPageRow[]; totals: KindSums; hasMore: boolean; page: number }> {
  const p = Math.max(1, Math.min(1_000_000, Math.trunc(page)));
  const raw: Record<string, unknown>[] = await detailed(db, f).orderBy("le.id", "asc").limit(LEDGER_PAGE_SIZE + 1).offset((p - 1) * LEDGER_PAGE_SIZE);
  const hasMore = raw.length > LEDGER_PAGE_SIZE;
  const pageRows = raw.slice(0, LEDGER_PAGE_SIZE);
  const start = pageRows.length ? await ledgerTotals(db, f, Number(pageRows[0].id)) : { committed: 0, released: 0, paid: 0 };
  let { committed, released, paid } = start;
  const originals = await originalCurrencies(db, pageRows);
  const rows = pageRows.map((r) => {
    const e = toExportRow(r, originals);
    if (e.kind === "commit") committed += e.amountCents;
    else if (e.kind === "release") released += e.amountCents;
    else paid += e.amountCents;
    return {
      ...e, applicationId: Number(r.application_id), callId: Number(r.call_id), note: (r.note as string | null) ?? null,
      runningCommitted: committed, runningReleased: released, runningPaid: paid, runningOutstanding: committed - released - paid,
    };
  });
  return { rows, totals: await ledgerTotals(db, f), hasMore, page: p };
}

// -------------------------------------------------------------------------------------------
// Reconciliation
// -------------------------------------------------------------------------------------------

export interface ReconRow {
  /** The same label the export uses in its call / region / type column. */
  label: string;
  code: string;
  /** null where the programme defines no ceiling at this level. */
  ceilingCents: Cents | null;
  committedCents: Cents;
  releasedCents: Cents;
  paidCents: Cents;
  outstandingCents: Cents;
  remainingCents: Cents | null;
  /** Per call: the running totals on budget_ceilings equal the ledger ("total" ceiling). */
  runningTotalsAgree?: boolean;
}

export interface Reconciliation {
  byCall: ReconRow[];
  byRegion: ReconRow[];
  byType: ReconRow[];
  total: ReconRow;
}

type Sums = { commit: number; release: number; payment: number };

function addSum(map: Map<string, Sums>, key: string, kind: string, cents: number): void {
  let s = map.get(key);
  if (!s) map.set(key, (s = { commit: 0, release: 0, payment: 0 }));
  if (kind === "commit" || kind === "release" || kind === "payment") s[kind] += cents;
}

function reconRow(label: string, code: string, ceiling: Cents | null, s: Sums | undefined): ReconRow {
  const c = s ?? { commit: 0, release: 0, payment: 0 };
  return {
    label, code, ceilingCents: ceiling, committedCents: c.commit, releasedCents: c.release, paidCents: c.payment,
    outstandingCents: c.commit - c.release - c.payment,
    remainingCents: ceiling === null ? null : ceiling - (c.commit - c.release),
  };
}

/**
 * Ceiling, committed, released, paid, outstanding and remaining per call, region and voucher
 * type, all summed from the ledger entries (optionally filtered like the exports).
 */
export async function reconciliation(db: Db | Trx, f: LedgerFilter = {}): Promise<Reconciliation> {
  const grouped: Record<string, unknown>[] = await baseQuery(db, f)
    .groupBy("le.call_id", "c.title", "r.code", "r.name", "vt.code", "vt.name", "le.kind")
    .select("le.call_id", "c.title as call_title", "r.code as region_code", "r.name as region_name",
      "vt.code as type_code", "vt.name as type_name", "le.kind")
    .sum({ total: "le.amount_cents" });
  const byCall = new Map<string, Sums>();
  const byRegion = new Map<string, Sums>();
  const byType = new Map<string, Sums>();
  const all = new Map<string, Sums>();
  for (const g of grouped) {
    const cents = assertCents(g.total ?? 0);
    addSum(byCall, String(g.call_id), String(g.kind), cents);
    addSum(byRegion, String(g.region_code), String(g.kind), cents);
    addSum(byType, String(g.type_code), String(g.kind), cents);
    addSum(all, "all", String(g.kind), cents);
  }

  const callsQ = db("calls").orderBy("id").select("id", "title");
  if (f.callId) callsQ.where("id", f.callId);
  const calls: Record<string, unknown>[] = await callsQ;
  const ceilingsQ = db("budget_ceilings as b").select("b.call_id", "b.key", "b.ceiling_cents", "b.committed_cents", "b.released_cents", "b.paid_cents");
  if (f.callId) ceilingsQ.where("b.call_id", f.callId);
  const ceilings: Record<string, unknown>[] = await ceilingsQ;
  const partners: Record<string, unknown>[] = await db("partners as p").join("regions as r", "r.id", "p.region_id").select("p.id", "r.code");
  const regionOfPartner = new Map(partners.map((p) => [String(p.id), String(p.code)]));

  const callCeiling = new Map<string, Cents>();
  const regionCeiling = new Map<string, Cents>();
  const typeCeiling = new Map<string, Cents>();
  const runningAgree = new Map<string, boolean>();
  for (const c of ceilings) {
    const key = String(c.key);
    const cents = assertCents(c.ceiling_cents);
    if (key === "total") {
      callCeiling.set(String(c.call_id), cents);
      const s = byCall.get(String(c.call_id)) ?? { commit: 0, release: 0, payment: 0 };
      runningAgree.set(String(c.call_id), assertCents(c.committed_cents) === s.commit && assertCents(c.released_cents) === s.release && assertCents(c.paid_cents) === s.payment);
    } else if (key.startsWith("partner:")) {
      const region = regionOfPartner.get(key.slice(8));
      if (region) regionCeiling.set(region, (regionCeiling.get(region) ?? 0) + cents);
    } else if (key.startsWith("type:")) {
      const t = key.slice(5);
      typeCeiling.set(t, (typeCeiling.get(t) ?? 0) + cents);
    }
  }

  const callRows = calls
    .filter((c) => !f.region && !f.type && !f.kind ? true : byCall.has(String(c.id)))
    .map((c) => ({
      ...reconRow(String(c.title), String(c.id), callCeiling.get(String(c.id)) ?? null, byCall.get(String(c.id))),
      // With a period or other filter the running totals (all time) cannot be compared.
      runningTotalsAgree: f.from || f.to || f.region || f.type || f.kind ? undefined : runningAgree.get(String(c.id)) ?? true,
    }));
  const regions: Record<string, unknown>[] = await db("regions").orderBy("code").select("code", "name");
  const regionRows = regions
    .filter((r) => byRegion.has(String(r.code)) || regionCeiling.has(String(r.code)))
    .map((r) => reconRow(String(r.name), String(r.code), f.type || f.kind ? null : regionCeiling.get(String(r.code)) ?? null, byRegion.get(String(r.code))));
  const types: Record<string, unknown>[] = await db("voucher_types").orderBy("id").select("code", "name");
  const typeRows = types
    .filter((t) => byType.has(String(t.code)) || typeCeiling.has(String(t.code)))
    .map((t) => reconRow(String(t.name), String(t.code), f.region || f.kind ? null : typeCeiling.get(String(t.code)) ?? null, byType.get(String(t.code))));
  const totalCeiling = f.region || f.type || f.kind ? null : [...callCeiling.values()].reduce((a, b) => a + b, 0);
  return { byCall: callRows, byRegion: regionRows, byType: typeRows, total: reconRow("All calls", "all", totalCeiling, all.get("all")) };
}

export async function filterOptions(db: Db | Trx): Promise<{ calls: { value: number; label: string }[]; regions: { value: string; label: string }[]; types: { value: string; label: string }[] }> {
  const calls = await db("calls").orderBy("id").select("id", "title");
  const regions = await db("regions").orderBy("code").select("code", "name");
  const types = await db("voucher_types").orderBy("id").select("code", "name");
  return {
    calls: calls.map((c) => ({ value: Number(c.id), label: String(c.title) })),
    regions: regions.map((r) => ({ value: String(r.code), label: `${String(r.name)} (${String(r.code)})` })),
    types: types.map((t) => ({ value: String(t.code), label: String(t.name) })),
  };
}
