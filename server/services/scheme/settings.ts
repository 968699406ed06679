import { type FieldTexts, NotFoundError, ValidationError } from "../../errors";
import { msg } from "../../domain/message";
import type { VoucherTypesRow } from "../../db/tables";
import { toScheme } from "../../db/tables/schemes";
import { toVoucherType } from "../../db/tables/voucher-types";
import type { Cents } from "../../domain/money";
import type { Language } from "../../languages";
import { type VoucherTypeSettings, voucherTypeSettingsProblems } from "../../domain/scheme";
import { audit } from "../platform/audit";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction } from "../platform/context";

/* The administrator's changes to reference data (regions and partners, scheme settings), and the copy a call takes when it opens. */

/** Opening a call fixes the settings of the types it offers (called in the opening transaction). */
export async function takeCallTypeSettings(trx: Trx, callId: number, at: string): Promise<void> {
  const offers = await trx("call_voucher_types as cvt").join("voucher_types as vt", "vt.id", "cvt.voucher_type_id")
    .where("cvt.call_id", callId).select<VoucherTypesRow[]>("vt.*");
  for (const t of offers) {
    await trx("call_voucher_types").where({ call_id: callId, voucher_type_id: t.id }).update({
      amount_rule: t.amount_rule, max_cents: t.max_cents, pre_approval_required: t.pre_approval_required,
      claim_days: t.claim_days, payment_basis: t.payment_basis, settings_taken_at: at,
    });
  }
}

export interface RegionUpdate {
  name: string; country: string; partnerName: string; partnerShortName: string; partnerAddress: string; partnerEmail: string | null;
  /** The language the partner's people read when they have chosen none and their browser asks for none of ours; undefined keeps it. */
  partnerLanguage?: Language;
}

export async function updateRegion(ctx: ServiceContext, regionId: number, input: RegionUpdate): Promise<void> {
  const fields: FieldTexts = {};
  if (!/^[A-Z]{2}$/.test(input.country)) fields.country = msg("errors:scheme.countryCode");
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:scheme.regionNotSaved"), fields);
  await inTransaction(ctx, async (trx) => {
    const region = await trx("regions").where({ id: regionId }).first();
    if (!region) throw new NotFoundError();
    const partner = await trx("partners").where({ region_id: regionId }).first();
    await trx("regions").where({ id: regionId }).update({ name: input.name, country: input.country });
    const partnerRow = {
      name: input.partnerName, short_name: input.partnerShortName, address: input.partnerAddress, email: input.partnerEmail,
      default_language: input.partnerLanguage ?? partner?.default_language ?? "en",
    };
    if (partner) await trx("partners").where({ id: partner.id }).update(partnerRow);
    else await trx("partners").insert({ ...partnerRow, region_id: regionId });
    await audit(trx, ctx, {
      action: "region.updated", entityType: "region", entityId: regionId,
      before: { region, partner }, after: { region: { name: input.name, country: input.country }, partner: partnerRow },
    });
    // Its own entry, because it changes which language the partner's people and letters are in.
    if (partner && partner.default_language !== partnerRow.default_language) {
      await audit(trx, ctx, {
        action: "partner.default-language-changed", entityType: "partner", entityId: partner.id,
        before: { defaultLanguage: partner.default_language }, after: { defaultLanguage: partnerRow.default_language },
      });
    }
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
  const fields: FieldTexts = {};
  if (!Number.isSafeInteger(input.deMinimisCeilingCents) || input.deMinimisCeilingCents <= 0) {
    fields.deMinimisCeiling = msg("errors:scheme.deMinimisCeiling");
  }
  await inTransaction(ctx, async (trx) => {
    const before = await trx("schemes").orderBy("id").first();
    if (!before) throw new Error("the scheme reference data is missing: run the migrations");
    const types = (await trx("voucher_types").where({ scheme_id: before.id }).orderBy("max_cents")).map(toVoucherType);
    for (const t of types) {
      const next = input.types[t.code];
      if (!next) continue;
      for (const [k, msg] of Object.entries(voucherTypeSettingsProblems(t.name, next, input.deMinimisCeilingCents))) if (msg) fields[settingField(k as keyof VoucherTypeSettings, t.code)] = msg;
    }
    if (Object.keys(fields).length) throw new ValidationError(msg("errors:scheme.settingsNotSaved"), fields);

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
        deMinimisCeilingCents: toScheme(before).deMinimisCeilingCents, blockWhileClaimOpen: toScheme(before).blockWhileClaimOpen,
        types: Object.fromEntries(changes.map((c) => [c.code, c.before])),
      },
      after: {
        deMinimisCeilingCents: input.deMinimisCeilingCents, blockWhileClaimOpen: input.blockWhileClaimOpen,
        types: Object.fromEntries(changes.map((c) => [c.code, c.after])),
      },
    });
  });
}
