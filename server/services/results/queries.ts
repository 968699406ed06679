import type { Knex } from "knex";
import { isPostgres, type Db } from "../../db/connection";
import type { DbBigint } from "../../db/tables/rows";
import { dbCents, dbInt } from "../../db/tables/values";
import type { Cents } from "../../domain/money";
import type { DayCount } from "../../domain/results";
import type { ResultsFilter } from "./filter";

/*
 * The counting queries behind every results page. Each groups in SQL and returns one row per
 * group (a region, a month, a number of days), never one per application or ledger entry, so the
 * pages cost the same at 20 applications and at 20,000.
 */

type Agg = { n: DbBigint };
type SumAgg = { total: DbBigint | null };

function period(q: Knex.QueryBuilder, column: string, f: ResultsFilter): Knex.QueryBuilder {
  if (f.fromUtc) q.where(column, ">=", f.fromUtc);
  if (f.toUtcExclusive) q.where(column, "<", f.toUtcExclusive);
  return q;
}

function periodDays(q: Knex.QueryBuilder, column: string, f: ResultsFilter): Knex.QueryBuilder {
  if (f.from) q.where(column, ">=", f.from);
  if (f.to) q.where(column, "<=", f.to);
  return q;
}

/** Whole days between the UTC calendar days of two ISO values (instants or dates). */
function daysBetween(db: Db, start: string, end: string): Knex.Raw {
  return isPostgres(db)
    ? db.raw(`(substr(${end}, 1, 10)::date - substr(${start}, 1, 10)::date)`)
    : db.raw(`cast(julianday(substr(${end}, 1, 10)) - julianday(substr(${start}, 1, 10)) as integer)`);
}

// ---------------------------------------------------------------------------------------------
// Applications
// ---------------------------------------------------------------------------------------------

/** Applications submitted in the period (the cohort of "vouchers applied for"). */
function submitted(db: Db, f: ResultsFilter): Knex.QueryBuilder {
  const q = db("applications as a").whereNotNull("a.submitted_at");
  period(q, "a.submitted_at", f);
  if (f.callId) q.where("a.call_id", f.callId);
  return q;
}

export interface TypeRegionCount { regionId: number; regionCode: string; regionName: string; typeCode: string; typeName: string; count: number }

export async function submittedByTypeAndRegion(db: Db, f: ResultsFilter): Promise<TypeRegionCount[]> {
  const rows = await submitted(db, f)
    .join("partners as p", "p.id", "a.partner_id").join("regions as r", "r.id", "p.region_id").join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .groupBy("r.id", "r.code", "r.name", "vt.code", "vt.name")
    .select<({ region_id: number; region_code: string; region_name: string; type_code: string; type_name: string } & Agg)[]>(
      "r.id as region_id", "r.code as region_code", "r.name as region_name", "vt.code as type_code", "vt.name as type_name", db.raw("count(*) as n"));
  return rows.map((r) => ({ regionId: Number(r.region_id), regionCode: r.region_code, regionName: r.region_name, typeCode: r.type_code, typeName: r.type_name, count: dbInt(r.n) }));
}

export interface StateCount { state: string; everApproved: boolean; count: number }

/** Submitted applications per current state, split by whether they were ever approved. */
export async function submittedByState(db: Db, f: ResultsFilter): Promise<StateCount[]> {
  const rows = await submitted(db, f)
    .groupByRaw("a.state, case when a.approved_on is null then 0 else 1 end")
    .select<({ state: string; ever: DbBigint } & Agg)[]>("a.state", db.raw("case when a.approved_on is null then 0 else 1 end as ever"), db.raw("count(*) as n"));
  return rows.map((r) => ({ state: r.state, everApproved: dbInt(r.ever) === 1, count: dbInt(r.n) }));
}

// ---------------------------------------------------------------------------------------------
// Ledger
// ---------------------------------------------------------------------------------------------

function ledger(db: Db, f: ResultsFilter): Knex.QueryBuilder {
  const q = db("ledger_entries as le");
  period(q, "le.at", f);
  if (f.callId) q.where("le.call_id", f.callId);
  return q;
}

export interface KindTotals { committed: Cents; released: Cents; paid: Cents }

export function emptyTotals(): KindTotals {
  return { committed: 0, released: 0, paid: 0 };
}

