/**
 * The scheme's voucher types, sectors and de minimis defaults as data. The IN2LifeSciences values
 * are the seeded defaults; an administrator can change them per scheme (they live in the
 * database), so code takes a VoucherType as an argument rather than switching on a code.
 */
import { type Message, money, msg } from "./message";
import { englishText, ValidationError } from "../errors";
import { type Cents, assertCents } from "./money";

export type AmountRule = "capped" | "fixed";
export type PaymentBasis = "actual-costs-capped" | "lump-sum";

export interface VoucherType {
  /** MG, IN and CO by default; an administrator may add others. */
  code: string;
  name: string;
  /** capped: the amount is the costs up to maxCents; fixed: the amount is always maxCents. */
  amountRule: AmountRule;
  maxCents: Cents;
  /** R11: the activity must start after (not on) the day of approval. */
  preApprovalRequired: boolean;
  /** R12: days from approval to the completion deadline. */
  completionDays: number;
  /** Days after the completion deadline to submit the claim. */
  claimDays: number;
  /** R14 */
  paymentBasis: PaymentBasis;
}

export const DEFAULT_VOUCHER_TYPES: VoucherType[] = [
  {
    code: "MG",
    name: "Meet & Greet",
    amountRule: "capped",
    maxCents: 50_000,
    preApprovalRequired: true,
    completionDays: 90,
    claimDays: 30,
    paymentBasis: "actual-costs-capped",
  },
  {
    code: "IN",
    name: "Insight",
    amountRule: "fixed",
    maxCents: 400_000,
    preApprovalRequired: false,
    completionDays: 180,
    claimDays: 30,
    paymentBasis: "lump-sum",
  },
  {
    code: "CO",
    name: "Collaboration",
    amountRule: "fixed",
    maxCents: 700_000,
    preApprovalRequired: false,
    completionDays: 365,
    claimDays: 30,
    paymentBasis: "lump-sum",
  },
];

/** The settings an administrator sets per type (R11, R12, R14); a call takes them when it opens. */
export type VoucherTypeSettings = Pick<VoucherType, "amountRule" | "maxCents" | "paymentBasis" | "preApprovalRequired" | "completionDays" | "claimDays">;

export const AMOUNT_RULES: readonly { value: AmountRule; label: string }[] = [
  { value: "capped", label: "Up to the amount (the expected costs, capped)" },
  { value: "fixed", label: "Always the full amount (fixed)" },
];

export const PAYMENT_BASES: readonly { value: PaymentBasis; label: string }[] = [
  { value: "actual-costs-capped", label: "Verified actual costs, up to the award" },
  { value: "lump-sum", label: "The award as a fixed sum on a verified report" },
];

export const APPROVAL_TIMINGS: readonly { value: "before-day" | "not-before-start"; label: string; preApprovalRequired: boolean }[] = [
  { value: "before-day", label: "Approved before the day of the activity (the activity may not start on the approval day)", preApprovalRequired: true },
  { value: "not-before-start", label: "The activity may not start before the approval (starting on the approval day is allowed)", preApprovalRequired: false },
];

/** Ten years: longer periods are typing mistakes, not scheme rules. */
export const MAX_SETTING_DAYS = 3650;

/**
 * What is wrong with a type's settings, per field, in words for the administrator; empty when
 * they can be saved. The claim deadline must come after the completion deadline (R12: "a later
 * claim deadline"), so claim days start at 1.
 */
