import type { Db } from "../../db/connection";
import { dbCents, dbInt, type BudgetCeilingsRow, type DbBigint } from "../../db/tables";
import { toEntryKind } from "../../db/tables/ledger-entries";
import { outstandingCents, remainingCents, type EntryKind } from "../../domain/budget";
import type { Cents } from "../../domain/money";
import type { Trx } from "../platform/context";
import type { LedgerFilter } from "./ledger-filter";
import { columnCursor, keysetPage } from "../platform/keyset";
import { filterOptionsOf, readLedgerReference, type LedgerFilterOptions } from "./ledger-reference";
import { readAllLevelTotals } from "./ledger-totals";

/*
 * The reconciliation page: ceiling, committed, released, paid, outstanding and remaining per call,
 * region and voucher type, with the same filter as the ledger page and its exports, and, per call,
 * whether the running totals the budget keeps still equal the ledger. The figures come from
 * ledger_totals (or ledger_sums, filtered by call, region or type) unless a period is asked for or
 * the reader asks for every entry to be summed again; the daily ledger check
 * (services/calls/ledger-check.ts) compares both with the entries.
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
  /** One page of calls (see CallsPage). */
  byCall: ReconRow[];
  calls: CallsPage;
  byRegion: ReconRow[];
  byType: ReconRow[];
  total: ReconRow;
  source: ReconSource;
  /** The filter form's choices. */
  options: LedgerFilterOptions;
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
 * Where the figures come from: "sums" reads ledger_totals or ledger_sums, booked with every entry, so the page costs
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

/** The ledger summed per call, region and voucher type, and over all, each by kind. */
interface Grouped { byCall: Map<number, Sums>; byRegion: Map<string, Sums>; byType: Map<string, Sums>; all: Map<string, Sums> }

const noneGrouped = (): Grouped => ({ byCall: new Map(), byRegion: new Map(), byType: new Map(), all: new Map() });

type SumByRow = { k: number; kind: string; total: DbBigint | null };

/*
 * From ledger_sums (one row per call, partner, type and kind): three GROUP BYs over its integer
 * keys, without joins, so SQLite hands over a hundred-odd rows instead of the table's few
 * thousand (turning each row into a JavaScript object was most of the page's cost at 35 calls);
 * partners and types are named in code. Region and type filters become the partner and type ids
 * they stand for.
 */
async function fromSums(db: Db | Trx, f: LedgerFilter, partners: readonly { id: number; code: string }[], types: readonly { id: number; code: string }[]): Promise<Grouped> {
  if (!f.callId && !f.region && !f.type) return fromTotals(db, f.kind, partners, types);
  const filtered = () => {
    const q = db("ledger_sums");
    if (f.callId) q.where("call_id", f.callId);
    if (f.kind) q.where("kind", f.kind);
    if (f.region) q.whereIn("partner_id", partners.filter((p) => p.code === f.region).map((p) => p.id));
    if (f.type) q.whereIn("voucher_type_id", types.filter((t) => t.code === f.type).map((t) => t.id));
    return q;
  };
  const summedBy = (column: string) => filtered().groupBy(column, "kind").sum({ total: "amount_cents" }).select<SumByRow[]>(`${column} as k`, "kind");
  const [calls, byPartner, byTypeId] = await Promise.all([summedBy("call_id"), summedBy("partner_id"), summedBy("voucher_type_id")]);
  const regionOf = new Map(partners.map((p) => [dbInt(p.id), p.code]));
  const typeOf = new Map(types.map((t) => [dbInt(t.id), t.code]));
  const g = noneGrouped();
  for (const r of calls) addSum(g.byCall, dbInt(r.k), toEntryKind(r.kind), dbInt(r.total));
  for (const r of byPartner) addSum(g.byRegion, regionOf.get(dbInt(r.k)) ?? "", toEntryKind(r.kind), dbInt(r.total));
  for (const r of byTypeId) {
    const kind = toEntryKind(r.kind);
    addSum(g.byType, typeOf.get(dbInt(r.k)) ?? "", kind, dbInt(r.total));
    addSum(g.all, "all", kind, dbInt(r.total));
  }
  return g;
}

