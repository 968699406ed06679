import { ledgerSumsAgree, verifyLedgerTotals } from "../finance/budget";
import { ledgerTotalsAgree } from "../finance/ledger-totals";
import { audit } from "../platform/audit";
import { inTransaction, type ServiceContext } from "../platform/context";
import type { Db } from "../../db/connection";
import type { Trx } from "../platform/context";

/*
 * The call page shows the ceilings' running totals, which the budget service books in the same
 * transaction as each ledger entry. Rebuilding them from the whole ledger is too slow for every
 * page view, so a daily job does it for every call and records the outcome when it changes; the
 * call page reads that record, and the reconciliation page checks on demand.
 */

export const LEDGER_CHECK_ACTION = "call.ledger-checked";
/** Named among the differing keys when ledger_sums no longer equal the call's entries. */
export const LEDGER_SUMS_KEY = "ledger-sums";
/**
 * Named among every opened call's differing keys when ledger_totals no longer equal the entries:
 * its totals per partner and per type span every call, so a difference there is the programme's.
 */
export const LEDGER_TOTALS_KEY = "ledger-totals";

export interface LedgerCheckRecord { ok: boolean; at: string; differing: string[] }

/** The latest recorded outcome of the daily check for a call, or null when it has never run. */
export async function lastLedgerCheck(db: Db | Trx, callId: number): Promise<LedgerCheckRecord | null> {
  const r = await db("audit_events").where({ entity_type: "call", entity_id: String(callId), action: LEDGER_CHECK_ACTION })
    .orderBy("id", "desc").first("at", "after_json");
  if (!r?.after_json) return null;
  const after = JSON.parse(r.after_json) as { ok?: unknown; differing?: unknown };
  return {
    ok: after.ok === true, at: r.at,
    differing: Array.isArray(after.differing) ? after.differing.filter((k): k is string => typeof k === "string") : [],
  };
}

/**
 * Daily job: rebuilds every opened call's ceilings, its ledger sums and the programme's ledger
 * totals from the ledger entries; returns how many calls do not agree.
 */
export async function checkCallLedgers(ctx: ServiceContext): Promise<number> {
  const calls = await ctx.db("calls").whereNot({ status: "draft" }).orderBy("id").select("id");
  const totalsAgree = await ledgerTotalsAgree(ctx.db);
  let disagreeing = 0;
  for (const { id } of calls) {
    const differing = (await verifyLedgerTotals(ctx.db, id)).filter((c) => !c.ok).map((c) => c.key);
    // The reconciliation and ledger pages read ledger_sums and ledger_totals: checked against the entries here too.
    if (!(await ledgerSumsAgree(ctx.db, id))) differing.push(LEDGER_SUMS_KEY);
    if (!totalsAgree) differing.push(LEDGER_TOTALS_KEY);
    if (differing.length > 0) disagreeing++;
    const last = await lastLedgerCheck(ctx.db, id);
    const ok = differing.length === 0;
    // Recorded when the outcome changes, so the log holds when a difference appeared and went.
    if (last && last.ok === ok && last.differing.join() === differing.join()) continue;
    await inTransaction(ctx, (trx) => audit(trx, ctx, { action: LEDGER_CHECK_ACTION, entityType: "call", entityId: id, after: { ok, differing } }));
  }
  return disagreeing;
}
