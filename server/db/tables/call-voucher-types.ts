import { dbAmountRule, dbPaymentBasis } from "./enums";
import type { CallVoucherTypesRow, VoucherTypesRow } from "./rows";
import { dbBool, dbCents } from "./values";
import { toVoucherType, type VoucherTypeRow } from "./voucher-types";

/** The call's copy of a type's settings (call_voucher_types), read next to the voucher type. */
export type CallOfferColumns = Pick<CallVoucherTypesRow, "completion_days" | "amount_rule" | "max_cents" | "pre_approval_required" | "claim_days" | "payment_basis" | "settings_taken_at">;

/**
 * The type's settings as a call offers it: the values taken when the call opened (R11, R12, R14),
 * so a later change by an administrator applies to calls opened afterwards only. A call that has
 * not been opened has no snapshot and follows the scheme's current settings; its completion days
 * are always the call's own.
 */
export function toCallVoucherType(type: VoucherTypesRow, offer: CallOfferColumns | null): VoucherTypeRow {
  const live = toVoucherType(type);
  if (!offer) return live;
  const completionDays = offer.completion_days;
  if (offer.settings_taken_at === null) return { ...live, completionDays };
  return {
    ...live,
    completionDays,
    amountRule: offer.amount_rule === null ? live.amountRule : dbAmountRule(offer.amount_rule),
    maxCents: offer.max_cents === null ? live.maxCents : dbCents(offer.max_cents),
    preApprovalRequired: offer.pre_approval_required === null ? live.preApprovalRequired : dbBool(offer.pre_approval_required),
    claimDays: offer.claim_days ?? live.claimDays,
    paymentBasis: offer.payment_basis === null ? live.paymentBasis : dbPaymentBasis(offer.payment_basis),
  };
}
