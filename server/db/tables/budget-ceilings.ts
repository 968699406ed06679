import type { CeilingState } from "../../domain/budget";
import type { BudgetCeilingsRow } from "./rows";
import { dbCents } from "./values";

/** A ceiling with the running totals the ledger keeps on it (R4). */
export function toCeilingState(r: BudgetCeilingsRow): CeilingState {
  return {
    key: r.key,
    label: r.label,
    ceilingCents: dbCents(r.ceiling_cents),
    committedCents: dbCents(r.committed_cents),
    releasedCents: dbCents(r.released_cents),
    paidCents: dbCents(r.paid_cents),
  };
}