export function addKind(t: KindTotals, kind: string, cents: Cents): void {
  if (kind === "commit") t.committed += cents;
  else if (kind === "release") t.released += cents;
  else if (kind === "payment") t.paid += cents;
}

export async function ledgerTotalsByKind(db: Db, f: ResultsFilter): Promise<KindTotals> {
  // Grouped by call as well so the sums follow the covering index's order (no sort); a few rows per call.
  const rows = await ledger(db, f).groupBy("le.call_id", "le.kind").select<({ kind: string } & SumAgg)[]>("le.kind", db.raw("sum(le.amount_cents) as total"));
  const t = emptyTotals();
  for (const r of rows) addKind(t, r.kind, dbCents(r.total ?? 0));
  return t;
}

/** Totals booked before the period starts: the opening balance of the burn-down lines. */
export async function ledgerTotalsBefore(db: Db, f: ResultsFilter): Promise<KindTotals> {
  if (!f.fromUtc) return emptyTotals();
  return ledgerTotalsByKind(db, { callId: f.callId, toUtcExclusive: f.fromUtc });
}

export interface MonthKind { month: string; kind: string; cents: Cents }

/** Ledger sums per UTC month and kind. */
export async function ledgerByMonth(db: Db, f: ResultsFilter): Promise<MonthKind[]> {
  const rows = await ledger(db, f).groupByRaw("substr(le.at, 1, 7), le.kind")
    .select<({ month: string; kind: string } & SumAgg)[]>(db.raw("substr(le.at, 1, 7) as month"), "le.kind", db.raw("sum(le.amount_cents) as total"))
    .orderBy("month");
  return rows.map((r) => ({ month: r.month, kind: r.kind, cents: dbCents(r.total ?? 0) }));
}

export interface CallBudget { callId: number; title: string; ceiling: Cents | null; totals: KindTotals }

export async function budgetPerCall(db: Db, f: ResultsFilter): Promise<CallBudget[]> {
  const callsQ = db("calls").whereNot("status", "draft").orderBy("id").select("id", "title");
  if (f.callId) callsQ.where("id", f.callId);
  const calls = await callsQ;
  const ceilingsQ = db("budget_ceilings").where("key", "total").select("call_id", "ceiling_cents");
  if (f.callId) ceilingsQ.where("call_id", f.callId);
  const ceilings = new Map((await ceilingsQ).map((c) => [Number(c.call_id), dbCents(c.ceiling_cents)]));
  const sums = await ledger(db, f).groupBy("le.call_id", "le.kind")
    .select<({ call_id: number; kind: string } & SumAgg)[]>("le.call_id", "le.kind", db.raw("sum(le.amount_cents) as total"));
  const byCall = new Map<number, KindTotals>();
  for (const s of sums) {
    const t = byCall.get(Number(s.call_id)) ?? emptyTotals();
    addKind(t, s.kind, dbCents(s.total ?? 0));
    byCall.set(Number(s.call_id), t);
  }
  return calls.map((c) => ({ callId: c.id, title: c.title, ceiling: ceilings.get(c.id) ?? null, totals: byCall.get(c.id) ?? emptyTotals() }));
}

export interface PartnerBudget { partnerId: number; name: string; shortName: string; regionId: number; regionCode: string; ceiling: Cents | null; totals: KindTotals }

export async function budgetPerPartner(db: Db, f: ResultsFilter): Promise<PartnerBudget[]> {
  const partners = await db("partners as p").join("regions as r", "r.id", "p.region_id").orderBy("r.code")
    .select<{ id: number; name: string; short_name: string; region_id: number; code: string }[]>("p.id", "p.name", "p.short_name", "p.region_id", "r.code");
  const ceilingsQ = db("budget_ceilings").where("key", "like", "partner:%")
    .groupBy("key").select<({ key: string } & SumAgg)[]>("key", db.raw("sum(ceiling_cents) as total"));
  if (f.callId) ceilingsQ.where("call_id", f.callId);
  const ceilings = new Map((await ceilingsQ).map((c) => [c.key, dbCents(c.total ?? 0)]));
  // Summed per application first (read from the covering index alone), then per partner.
  const perApplication = ledger(db, f).groupBy("le.application_id", "le.kind")
    .select("le.application_id", "le.kind", db.raw("sum(le.amount_cents) as s"));
  const sums = await db.from(perApplication.as("t")).join("applications as a", "a.id", "t.application_id").groupBy("a.partner_id", "t.kind")
    .select<({ partner_id: number; kind: string } & SumAgg)[]>("a.partner_id", "t.kind", db.raw("sum(t.s) as total"));
  const byPartner = new Map<number, KindTotals>();
  for (const s of sums) {
    const t = byPartner.get(Number(s.partner_id)) ?? emptyTotals();
    addKind(t, s.kind, dbCents(s.total ?? 0));
    byPartner.set(Number(s.partner_id), t);
  }
  return partners.map((p) => ({
    partnerId: p.id, name: p.name, shortName: p.short_name, regionId: p.region_id, regionCode: p.code,
    ceiling: ceilings.get(`partner:${p.id}`) ?? null, totals: byPartner.get(p.id) ?? emptyTotals(),
  }));
}

