import { NotFoundError } from "../../errors";
import type { Db } from "../../db/connection";
import type { CallVoucherTypesRow, VoucherTypesRow } from "../../db/tables";
import { toPartner, type Partner, type PartnerWithRegionRow } from "../../db/tables/partners";
import { toRegion, type Region } from "../../db/tables/regions";
import { toScheme, type SchemeSettings } from "../../db/tables/schemes";
import { toSector, type Sector } from "../../db/tables/sectors";
import { toCallVoucherType } from "../../db/tables/call-voucher-types";
import { toVoucherType, type VoucherTypeRow } from "../../db/tables/voucher-types";
import type { Trx } from "../platform/context";

/* Reference data as pages and use cases read it: the scheme, voucher types, regions, partners and sectors. Changes are in settings.ts. */

export type { Partner, Region, SchemeSettings, Sector, VoucherTypeRow };

export async function getScheme(db: Db | Trx): Promise<SchemeSettings> {
  const r = await db("schemes").orderBy("id").first();
  if (!r) throw new Error("the scheme reference data is missing: run the migrations");
  return toScheme(r);
}

type CallOfferRow = VoucherTypesRow & {
  cvt_completion_days: CallVoucherTypesRow["completion_days"] | null;
  cvt_amount_rule: CallVoucherTypesRow["amount_rule"];
  cvt_max_cents: CallVoucherTypesRow["max_cents"];
  cvt_pre_approval_required: CallVoucherTypesRow["pre_approval_required"];
  cvt_claim_days: CallVoucherTypesRow["claim_days"];
  cvt_payment_basis: CallVoucherTypesRow["payment_basis"];
  cvt_settings_taken_at: CallVoucherTypesRow["settings_taken_at"];
};

const CALL_TYPE_COLUMNS = [
  "vt.*", "cvt.completion_days as cvt_completion_days", "cvt.amount_rule as cvt_amount_rule", "cvt.max_cents as cvt_max_cents",
  "cvt.pre_approval_required as cvt_pre_approval_required", "cvt.claim_days as cvt_claim_days", "cvt.payment_basis as cvt_payment_basis",
  "cvt.settings_taken_at as cvt_settings_taken_at",
];

function fromCallOfferRow(r: CallOfferRow): VoucherTypeRow {
  const offer = r.cvt_completion_days === null ? null : {
    completion_days: r.cvt_completion_days, amount_rule: r.cvt_amount_rule, max_cents: r.cvt_max_cents,
    pre_approval_required: r.cvt_pre_approval_required, claim_days: r.cvt_claim_days, payment_basis: r.cvt_payment_basis,
    settings_taken_at: r.cvt_settings_taken_at,
  };
  return toCallVoucherType(r, offer);
}

/** The voucher type of an application with the settings of its call. */
export async function callVoucherType(db: Db | Trx, callId: number, voucherTypeId: number): Promise<VoucherTypeRow> {
  const row = await db("voucher_types as vt")
    .leftJoin("call_voucher_types as cvt", (j) => j.on("cvt.voucher_type_id", "vt.id").andOn("cvt.call_id", db.raw("?", [callId])))
    .where("vt.id", voucherTypeId).first<CallOfferRow | undefined>(CALL_TYPE_COLUMNS);
  if (!row) throw new NotFoundError();
  return fromCallOfferRow(row);
}

/** The types a call offers, with the call's settings. */
export async function callVoucherTypes(db: Db | Trx, callId: number): Promise<VoucherTypeRow[]> {
  return (await callVoucherTypesOf(db, [callId])).get(callId) ?? [];
}

/** The types each of these calls offers, with each call's settings, in one query. */
export async function callVoucherTypesOf(db: Db | Trx, callIds: readonly number[]): Promise<Map<number, VoucherTypeRow[]>> {
  const out = new Map<number, VoucherTypeRow[]>();
  if (callIds.length === 0) return out;
  const rows = await db("call_voucher_types as cvt").join("voucher_types as vt", "vt.id", "cvt.voucher_type_id")
    .whereIn("cvt.call_id", callIds).orderBy("vt.max_cents").select<(CallOfferRow & { cvt_call_id: number })[]>([...CALL_TYPE_COLUMNS, "cvt.call_id as cvt_call_id"]);
  for (const r of rows) {
    const list = out.get(r.cvt_call_id) ?? [];
    list.push(fromCallOfferRow(r));
    out.set(r.cvt_call_id, list);
  }
  return out;
}

export async function listVoucherTypes(db: Db | Trx): Promise<VoucherTypeRow[]> {
  return (await db("voucher_types").orderBy("max_cents")).map(toVoucherType);
}

export async function listRegions(db: Db | Trx): Promise<Region[]> {
  return (await db("regions").orderBy("name")).map(toRegion);
}

export async function listPartners(db: Db | Trx): Promise<Partner[]> {
  const rows = await db("partners").join("regions", "regions.id", "partners.region_id").orderBy("partners.name")
    .select<PartnerWithRegionRow[]>("partners.*", "regions.code as region_code", "regions.name as region_name", "regions.country");
  return rows.map(toPartner);
}

export async function listSectors(db: Db | Trx): Promise<Sector[]> {
  return (await db("sectors").orderBy("name")).map(toSector);
}
