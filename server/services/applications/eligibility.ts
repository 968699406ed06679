import { evaluateEligibility, type Finding } from "../../domain/eligibility";
import { programmeAwards } from "../../domain/de-minimis";
import { hasOpenClaim } from "../../domain/lifecycle";
import type { Cents } from "../../domain/money";
import type { Db } from "../../db/connection";
import type { Application } from "./records";
import { toCallRecord } from "../../db/tables/calls";
import { dbAppState } from "../../db/tables/enums";
import type { ApplicationsRow, VoucherTypesRow } from "../../db/tables";
import { dbCents, dbCentsOrNull } from "../../db/tables/values";
import { effectiveStatus } from "../../domain/calls";
import { NotFoundError } from "../../errors";
import { currentRelations } from "../people/company-queries";
import type { ServiceContext, Trx } from "../platform/context";
import { nowIso } from "../platform/context";
import { callVoucherType, getScheme, type VoucherTypeRow } from "../scheme/reference";

function relationKind(kind: string): "partner" | "linked" {
  if (kind === "partner" || kind === "linked") return kind;
  throw new Error(`company_relations.kind: unexpected value "${kind}" in the database`);
}

/**
 * Facts about the application's company its caller has already read in the same way, so that a
 * page showing them beside the findings reads them once.
 */
export interface KnownFacts {
  regions?: readonly { id: number; code: string; name: string }[];
  declarations?: readonly { grantedOn: string; amountCents: Cents }[];
  /** The company's other applications, drafts included. */
  others?: readonly Pick<Application, "callId" | "state" | "approvedCents" | "approvedOn" | "voucherTypeCode">[];
}

type OtherRow = Pick<ApplicationsRow, "call_id" | "state" | "approved_cents" | "approved_on"> & { type_code: VoucherTypesRow["code"] };

/**
 * Loads everything the eligibility rules need about an application and evaluates them (R3,
 * R6-R11). The one loader for both the applicant's submission and the manager's approval, so
 * that the two stages cannot see different facts. `db` is the caller's transaction when there
 * is one (on SQLite, the transaction's own connection sees its uncommitted writes; another would not).
 */
export async function findingsFor(
  db: Db | Trx,
  ctx: ServiceContext,
  app: Application,
  opts: { stage: "submit" | "approve"; amountCents: Cents; type?: VoucherTypeRow; known?: KnownFacts },
): Promise<Finding[]> {
  const known = opts.known ?? {};
  const scheme = await getScheme(db);
  const company = await db("companies").where({ id: app.companyId }).first();
  if (!company) throw new NotFoundError();
  const relations = await currentRelations(db, app.companyId);
  const declarations = known.declarations ?? (await db("de_minimis_declarations").where({ company_id: app.companyId }))
    .map((d) => ({ grantedOn: d.granted_on, amountCents: dbCents(d.amount_cents) }));
  const regions: readonly { id: number; code: string; name: string }[] = known.regions ?? await db("regions").select("id", "code", "name");
  const sectors = await db("sectors").select("id", "code");
  const callRow = await db("calls").where({ id: app.callId }).first();
  if (!callRow) throw new NotFoundError();
  const call = toCallRecord(callRow);
  const offered = await db("call_voucher_types as cvt").join("voucher_types as vt", "vt.id", "cvt.voucher_type_id")
    .where("cvt.call_id", app.callId).select<{ code: string }[]>("vt.code");
  const type = opts.type ?? await callVoucherType(db, app.callId, app.voucherTypeId);
  const others = known.others?.map((o) => ({ callId: o.callId, state: o.state, approvedCents: o.approvedCents, approvedOn: o.approvedOn, typeCode: o.voucherTypeCode }))
    ?? (await db("applications as a").join("voucher_types as vt", "vt.id", "a.voucher_type_id")
      .where("a.company_id", app.companyId).whereNot("a.id", app.id)
      .select<OtherRow[]>("a.call_id", "a.state", "a.approved_cents", "a.approved_on", "vt.code as type_code"))
      .map((o) => ({ callId: o.call_id, state: dbAppState(o.state), approvedCents: dbCentsOrNull(o.approved_cents), approvedOn: o.approved_on, typeCode: o.type_code }));
  const regionCode = (id: number | null) => (id === null ? null : regions.find((r) => r.id === id)?.code ?? null);

  return evaluateEligibility({
    company: {
      regionCode: regionCode(company.region_id),
      sectorCode: sectors.find((s) => s.id === company.sector_id)?.code ?? null,
      staffHeadcount: company.staff_headcount,
      turnoverCents: dbCents(company.turnover_cents),
      balanceSheetCents: dbCents(company.balance_sheet_cents),
      relations: relations.map((r) => ({
        name: r.name, kind: relationKind(r.kind), sharePercent: r.share_percent, staffHeadcount: r.staff_headcount,
        turnoverCents: dbCents(r.turnover_cents), balanceSheetCents: dbCents(r.balance_sheet_cents),
      })),
    },
    programmeRegionCodes: regions.map((r) => r.code),
    sectorCodes: sectors.map((s) => s.code),
    application: {
      voucherTypeCode: type.code, counterpartRegionCode: regionCode(app.counterpartRegionId),
      activityStart: app.activityStart ?? "", activityEnd: app.activityEnd, amountCents: opts.amountCents,
    },
    call: {
      status: effectiveStatus(call.storedStatus, call.closesAt, ctx.now()), opensAt: call.opensAt, closesAt: call.closesAt,
      voucherTypeCodes: offered.map((t) => t.code),
    },
    // Drafts are not vouchers: two drafts of one type may coexist until one is submitted (R10).
    otherApplications: others.filter((o) => o.state !== "draft")
      .map((o) => ({ sameCall: o.callId === app.callId, voucherTypeCode: o.typeCode, state: o.state })),
    hasOpenClaim: others.some((o) => hasOpenClaim(o.state)),
    blockWhileClaimOpen: scheme.blockWhileClaimOpen,
    deMinimis: {
      declarations: declarations.map((d) => ({ grantedOn: d.grantedOn, amountCents: d.amountCents })),
      priorAwards: programmeAwards(others),
      ceilingCents: scheme.deMinimisCeilingCents,
    },
    now: nowIso(ctx),
    timeZone: ctx.config.timeZone,
    stage: opts.stage,
    firstSubmittedAt: app.state === "more-info-requested" ? app.submittedAt : null,
    voucherType: type,
    regionNames: Object.fromEntries(regions.map((r) => [r.code, r.name])),
  });
}