/**
 * From ledger_totals: the programme's sums per call, per partner and per type, a few rows for each
 * call, partner and type (ledger_sums has one for each of their combinations). A filter on the
 * call, region or type cuts across these levels, so it reads ledger_sums (above).
 */
async function fromTotals(db: Db | Trx, kind: EntryKind | undefined, partners: readonly { id: number; code: string }[], types: readonly { id: number; code: string }[]): Promise<Grouped> {
  const { call: calls, partner: byPartner, type: byTypeId } = await readAllLevelTotals(db, { kind });
  const regionOf = new Map(partners.map((p) => [dbInt(p.id), p.code]));
  const typeOf = new Map(types.map((t) => [dbInt(t.id), t.code]));
  const g = noneGrouped();
  for (const r of calls) addSum(g.byCall, r.levelId, r.kind, r.amountCents);
  for (const r of byPartner) addSum(g.byRegion, regionOf.get(r.levelId) ?? "", r.kind, r.amountCents);
  for (const r of byTypeId) {
    addSum(g.byType, typeOf.get(r.levelId) ?? "", r.kind, r.amountCents);
    addSum(g.all, "all", r.kind, r.amountCents);
  }
  return g;
}

/** The entries' sums per call, region, type and kind (the period's, when one is asked for), grouped the same way. */
async function fromEntryGroups(db: Db | Trx, f: LedgerFilter): Promise<Grouped> {
  const q = fromEntries(db, f);
  if (f.callId) q.where("le.call_id", f.callId);
  if (f.kind) q.where("le.kind", f.kind);
  if (f.region) q.where("r.code", f.region);
  if (f.type) q.where("vt.code", f.type);
  const g = noneGrouped();
  for (const row of (await q) as GroupRow[]) {
    const cents = dbInt(row.total);
    const kind = toEntryKind(row.kind);
    addSum(g.byCall, dbInt(row.call_id), kind, cents);
    addSum(g.byRegion, row.region_code, kind, cents);
    addSum(g.byType, row.type_code, kind, cents);
    addSum(g.all, "all", kind, cents);
  }
  return g;
}

/** Calls a page of the reconciliation shows: as many as a page of the review queue. */
export const RECON_CALLS_PER_PAGE = 25;

/** Where a page of calls starts: after the call with this id (next page) or before it (previous page). */
export interface CallsAt { after?: number; before?: number }

/** The page of calls shown, and where the pages next to it start. */
export interface CallsPage { count: number; next: number | null; previous: number | null }

type CeilingSumRow = { key: string; total: DbBigint | null };
type TotalCeilingRow = Pick<BudgetCeilingsRow, "call_id" | "ceiling_cents" | "committed_cents" | "released_cents" | "paid_cents">;

/**
 * The figures per call, region and voucher type, optionally filtered like the exports. Calls come
 * a page at a time, oldest first, keyset by id; the totals (the table's foot, regions, types) are
 * the programme's, whatever the page.
 */