// ---------------------------------------------------------------------------------------------
// Cooperation
// ---------------------------------------------------------------------------------------------

/** Vouchers approved in the period (by their approval day): each is a cooperation started. */
function approved(db: Db, f: ResultsFilter): Knex.QueryBuilder {
  const q = db("applications as a").whereNotNull("a.approved_on");
  periodDays(q, "a.approved_on", f);
  if (f.callId) q.where("a.call_id", f.callId);
  return q;
}

export interface MatrixCell { fromRegionId: number; toRegionId: number; count: number }

/** Approved vouchers per applicant region (its partner's) and counterpart region. */
export async function cooperationMatrix(db: Db, f: ResultsFilter): Promise<MatrixCell[]> {
  const rows = await approved(db, f).join("partners as p", "p.id", "a.partner_id").whereNotNull("a.counterpart_region_id")
    .groupBy("p.region_id", "a.counterpart_region_id")
    .select<({ from_region: number; to_region: number } & Agg)[]>("p.region_id as from_region", "a.counterpart_region_id as to_region", db.raw("count(*) as n"));
  return rows.map((r) => ({ fromRegionId: Number(r.from_region), toRegionId: Number(r.to_region), count: dbInt(r.n) }));
}

/** The counterpart of a voucher: its directory organisation, or else its name as typed. */
function pairKey(db: Db): Knex.Raw {
  return db.raw("cast(a.company_id as varchar(20)) || ':' || coalesce('o' || cast(a.counterpart_org_id as varchar(20)), 'n' || lower(a.counterpart_name))");
}

/**
 * Distinct enterprise-counterpart pairs across a national border whose first approved voucher
 * (within the call, when one is chosen) falls in the period.
 */
export async function transnationalCooperations(db: Db, f: ResultsFilter): Promise<number> {
  const inner = db("applications as a").join("companies as co", "co.id", "a.company_id").leftJoin("regions as cr", "cr.id", "a.counterpart_region_id")
    .whereNotNull("a.approved_on")
    .whereRaw("coalesce(cr.country, a.counterpart_country) is not null")
    .whereRaw("coalesce(cr.country, a.counterpart_country) <> co.country")
    .groupBy(pairKey(db))
    .select(db.raw(`${pairKey(db).toQuery()} as pair`), db.raw("min(a.approved_on) as first_on"));
  if (f.callId) inner.where("a.call_id", f.callId);
  const outer = db.from(inner.as("t"));
  if (f.from) outer.where("t.first_on", ">=", f.from);
  if (f.to) outer.where("t.first_on", "<=", f.to);
  const [row] = await outer.select<Agg[]>(db.raw("count(*) as n"));
  return dbInt(row?.n);
}

export interface ReferralCounts { referrals: number; becameApplications: number }

/**
 * Directory referrals made in the period, and those that became an application: the referred
 * company applied (beyond a draft) with the referred organisation as counterpart, as the
 * directory's own figures count it.
 */
export async function referralCounts(db: Db, f: ResultsFilter): Promise<ReferralCounts> {
  const base = () => period(db("referrals as f"), "f.created_at", f);
  const [all] = await base().select<Agg[]>(db.raw("count(*) as n"));
  const became = db("applications as ap").whereRaw("ap.company_id = f.company_id").whereRaw("ap.counterpart_org_id = f.organisation_id")
    .whereNot("ap.state", "draft").select(db.raw("1"));
  if (f.callId) became.where("ap.call_id", f.callId);
  const [conv] = await base().whereExists(became).select<Agg[]>(db.raw("count(*) as n"));
  return { referrals: dbInt(all?.n), becameApplications: dbInt(conv?.n) };
}

