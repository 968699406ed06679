import type { CostLine } from "../../domain/claims";
import { storedExplanation } from "./claims";
import type { ClaimCostLinesRow } from "./rows";
import { dbBool, dbCentsOrNull, dbInt } from "./values";

export function toCostLine(r: ClaimCostLinesRow): CostLine {
  return {
    id: r.id, incurredOn: r.incurred_on, description: r.description, currency: r.currency, originalMinor: dbInt(r.original_minor),
    rate: r.rate, rateMonth: r.rate_month, eurCents: dbCentsOrNull(r.eur_cents),
    eligible: r.eligible === null ? null : dbBool(r.eligible), ineligibleReason: storedExplanation(r.ineligible_reason),
  };
}
