import { NotFoundError, ValidationError } from "../../errors";
import type { Db } from "../../db/connection";
import { assertCents, type Cents } from "../../domain/money";
import { type VoucherType, type VoucherTypeSettings, voucherTypeSettingsProblems } from "../../domain/scheme";
import { audit } from "../platform/audit";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction } from "../platform/context";

/* Reference data: the scheme and its settings, voucher types, regions, partners and sectors. */

export interface Region { id: number; code: string; name: string; country: string }
export interface Partner { id: number; regionId: number; name: string; shortName: string; address: string; email: string | null; regionCode: string; regionName: string; country: string }
export interface Sector { id: number; code: string; name: string }
export interface SchemeSettings { id: number; code: string; name: string; timeZone: string; deMinimisCeilingCents: Cents; blockWhileClaimOpen: boolean }
export interface VoucherTypeRow extends VoucherType { id: number }

export async function getScheme(db: Db): Promise<SchemeSettings> {
  const r = await db("schemes").orderBy("id").first();
  if (!r) throw new Error("the scheme reference data is missing: run the migrations");
  return {
    id: Number(r.id), code: r.code, name: r.name, timeZone: r.time_zone,
    deMinimisCeilingCents: assertCents(r.de_minimis_ceiling_cents), blockWhileClaimOpen: !!r.block_while_claim_open,
  };
}

export function toVoucherType(r: Record<string, unknown>): VoucherTypeRow {
  return {
    id: Number(r.id), code: String(r.code), name: String(r.name), amountRule: r.amount_rule as VoucherType["amountRule"],
    maxCents: assertCents(r.max_cents), preApprovalRequired: !!r.pre_approval_required,
    completionDays: Number(r.completion_days), claimDays: Number(r.claim_days), paymentBasis: r.payment_basis as VoucherType["paymentBasis"],
  };
}

/**
 * The type's settings as a call offers it: the values taken when the call opened (R11, R12, R14),
 * so a later change by an administrator applies to calls opened afterwards only. A call that has
 * not been opened has no snapshot and follows the scheme's current settings; its completion days
 * are always the call's own.
 */
export function toCallVoucherType(r: Record<string, unknown>): VoucherTypeRow {
  const live = toVoucherType(r);
  const taken = r.cvt_settings_taken_at !== null && r.cvt_settings_taken_at !== undefined;
  return {
    ...live,
    completionDays: r.cvt_completion_days === null || r.cvt_completion_days === undefined ? live.completionDays : Number(r.cvt_completion_days),
    ...(taken ? {
      amountRule: r.cvt_amount_rule as VoucherType["amountRule"], maxCents: assertCents(r.cvt_max_cents),
      preApprovalRequired: !!r.cvt_pre_approval_required, claimDays: Number(r.cvt_claim_days), paymentBasis: r.cvt_payment_basis as VoucherType["paymentBasis"],
    } : {}),
  };
}

const CALL_TYPE_COLUMNS = [
  "vt.*", "cvt.completion_days as cvt_completion_days", "cvt.amount_rule as cvt_amount_rule", "cvt.max_cents as cvt_max_cents",
  "cvt.pre_approval_required as cvt_pre_approval_required", "cvt.claim_days as cvt_claim_days", "cvt.payment_basis as cvt_payment_basis",
  "cvt.settings_taken_at as cvt_settings_taken_at",
];

/** The voucher type of an application with the settings of its call. */
export async function callVoucherType(db: Db | Trx, callId: number, voucherTypeId: number): Promise<VoucherTypeRow> {
  const row = await db("voucher_types as vt")
    .leftJoin("call_voucher_types as cvt", (j) => j.on("cvt.voucher_type_id", "vt.id").andOn("cvt.call_id", db.raw("?", [callId])))
    .where("vt.id", voucherTypeId).first(CALL_TYPE_COLUMNS);
  if (!row) throw new NotFoundError();
  return toCallVoucherType(row);
}

/** The types a call offers, with the call's settings. */
export async function callVoucherTypes(db: Db | Trx, callId: number): Promise<VoucherTypeRow[]> {
  const rows = await db("call_voucher_types as cvt").join("voucher_types as vt", "vt.id", "cvt.voucher_type_id")
    .where("cvt.call_id", callId).orderBy("vt.max_cents").select(CALL_TYPE_COLUMNS);
  return rows.map(toCallVoucherType);
}

/** Opening a call fixes the settings of the types it offers (called in the opening transaction). */
export async function takeCallTypeSettings(trx: Trx, callId: number, at: string): Promise<void> {
  const offers = await trx("call_voucher_types as cvt").join("voucher_types as vt", "vt.id", "cvt.voucher_type_id")
    .where("cvt.call_id", callId).select("vt.*");
  for (const t of offers) {
    await trx("call_voucher_types").where({ call_id: callId, voucher_type_id: t.id }).update({
      amount_rule: t.amount_rule, max_cents: t.max_cents, pre_approval_required: t.pre_approval_required,
      claim_days: t.claim_days, payment_basis: t.payment_basis, settings_taken_at: at,
    });
  }
}

export async function listVoucherTypes(db: Db): Promise<VoucherTypeRow[]> {
  return (await db("voucher_types").orderBy("max_cents")).map(toVoucherType);
}

export async function listRegions(db: Db): Promise<Region[]> {
  return (await db("regions").orderBy("name")).map((r) => ({ id: Number(r.id), code: r.code, name: r.name, country: r.country }));
}

