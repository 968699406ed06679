import { evaluateEligibility, type Finding } from "../../domain/eligibility";
import { programmeAwards } from "../../domain/de-minimis";
import { hasOpenClaim, type AppState } from "../../domain/lifecycle";
import { assertCents, type Cents } from "../../domain/money";
import type { Db } from "../../db/connection";
import type { Application } from "./records";
import { effectiveStatus, type CallStatus } from "../calls/calls";
import { currentRelations } from "../people/company-queries";
import type { ServiceContext, Trx } from "../platform/context";
import { nowIso } from "../platform/context";
import { callVoucherType, getScheme } from "../scheme/reference";

/**
 * Loads everything the eligibility rules need about an application and evaluates them (R3,
 * R6-R11). The one loader for both the applicant's submission and the manager's approval, so
 * that the two stages cannot see different facts. `db` is the caller's transaction when there
 * is one (SQLite has a single connection: reading outside it would wait for it).
 */
export async function findingsFor(
  db: Db | Trx,
  ctx: ServiceContext,
  app: Application,
  opts: { stage: "submit" | "approve"; amountCents: Cents },
): Promise<Finding[]> {
  const scheme = await getScheme(db as Db);
  const company = await db("companies").where({ id: app.companyId }).first();
  const relations = await currentRelations(db, app.companyId);
  const declarations = await db("de_minimis_declarations").where({ company_id: app.companyId });
  const regions = await db("regions").select("id", "code", "name");
  const sectors = await db("sectors").select("id", "code");
  const call = await db("calls").where({ id: app.callId }).first();
  const offered = await db("call_voucher_types as cvt").join("voucher_types as vt", "vt.id", "cvt.voucher_type_id")
    .where("cvt.call_id", app.callId).select("vt.code");
  const type = await callVoucherType(db, app.callId, app.voucherTypeId);
  const others = await db("applications as a").join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .where("a.company_id", app.companyId).whereNot("a.id", app.id)
    .select("a.call_id", "a.state", "a.approved_cents", "a.approved_on", "vt.code as type_code");
  const regionCode = (id: unknown) => (id === null || id === undefined ? null : regions.find((r) => Number(r.id) === Number(id))?.code ?? null);

  return evaluateEligibility({
    company: {
      regionCode: regionCode(company.region_id),
      sectorCode: sectors.find((s) => Number(s.id) === Number(company.sector_id))?.code ?? null,
      staffHeadcount: company.staff_headcount === null ? null : Number(company.staff_headcount),
      turnoverCents: company.turnover_cents === null ? null : assertCents(company.turnover_cents),
      balanceSheetCents: company.balance_sheet_cents === null ? null : assertCents(company.balance_sheet_cents),
      relations: relations.map((r) => ({
        name: r.name, kind: r.kind, sharePercent: r.share_percent, staffHeadcount: Number(r.staff_headcount),
        turnoverCents: assertCents(r.turnover_cents), balanceSheetCents: assertCents(r.balance_sheet_cents),
      })),
    },
    programmeRegionCodes: regions.map((r) => r.code),
    sectorCodes: sectors.map((s) => s.code),
    application: {
      voucherTypeCode: type.code, counterpartRegionCode: regionCode(app.counterpartRegionId),
      activityStart: app.activityStart ?? "", amountCents: opts.amountCents,
    },
    call: {
      status: effectiveStatus(call.status as CallStatus, call.closes_at, ctx.now()), opensAt: call.opens_at, closesAt: call.closes_at,
      voucherTypeCodes: offered.map((t) => String(t.code)),
    },
    // Drafts are not vouchers: two drafts of one type may coexist until one is submitted (R10).
    otherApplications: others.filter((o) => o.state !== "draft")
      .map((o) => ({ sameCall: Number(o.call_id) === app.callId, voucherTypeCode: String(o.type_code), state: o.state })),
    hasOpenClaim: others.some((o) => hasOpenClaim(o.state as AppState)),
    blockWhileClaimOpen: scheme.blockWhileClaimOpen,
    deMinimis: {
      declarations: declarations.map((d) => ({ grantedOn: d.granted_on, amountCents: assertCents(d.amount_cents) })),
      priorAwards: programmeAwards(others.map((o) => ({ state: o.state, approvedCents: o.approved_cents, approvedOn: o.approved_on }))),
      ceilingCents: scheme.deMinimisCeilingCents,
    },
    now: nowIso(ctx),
    timeZone: ctx.config.timeZone,
    stage: opts.stage,
    voucherType: type,
    regionNames: Object.fromEntries(regions.map((r) => [r.code, r.name])),
  });
}