// ---------------------------------------------------------------------------------------------
// Service levels
// ---------------------------------------------------------------------------------------------

type DaysRow = { days: DbBigint } & Agg;

function histogram(rows: DaysRow[]): DayCount[] {
  return rows.map((r) => ({ days: dbInt(r.days), count: dbInt(r.n) }));
}

/** Days from submission to approval or rejection, for decisions taken in the period. */
export async function decisionDays(db: Db, f: ResultsFilter): Promise<DayCount[]> {
  const d = daysBetween(db, "a.submitted_at", "a.decided_at");
  const q = db("applications as a").whereNotNull("a.submitted_at").whereNotNull("a.decided_at")
    .where((w) => { w.whereNotNull("a.approved_on").orWhere("a.state", "rejected"); });
  period(q, "a.decided_at", f);
  if (f.callId) q.where("a.call_id", f.callId);
  return histogram(await q.groupBy(d).select<DaysRow[]>(db.raw(`${d.toQuery()} as days`), db.raw("count(*) as n")));
}

/** Days from a claim's submission to its verification, for verifications in the period. */
export async function verificationDays(db: Db, f: ResultsFilter): Promise<DayCount[]> {
  const d = daysBetween(db, "c.submitted_at", "c.verified_at");
  const q = db("claims as c").join("applications as a", "a.id", "c.application_id").whereNotNull("c.verified_at");
  period(q, "c.verified_at", f);
  if (f.callId) q.where("a.call_id", f.callId);
  return histogram(await q.groupBy(d).select<DaysRow[]>(db.raw(`${d.toQuery()} as days`), db.raw("count(*) as n")));
}

/** Days from verification to the payment's value date, for payments made in the period. */
export async function paymentDays(db: Db, f: ResultsFilter): Promise<DayCount[]> {
  const d = daysBetween(db, "c.verified_at", "pm.paid_on");
  // A payment the bank sent back did not pay the voucher; its next payment counts.
  const q = db("payments as pm").join("claims as c", "c.id", "pm.claim_id").join("applications as a", "a.id", "pm.application_id").whereNotNull("c.verified_at").whereNull("pm.returned_at");
  periodDays(q, "pm.paid_on", f);
  if (f.callId) q.where("a.call_id", f.callId);
  return histogram(await q.groupBy(d).select<DaysRow[]>(db.raw(`${d.toQuery()} as days`), db.raw("count(*) as n")));
}

// ---------------------------------------------------------------------------------------------
// Reference lists
// ---------------------------------------------------------------------------------------------

export interface RegionRef { id: number; code: string; name: string; country: string }

export async function regions(db: Db): Promise<RegionRef[]> {
  return (await db("regions").orderBy("code").select("id", "code", "name", "country")).map((r) => ({ id: r.id, code: r.code, name: r.name, country: r.country }));
}

export async function voucherTypes(db: Db): Promise<{ code: string; name: string }[]> {
  return (await db("voucher_types").orderBy("id").select("code", "name")).map((t) => ({ code: t.code, name: t.name }));
}

export async function callOptions(db: Db): Promise<{ id: number; title: string }[]> {
  return (await db("calls").whereNot("status", "draft").orderBy("id").select("id", "title")).map((c) => ({ id: c.id, title: c.title }));
}

export async function cooperationTarget(db: Db): Promise<number> {
  const row = await db("schemes").orderBy("id").first("cooperation_target");
  return row ? row.cooperation_target : 67;
}

/**
 * Runs the reads of one results page against one snapshot on PostgreSQL (a read-only repeatable
 * read transaction), so an approval committed between two queries cannot make the totals and the
 * per-call figures of the same page disagree. SQLite serves a page's queries on its single
 * connection; a transaction there would take the write lock (BEGIN IMMEDIATE), so it reads
 * without one.
 */
export async function snapshotRead<T>(db: Db, read: (db: Db) => Promise<T>): Promise<T> {
  if (!isPostgres(db)) return read(db);
  return db.transaction((trx) => read(trx), { isolationLevel: "repeatable read", readOnly: true });
}