export async function listPartners(db: Db): Promise<Partner[]> {
  const rows = await db("partners").join("regions", "regions.id", "partners.region_id").orderBy("partners.name")
    .select("partners.*", "regions.code as region_code", "regions.name as region_name", "regions.country");
  return rows.map((r) => ({
    id: Number(r.id), regionId: Number(r.region_id), name: r.name, shortName: r.short_name, address: r.address,
    email: r.email ?? null, regionCode: r.region_code, regionName: r.region_name, country: r.country,
  }));
}

export async function listSectors(db: Db): Promise<Sector[]> {
  return (await db("sectors").orderBy("name")).map((r) => ({ id: Number(r.id), code: r.code, name: r.name }));
}

export interface RegionUpdate { name: string; country: string; partnerName: string; partnerShortName: string; partnerAddress: string; partnerEmail: string | null }

export async function updateRegion(ctx: ServiceContext, regionId: number, input: RegionUpdate): Promise<void> {
  const fields: Record<string, string> = {};
  if (!/^[A-Z]{2}$/.test(input.country)) fields.country = "Enter the two-letter country code, for example DK.";
  if (Object.keys(fields).length) throw new ValidationError("The region could not be saved.", fields);
  await inTransaction(ctx, async (trx) => {
    const region = await trx("regions").where({ id: regionId }).first();
    if (!region) throw new NotFoundError();
    const partner = await trx("partners").where({ region_id: regionId }).first();
    await trx("regions").where({ id: regionId }).update({ name: input.name, country: input.country });
    const partnerRow = { name: input.partnerName, short_name: input.partnerShortName, address: input.partnerAddress, email: input.partnerEmail };
    if (partner) await trx("partners").where({ id: partner.id }).update(partnerRow);
    else await trx("partners").insert({ ...partnerRow, region_id: regionId });
    await audit(trx, ctx, {
      action: "region.updated", entityType: "region", entityId: regionId,
      before: { region, partner }, after: { region: { name: input.name, country: input.country }, partner: partnerRow },
    });
  });
}

export interface SchemeUpdate {
  deMinimisCeilingCents: Cents;
  blockWhileClaimOpen: boolean;
  /** Per voucher type code; a type left out keeps its settings. */
  types: Record<string, VoucherTypeSettings>;
}

const SETTING_COLUMNS: Record<keyof VoucherTypeSettings, string> = {
  amountRule: "amount_rule", maxCents: "max_cents", paymentBasis: "payment_basis",
  preApprovalRequired: "pre_approval_required", completionDays: "completion_days", claimDays: "claim_days",
};

/** Field names on the settings form: `${setting}_${typeCode}`. */
export const settingField = (setting: keyof VoucherTypeSettings, code: string) => `${setting}_${code}`;

/**
 * Saves the scheme settings. Type settings apply to calls opened afterwards: a call takes them
 * when it opens (takeCallTypeSettings), so vouchers already applied for keep their terms. The
 * audit event has each changed type before and after.
 */
export async function updateSchemeSettings(ctx: ServiceContext, input: SchemeUpdate): Promise<void> {
  const fields: Record<string, string> = {};
  if (!Number.isSafeInteger(input.deMinimisCeilingCents) || input.deMinimisCeilingCents <= 0) {
    fields.deMinimisCeiling = "The de minimis ceiling must be more than zero.";
  }
  await inTransaction(ctx, async (trx) => {
    const before = await trx("schemes").orderBy("id").first();
    const types = (await trx("voucher_types").where({ scheme_id: before.id }).orderBy("max_cents")).map(toVoucherType);
    for (const t of types) {
      const next = input.types[t.code];
      if (!next) continue;
      for (const [k, msg] of Object.entries(voucherTypeSettingsProblems(t.name, next, input.deMinimisCeilingCents))) fields[settingField(k as keyof VoucherTypeSettings, t.code)] = msg!;
    }
    if (Object.keys(fields).length) throw new ValidationError("The settings were not saved.", fields);

    await trx("schemes").where({ id: before.id }).update({
      de_minimis_ceiling_cents: input.deMinimisCeilingCents, block_while_claim_open: input.blockWhileClaimOpen,
    });
    const changes: { code: string; before: Partial<VoucherTypeSettings>; after: Partial<VoucherTypeSettings> }[] = [];
    for (const t of types) {
      const next = input.types[t.code];
      if (!next) continue;
      const changed = (Object.keys(SETTING_COLUMNS) as (keyof VoucherTypeSettings)[]).filter((k) => t[k] !== next[k]);
      if (changed.length === 0) continue;
      await trx("voucher_types").where({ id: t.id }).update(Object.fromEntries(changed.map((k) => [SETTING_COLUMNS[k], next[k]])));
      changes.push({
        code: t.code,
        before: Object.fromEntries(changed.map((k) => [k, t[k]])),
        after: Object.fromEntries(changed.map((k) => [k, next[k]])),
      });
    }
    await audit(trx, ctx, {
      action: "scheme.updated", entityType: "scheme", entityId: before.id,
      before: {
        deMinimisCeilingCents: assertCents(before.de_minimis_ceiling_cents), blockWhileClaimOpen: !!before.block_while_claim_open,
        types: Object.fromEntries(changes.map((c) => [c.code, c.before])),
      },
      after: {
        deMinimisCeilingCents: input.deMinimisCeilingCents, blockWhileClaimOpen: input.blockWhileClaimOpen,
        types: Object.fromEntries(changes.map((c) => [c.code, c.after])),
      },
    });
  });
}
