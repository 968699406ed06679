import type { Knex } from "knex";
import type { Db } from "../../db/connection";
import type { DbBigint } from "../../db/tables/rows";
import { dbCents, dbCentsOrNull } from "../../db/tables/values";
import type { Cents } from "../../domain/money";
import type { AppState } from "../../domain/lifecycle";
import { dbAppState } from "../../db/tables/enums";
import { INDICATORS, type IndicatorDefinition } from "../../domain/results";
import type { ResultsFilter } from "./filter";
import { audit } from "../platform/audit";
import { inTransaction, type ServiceContext } from "../platform/context";
import { dashboard, type Dashboard } from "./dashboard";
import { addKind, budgetPerPartner, emptyTotals, snapshotRead, type KindTotals, type PartnerBudget } from "./queries";

/*
 * The indicator report the partners hand the funder: each indicator with its definition, its
 * value and the vouchers (or referrals) behind it. The value is the number of distinct
 * enterprises or pairs in the drill-down list, so the two cannot disagree.
 */

export interface VoucherLine {
  applicationId: number;
  reference: string;
  company: string;
  companyId: number;
  region: string;
  type: string;
  approvedOn: string | null;
  approvedCents: Cents | null;
  counterpart: string;
  counterpartRegion: string;
  counterpartCountry: string;
  counterpartKind: string;
  state: AppState;
  /** The partner whose manager decides it: only they (and administrators) can open it. */
  partnerId: number;
}

export interface ReferralLine { referralId: number; companyId: number; company: string; organisation: string; organisationRegion: string; createdAt: string; becameApplication: boolean }

export interface PartnerLine { applicationId: number; reference: string; company: string; partner: string; region: string; totals: KindTotals }

export interface Indicator extends IndicatorDefinition {
  value: number;
  vouchers?: VoucherLine[];
  referrals?: ReferralLine[];
  partners?: PartnerBudget[];
  partnerVouchers?: PartnerLine[];
}

export interface IndicatorReport { indicators: Indicator[] }

type VoucherRow = {
  id: number; reference: string | null; company_id: number; legal_name: string; company_country: string; region_code: string; type_name: string;
  approved_on: string | null; approved_cents: DbBigint | null; counterpart_name: string; counterpart_org_id: number | null; cr_code: string | null;
  cr_country: string | null; counterpart_country: string | null; counterpart_kind: string | null; state: string; partner_id: number;
};

function voucherQuery(db: Db, f: ResultsFilter): Knex.QueryBuilder {
  const q = db("applications as a").join("companies as co", "co.id", "a.company_id").join("partners as p", "p.id", "a.partner_id")
    .join("regions as r", "r.id", "p.region_id").join("voucher_types as vt", "vt.id", "a.voucher_type_id").leftJoin("regions as cr", "cr.id", "a.counterpart_region_id")
    .whereNotNull("a.approved_on");
  if (f.to) q.where("a.approved_on", "<=", f.to);
  if (f.callId) q.where("a.call_id", f.callId);
  return q.orderBy([{ column: "a.approved_on" }, { column: "a.id" }])
    .select("a.id", "a.reference", "a.company_id", "co.legal_name", "co.country as company_country", "r.code as region_code", "vt.name as type_name", "a.approved_on",
      "a.approved_cents", "a.counterpart_name", "a.counterpart_org_id", "cr.code as cr_code", "cr.country as cr_country", "a.counterpart_country", "a.counterpart_kind", "a.state", "a.partner_id");
}

function voucherLine(r: VoucherRow): VoucherLine {
  return {
    applicationId: r.id, reference: r.reference ?? `#${r.id}`, company: r.legal_name, companyId: r.company_id, region: r.region_code, type: r.type_name,
    approvedOn: r.approved_on, approvedCents: dbCentsOrNull(r.approved_cents), counterpart: r.counterpart_name, counterpartRegion: r.cr_code ?? "",
    counterpartCountry: r.cr_country ?? r.counterpart_country ?? "", counterpartKind: r.counterpart_kind ?? "", state: dbAppState(r.state), partnerId: r.partner_id,
  };
}

const distinct = <T>(xs: T[]) => new Set(xs).size;

export async function indicatorReport(db: Db, f: ResultsFilter): Promise<IndicatorReport> {
  return snapshotRead(db, (snap) => compute(snap, f));
}

