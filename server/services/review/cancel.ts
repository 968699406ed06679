import type { Cents } from "../../domain/money";
import { loadApplication } from "../applications/records";
import { callBudget } from "../calls/queries";
import type { ServiceContext } from "../platform/context";
import { cancel } from "./decisions";

export interface CancellationResult {
  releasedCents: Cents;
  /**
   * The earliest reserve-listed application of the call that now fits (R4), when the manager may
   * see it: released budget goes to it, and the manager is told so.
   */
  offered: { id: number; reference: string | null; companyName: string } | null;
}

/** Cancels an approved or accepted voucher, releases its commitment, and names who the budget now goes to. */
export async function cancelVoucher(ctx: ServiceContext, id: number, reason: string): Promise<CancellationResult> {
  const releasedCents = await cancel(ctx, id, reason);
  const { callId } = await loadApplication(ctx, id);
  const partnerId = ctx.actor?.role === "manager" ? ctx.actor.partnerId : null;
  const offered = (await callBudget(ctx, callId, partnerId)).reserve.find((r) => r.offered);
  return { releasedCents, offered: offered ? { id: offered.id, reference: offered.reference, companyName: offered.companyName } : null };
}
