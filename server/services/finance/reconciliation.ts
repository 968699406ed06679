import type { Db } from "../../db/connection";
import { dbInt, type DbBigint } from "../../db/tables";
import { toCeilingState } from "../../db/tables/budget-ceilings";
import { toEntryKind } from "../../db/tables/ledger-entries";
import { outstandingCents, remainingCents, type EntryKind } from "../../domain/budget";
import type { Cents } from "../../domain/money";
import type { Trx } from "../platform/context";
import type { LedgerFilter } from "./ledger-filter";

/*
 * The reconciliation page: ceiling, committed, released, paid, outstanding and remaining per call,
 * region and voucher type, with the same filter as the ledger page and its exports, and, per call,
 * whether the running totals the budget keeps still equal the ledger. The figures come from
 * ledger_sums unless a period is asked for or the reader asks for every entry to be summed again;
 * the daily ledger check (services/calls/ledger-check.ts) compares ledger_sums with the entries.
 */

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
  source: ReconSource;
}

type Sums = Record<EntryKind, Cents>;

function addSum<K>(map: Map<K, Sums>, key: K, kind: EntryKind, cents: Cents): void {
  let s = map.get(key);
  if (!s) map.set(key, (s = { commit: 0, release: 0, payment: 0 }));
  s[kind] += cents;
}

function reconRow(label: string, code: string, ceiling: Cents | null, s: Sums | undefined): ReconRow {
  const c = s ?? { commit: 0, release: 0, payment: 0 };
  const state = { ceilingCents: ceiling ?? 0, committedCents: c.commit, releasedCents: c.release, paidCents: c.payment };
  return {
    label, code, ceilingCents: ceiling, committedCents: c.commit, releasedCents: c.release, paidCents: c.payment,
    outstandingCents: outstandingCents(state),
    remainingCents: ceiling === null ? null : remainingCents({ key: code, label, ...state }),
  };
}

type GroupRow = { call_id: number; region_code: string; type_code: string; kind: string; total: number | string | null };

/**
 * Where the figures come from: "sums" reads ledger_sums, booked with every entry, so the page costs
 * the same whatever the size of the ledger; "entries" sums every entry again, which a period filter
 * needs and a finance officer may ask for to see the check made against the entries themselves.
 */
export type ReconSource = "sums" | "entries";

function fromEntries(db: Db | Trx, f: LedgerFilter) {
  const q = db("ledger_entries as le")
    .join("applications as a", "a.id", "le.application_id")
    .join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .join("partners as p", "p.id", "a.partner_id")
    .join("regions as r", "r.id", "p.region_id")
    .groupBy("le.call_id", "r.code", "vt.code", "le.kind")
    .select("le.call_id", "r.code as region_code", "vt.code as type_code", "le.kind")
    .sum({ total: "le.amount_cents" });
  if (f.fromUtc) q.where("le.at", ">=", f.fromUtc);
  if (f.toUtcExclusive) q.where("le.at", "<", f.toUtcExclusive);
  return q;
}

type SumRow = { call_id: number; partner_id: number; voucher_type_id: number; kind: string; amount_cents: DbBigint };

/*
 * ledger_sums is read as it is (one row per call, partner, type and kind) and named in code: a
 * join and GROUP BY over its rows cost SQLite several milliseconds a view at 35 calls, reading them
 * a fraction of one.
 */
async function fromSums(db: Db | Trx, f: LedgerFilter, regionOfPartner: Map<number, string>, typeCode: Map<number, string>): Promise<GroupRow[]> {
  const q = db("ledger_sums").select<SumRow[]>("call_id", "partner_id", "voucher_type_id", "kind", "amount_cents");
  if (f.callId) q.where("call_id", f.callId);
  if (f.kind) q.where("kind", f.kind);
  const out: GroupRow[] = [];
  for (const r of await q) {
    const region = regionOfPartner.get(dbInt(r.partner_id)) ?? "";
    const type = typeCode.get(dbInt(r.voucher_type_id)) ?? "";
    if ((f.region && region !== f.region) || (f.type && type !== f.type)) continue;
    out.push({ call_id: dbInt(r.call_id), region_code: region, type_code: type, kind: r.kind, total: r.amount_cents });
  }
  return out;
}

