import { expiryReason } from "../../domain/claims";
import { localDate } from "../../domain/time";
import { findApplication, lockApplication, transition } from "../applications/records";
import type { ServiceContext } from "../platform/context";
import { inTransaction, nowIso } from "../platform/context";
import { releaseOutstanding } from "../review/decisions";

/*
 * R12: a voucher whose claim deadline has passed without a claim expires and its commitment goes
 * back to the budget (R4). Whether it is due is decided by the domain (expiryReason), the same
 * function the claim form and the pages use, so the job only writes down what is already true:
 * a claim on a day between the deadlines is accepted or refused the same way whether or not the
 * job has run. Run daily by the system (ctx.actor null); idempotent, so a re-run or a run at
 * start-up changes nothing twice: the state check and the idempotency key of the release both
 * stop a second booking.
 */
export async function expireVouchers(ctx: ServiceContext): Promise<number> {
  const { timeZone } = ctx.config;
  const today = localDate(nowIso(ctx), timeZone);
  // A narrowing query only; expiryReason below decides, under the lock.
  const due = await ctx.db("applications").whereIn("state", ["approved", "accepted", "claim-rejected"])
    .where("claim_deadline", "<", today).orderBy("id").select("id");
  let expired = 0;
  for (const { id } of due) {
    const done = await inTransaction(ctx, async (trx) => {
      await lockApplication(trx, id);
      // The system is not a signed-in user, so the read bypasses loadApplication's user checks.
      const app = await findApplication(trx, id);
      if (!app) return false;
      const why = expiryReason(app, today);
      if (!why) return false;
      await transition(trx, ctx, app, "expire", {}, { reason: why, today });
      await releaseOutstanding(trx, ctx, app, `expire:${app.id}`, `Expired: ${why}`);
      return true;
    });
    if (done) expired++;
  }
  return expired;
}