export function voucherTypeSettingsProblems(
  name: string,
  s: VoucherTypeSettings,
  deMinimisCeilingCents: Cents = DEFAULT_DE_MINIMIS_CEILING_CENTS,
): Partial<Record<keyof VoucherTypeSettings, Message>> {
  const out: Partial<Record<keyof VoucherTypeSettings, Message>> = {};
  if (!AMOUNT_RULES.some((r) => r.value === s.amountRule)) out.amountRule = msg("errors:scheme.typeAmountRule", { type: name });
  if (!PAYMENT_BASES.some((b) => b.value === s.paymentBasis)) out.paymentBasis = msg("errors:scheme.typePaymentBasis", { type: name });
  if (!Number.isSafeInteger(s.maxCents) || s.maxCents <= 0) out.maxCents = msg("errors:scheme.typeAmountNotPositive", { type: name });
  // No company could receive more than the de minimis ceiling (R9), so such an amount is a typo.
  else if (s.maxCents > deMinimisCeilingCents) out.maxCents = msg("errors:scheme.typeAmountAboveCeiling", { type: name, ceiling: money(deMinimisCeilingCents) });
  if (typeof s.preApprovalRequired !== "boolean") out.preApprovalRequired = msg("errors:scheme.typePreApproval", { type: name });
  if (!Number.isSafeInteger(s.completionDays) || s.completionDays < 1 || s.completionDays > MAX_SETTING_DAYS) {
    out.completionDays = msg("errors:scheme.typeCompletionDays", { type: name, min: 1, max: MAX_SETTING_DAYS });
  }
  if (!Number.isSafeInteger(s.claimDays) || s.claimDays < 1 || s.claimDays > MAX_SETTING_DAYS) {
    out.claimDays = msg("errors:scheme.typeClaimDays", { type: name, min: 1, max: MAX_SETTING_DAYS });
  }
  return out;
}

export interface Sector {
  code: string;
  name: string;
}

export const SECTORS: readonly Sector[] = [
  { code: "biotech", name: "Biotechnology" },
  { code: "pharma", name: "Pharmaceuticals" },
  { code: "medtech", name: "Medical technology" },
  { code: "nutrition", name: "Nutrition for human and animal health" },
];

export const SECTOR_CODES: readonly string[] = SECTORS.map((s) => s.code);

/** EUR 300,000.00 */
export const DEFAULT_DE_MINIMIS_CEILING_CENTS: Cents = 30_000_000;
export const DE_MINIMIS_REGULATION = "Commission Regulation (EU) 2023/2831";

export function findVoucherType(code: string, types: readonly VoucherType[] = DEFAULT_VOUCHER_TYPES): VoucherType | undefined {
  return types.find((t) => t.code === code);
}

/**
 * The amount an application asks for. Capped types (Meet & Greet) ask for the expected costs up
 * to the cap, so costs are required; fixed types always ask for the fixed amount.
 */
export function requestedAmountFor(type: VoucherType, costsCents?: Cents): Cents {
  if (type.amountRule === "fixed") return type.maxCents;
  if (costsCents === undefined || costsCents === null) {
    throw new ValidationError(msg("errors:scheme.costsMissing", { type: type.name }), { costs: msg("errors:scheme.costsMissingField") });
  }
  const costs = assertCents(costsCents);
  if (costs <= 0) {
    throw new ValidationError(msg("errors:scheme.costsNotPositive"), { costs: msg("errors:scheme.costsNotPositive") });
  }
  return Math.min(costs, type.maxCents);
}

/** Returns a sentence for the manager when the award amount is not allowed, otherwise null. */
export function validateAwardAmount(type: VoucherType, requestedCents: Cents, awardCents: Cents): string | null {
  const problem = awardAmountProblem(type, requestedCents, awardCents);
  return problem && englishText(problem);
}

/** validateAwardAmount as a message. */
export function awardAmountProblem(type: VoucherType, requestedCents: Cents, awardCents: Cents): Message | null {
  const award = assertCents(awardCents);
  const requested = assertCents(requestedCents);
  if (type.amountRule === "fixed") {
    if (award !== type.maxCents) {
      return msg("errors:scheme.awardFixed", { type: type.name, amount: money(type.maxCents) });
    }
    return null;
  }
  if (award <= 0) return msg("errors:scheme.awardNotPositive");
  if (award > type.maxCents) {
    return msg("errors:scheme.awardAboveCap", { type: type.name, cap: money(type.maxCents), award: money(award) });
  }
  if (award > requested) {
    return msg("errors:scheme.awardAboveRequest", { award: money(award), requested: money(requested) });
  }
  return null;
}

/**
 * R4: the amount approving an application commits: the fixed amount for a fixed type; for a
 * capped type the amount the manager chose, or else the amount requested. validateAwardAmount
 * says whether that amount may be awarded.
 */
export function amountToApprove(type: Pick<VoucherType, "amountRule" | "maxCents">, requestedCents: Cents | null, chosenCents: Cents | null = null): Cents {
  if (type.amountRule === "fixed") return type.maxCents;
  return chosenCents ?? requestedCents ?? 0;
}