/** The figures per call, region and voucher type, optionally filtered like the exports. */
export async function reconciliation(db: Db | Trx, f: LedgerFilter = {}, wanted: ReconSource = "sums"): Promise<Reconciliation> {
  const source: ReconSource = f.fromUtc || f.toUtcExclusive ? "entries" : wanted;
  const partners = await db("partners as p").join("regions as r", "r.id", "p.region_id").select<{ id: number; code: string }[]>("p.id", "r.code");
  const types = await db("voucher_types").orderBy("id").select("id", "code", "name");
  let grouped: GroupRow[];
  if (source === "sums") {
    grouped = await fromSums(db, f, new Map(partners.map((p) => [dbInt(p.id), p.code])), new Map(types.map((t) => [dbInt(t.id), t.code])));
  } else {
    const q = fromEntries(db, f);
    if (f.callId) q.where("le.call_id", f.callId);
    if (f.kind) q.where("le.kind", f.kind);
    if (f.region) q.where("r.code", f.region);
    if (f.type) q.where("vt.code", f.type);
    grouped = (await q) as GroupRow[];
  }
  const byCall = new Map<number, Sums>();
  const byRegion = new Map<string, Sums>();
  const byType = new Map<string, Sums>();
  const all = new Map<string, Sums>();
  for (const g of grouped) {
    const cents = dbInt(g.total);
    const kind = toEntryKind(g.kind);
    addSum(byCall, g.call_id, kind, cents);
    addSum(byRegion, g.region_code, kind, cents);
    addSum(byType, g.type_code, kind, cents);
    addSum(all, "all", kind, cents);
  }

  const callsQ = db("calls").orderBy("id").select("id", "title");
  if (f.callId) callsQ.where("id", f.callId);
  const calls = await callsQ;
  const ceilingsQ = db("budget_ceilings").select("*");
  if (f.callId) ceilingsQ.where("call_id", f.callId);
  const ceilings = await ceilingsQ;
  const regionOfPartner = new Map(partners.map((p) => [String(p.id), p.code]));

  const callCeiling = new Map<number, Cents>();
  const regionCeiling = new Map<string, Cents>();
  const typeCeiling = new Map<string, Cents>();
  const runningAgree = new Map<number, boolean>();
  for (const row of ceilings) {
    const c = toCeilingState(row);
    const callKey = row.call_id;
    if (c.key === "total") {
      callCeiling.set(callKey, c.ceilingCents);
      const s = byCall.get(callKey) ?? { commit: 0, release: 0, payment: 0 };
      runningAgree.set(callKey, c.committedCents === s.commit && c.releasedCents === s.release && c.paidCents === s.payment);
    } else if (c.key.startsWith("partner:")) {
      const region = regionOfPartner.get(c.key.slice(8));
      if (region) regionCeiling.set(region, (regionCeiling.get(region) ?? 0) + c.ceilingCents);
    } else if (c.key.startsWith("type:")) {
      const t = c.key.slice(5);
      typeCeiling.set(t, (typeCeiling.get(t) ?? 0) + c.ceilingCents);
    }
  }

  const callRows = calls
    .filter((c) => !f.region && !f.type && !f.kind ? true : byCall.has(c.id))
    .map((c) => ({
      ...reconRow(c.title, String(c.id), callCeiling.get(c.id) ?? null, byCall.get(c.id)),
      // With a period or other filter the running totals (all time) cannot be compared.
      runningTotalsAgree: f.from || f.to || f.region || f.type || f.kind ? undefined : runningAgree.get(c.id) ?? true,
    }));
  const regions = await db("regions").orderBy("code").select("code", "name");
  const regionRows = regions
    .filter((r) => byRegion.has(r.code) || regionCeiling.has(r.code))
    .map((r) => reconRow(r.name, r.code, f.type || f.kind ? null : regionCeiling.get(r.code) ?? null, byRegion.get(r.code)));
  const typeRows = types
    .filter((t) => byType.has(t.code) || typeCeiling.has(t.code))
    .map((t) => reconRow(t.name, t.code, f.region || f.kind ? null : typeCeiling.get(t.code) ?? null, byType.get(t.code)));
  const totalCeiling = f.region || f.type || f.kind ? null : [...callCeiling.values()].reduce((a, b) => a + b, 0);
  return { byCall: callRows, byRegion: regionRows, byType: typeRows, total: reconRow("All calls", "all", totalCeiling, all.get("all")), source };
}