export async function reconciliation(db: Db | Trx, f: LedgerFilter = {}, wanted: ReconSource = "sums", at: CallsAt = {}, pageSize = RECON_CALLS_PER_PAGE): Promise<Reconciliation> {
  const source: ReconSource = f.fromUtc || f.toUtcExclusive ? "entries" : wanted;
  const reference = await readLedgerReference(db);
  const { types } = reference;
  const partners = reference.partners.map((p) => ({ id: p.id, code: p.regionCode }));
  const { byCall, byRegion, byType, all } = source === "sums" ? await fromSums(db, f, partners, types) : await fromEntryGroups(db, f);
  const narrowed = !!(f.region || f.type || f.kind);

  // Filtered by region, type or kind, only the calls with entries in it are shown.
  const callsOf = () => {
    const q = db("calls");
    if (f.callId) q.where("id", f.callId);
    if (narrowed) q.whereIn("id", [...byCall.keys()]);
    return q;
  };
  const shown = await keysetPage(callsOf().select("id", "title"), ["id"], columnCursor(at.after, at.before), pageSize,
    (c: { id: number; title: string }) => ({ id: dbInt(c.id), title: c.title }), (c) => String(c.id));
  const calls = shown.rows;
  const counted = await callsOf().count<{ n: DbBigint }[]>({ n: "*" });
  const page: CallsPage = {
    count: dbInt(counted[0]?.n ?? 0),
    next: shown.nextKey ? Number(shown.nextKey) : null,
    previous: shown.prevKey ? Number(shown.prevKey) : null,
  };

  // Each shown call's total ceiling and its running totals; the ceilings of regions and types summed over the calls.
  const ceilings = () => {
    const q = db("budget_ceilings");
    if (f.callId) q.where("call_id", f.callId);
    return q;
  };
  const [shownTotals, levelCeilings, allCeilings] = await Promise.all([
    calls.length ? ceilings().where("key", "total").whereIn("call_id", calls.map((c) => c.id))
      .select<TotalCeilingRow[]>("call_id", "ceiling_cents", "committed_cents", "released_cents", "paid_cents") : Promise.resolve([]),
    ceilings().whereNot("key", "total").groupBy("key").select("key").sum({ total: "ceiling_cents" }) as Promise<CeilingSumRow[]>,
    ceilings().where("key", "total").sum({ total: "ceiling_cents" }) as Promise<Pick<CeilingSumRow, "total">[]>,
  ]);
  const callCeiling = new Map<number, Cents>();
  const runningAgree = new Map<number, boolean>();
  for (const row of shownTotals) {
    const callId = dbInt(row.call_id);
    const s = byCall.get(callId) ?? { commit: 0, release: 0, payment: 0 };
    callCeiling.set(callId, dbCents(row.ceiling_cents));
    runningAgree.set(callId, dbCents(row.committed_cents) === s.commit && dbCents(row.released_cents) === s.release && dbCents(row.paid_cents) === s.payment);
  }
  const regionOfPartner = new Map(partners.map((p) => [String(p.id), p.code]));
  const regionCeiling = new Map<string, Cents>();
  const typeCeiling = new Map<string, Cents>();
  for (const row of levelCeilings) {
    const cents = dbCents(row.total ?? 0);
    if (row.key.startsWith("partner:")) {
      const region = regionOfPartner.get(row.key.slice(8));
      if (region) regionCeiling.set(region, (regionCeiling.get(region) ?? 0) + cents);
    } else if (row.key.startsWith("type:")) {
      const t = row.key.slice(5);
      typeCeiling.set(t, (typeCeiling.get(t) ?? 0) + cents);
    }
  }

  const callRows = calls.map((c) => ({
    ...reconRow(c.title, String(c.id), callCeiling.get(c.id) ?? null, byCall.get(c.id)),
    // With a period or other filter the running totals (all time) cannot be compared.
    runningTotalsAgree: f.from || f.to || f.region || f.type || f.kind ? undefined : runningAgree.get(c.id) ?? true,
  }));
  const regionRows = reference.regions
    .filter((r) => byRegion.has(r.code) || regionCeiling.has(r.code))
    .map((r) => reconRow(r.name, r.code, f.type || f.kind ? null : regionCeiling.get(r.code) ?? null, byRegion.get(r.code)));
  const typeRows = types
    .filter((t) => byType.has(t.code) || typeCeiling.has(t.code))
    .map((t) => reconRow(t.name, t.code, f.region || f.kind ? null : typeCeiling.get(t.code) ?? null, byType.get(t.code)));
  const totalCeiling = narrowed ? null : dbCents(allCeilings[0]?.total ?? 0);
  return {
    byCall: callRows, calls: page, byRegion: regionRows, byType: typeRows, total: reconRow("All calls", "all", totalCeiling, all.get("all")), source,
    options: filterOptionsOf(reference),
  };
}
