import type { VoucherType } from "../../domain/scheme";
import { dbAmountRule, dbPaymentBasis } from "./enums";
import type { VoucherTypesRow } from "./rows";
import { dbBool, dbCents } from "./values";

/** A voucher type as the domain reads it, with its id. */
export interface VoucherTypeRow extends VoucherType { id: number }

export function toVoucherType(r: VoucherTypesRow): VoucherTypeRow {
  return {
    id: r.id, code: r.code, name: r.name, amountRule: dbAmountRule(r.amount_rule), maxCents: dbCents(r.max_cents),
    preApprovalRequired: dbBool(r.pre_approval_required), completionDays: r.completion_days, claimDays: r.claim_days,
    paymentBasis: dbPaymentBasis(r.payment_basis),
  };
}