async function compute(db: Db, f: ResultsFilter): Promise<IndicatorReport> {
  // Vouchers approved up to the end of the period: those in the period are the grants; the
  // earlier ones tell whether a cooperation pair had started before.
  const upToEnd = (await voucherQuery(db, f).select<VoucherRow[]>()).map((r) => ({ row: r, line: voucherLine(r) }));
  const inPeriod = upToEnd.filter((v) => !f.from || (v.line.approvedOn ?? "") >= f.from);
  const grants = inPeriod.map((v) => v.line);
  const research = grants.filter((v) => v.counterpartKind === "knowledge-institution");

  const seen = new Set<string>();
  const transnational: VoucherLine[] = [];
  for (const { row, line } of upToEnd) {
    const country = row.cr_country ?? row.counterpart_country;
    if (!country || country === row.company_country) continue;
    const pair = `${row.company_id}:${row.counterpart_org_id !== null ? "o" + String(row.counterpart_org_id) : "n" + row.counterpart_name.toLowerCase()}`;
    if (seen.has(pair)) continue;
    seen.add(pair);
    if (!f.from || (line.approvedOn ?? "") >= f.from) transnational.push(line);
  }

  const refQ = db("referrals as f").join("companies as co", "co.id", "f.company_id").join("directory_organisations as o", "o.id", "f.organisation_id")
    .join("regions as r", "r.id", "o.region_id").orderBy("f.id");
  if (f.fromUtc) refQ.where("f.created_at", ">=", f.fromUtc);
  if (f.toUtcExclusive) refQ.where("f.created_at", "<", f.toUtcExclusive);
  const became = db("applications as ap").whereRaw("ap.company_id = f.company_id").whereRaw("ap.counterpart_org_id = f.organisation_id").whereNot("ap.state", "draft").select(db.raw("1"));
  if (f.callId) became.where("ap.call_id", f.callId);
  const refRows = await refQ.select<{ id: number; company_id: number; legal_name: string; org_name: string; org_region: string; created_at: string; became: DbBigint | boolean | null }[]>(
    "f.id", "f.company_id", "co.legal_name", "o.name as org_name", "r.code as org_region", "f.created_at",
    db.raw(`case when exists (${became.toQuery()}) then 1 else 0 end as became`));
  const referrals: ReferralLine[] = refRows.map((r) => ({
    referralId: r.id, companyId: r.company_id, company: r.legal_name, organisation: r.org_name, organisationRegion: r.org_region, createdAt: r.created_at,
    becameApplication: r.became === true || Number(r.became) === 1,
  }));

  const partners = await budgetPerPartner(db, f);
  const lq = db("ledger_entries as le").join("applications as a", "a.id", "le.application_id").join("companies as co", "co.id", "a.company_id")
    .join("partners as p", "p.id", "a.partner_id").join("regions as r", "r.id", "p.region_id");
  if (f.fromUtc) lq.where("le.at", ">=", f.fromUtc);
  if (f.toUtcExclusive) lq.where("le.at", "<", f.toUtcExclusive);
  if (f.callId) lq.where("le.call_id", f.callId);
  const lrows = await lq.groupBy("a.id", "a.reference", "co.legal_name", "p.short_name", "r.code", "le.kind").orderBy([{ column: "r.code" }, { column: "a.id" }])
    .select<{ id: number; reference: string | null; legal_name: string; short_name: string; code: string; kind: string; total: DbBigint }[]>(
      "a.id", "a.reference", "co.legal_name", "p.short_name", "r.code", "le.kind", db.raw("sum(le.amount_cents) as total"));
  const byApp = new Map<number, PartnerLine>();
  for (const r of lrows) {
    let line = byApp.get(r.id);
    if (!line) byApp.set(r.id, (line = { applicationId: r.id, reference: r.reference ?? `#${r.id}`, company: r.legal_name, partner: r.short_name, region: r.code, totals: emptyTotals() }));
    addKind(line.totals, r.kind, dbCents(r.total));
  }

  const def = (key: string) => INDICATORS.find((i) => i.key === key) ?? INDICATORS[0];
  const indicator = (key: string, rest: Omit<Indicator, keyof IndicatorDefinition>): Indicator => {
    const d = def(key);
    if (!d) throw new Error(`no indicator ${key}`);
    return { ...d, ...rest };
  };
  return {
    indicators: [
      indicator("grants", { value: distinct(grants.map((v) => v.companyId)), vouchers: grants }),
      indicator("brokerage", { value: distinct(referrals.map((r) => r.companyId)), referrals }),
      indicator("research", { value: distinct(research.map((v) => v.companyId)), vouchers: research }),
      indicator("transnational", { value: transnational.length, vouchers: transnational }),
      indicator("partners", { value: partners.reduce((s, p) => s + p.totals.committed - p.totals.released, 0), partners, partnerVouchers: [...byApp.values()] }),
    ],
  };
}

/** The report as a download: the audit log records who took which period's figures, then the figures. */
export async function downloadIndicatorReport(ctx: ServiceContext, f: ResultsFilter, format: "xlsx" | "pdf"): Promise<IndicatorReport> {
  await inTransaction(ctx, (trx) => audit(trx, ctx, {
    action: "results.report_downloaded", entityType: "results", entityId: null,
    after: { format, from: f.from ?? null, to: f.to ?? null, callId: f.callId ?? null },
  }));
  return indicatorReport(ctx.db, f);
}

/** The PDF download: the figures, and the dashboard for the same filter that its charts are drawn from. */
export async function downloadIndicatorReportPdf(ctx: ServiceContext, f: ResultsFilter): Promise<{ report: IndicatorReport; dashboard: Dashboard }> {
  const [report, board] = await Promise.all([downloadIndicatorReport(ctx, f, "pdf"), dashboard(ctx.db, f)]);
  return { report, dashboard: board };
}
