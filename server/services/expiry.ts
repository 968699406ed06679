import { isPastDeadline, localDate } from "../domain/eligibility";
import { applicationQuery, type Application, lockApplication, toApplication, transition } from "./applications-core";
import type { ServiceContext } from "./context";
import { inTransaction, nowIso } from "./context";
import { releaseOutstanding } from "./decisions";

/*
 * R12: a voucher whose completion deadline has passed without a claim expires, and so does one
 * whose claim was rejected and not resubmitted before the claim deadline; its commitment goes back
 * to the budget (R4). Run daily by the system (ctx.actor null); idempotent, so a re-run or a run
 * at start-up changes nothing twice: the state check and the idempotency key of the release both
 * stop a second booking.
 */
function expiryDue(app: Application, hasClaim: boolean, today: string): string | null {
  if ((app.state === "approved" || app.state === "accepted") && !hasClaim && app.completionDeadline && isPastDeadline(today, app.completionDeadline)) {
    return `completion deadline ${app.completionDeadline} passed without a claim`;
  }
  if (app.state === "claim-rejected" && app.claimDeadline && isPastDeadline(today, app.claimDeadline)) {
    return `claim deadline ${app.claimDeadline} passed after the claim was rejected`;
  }
  return null;
}

export async function expireVouchers(ctx: ServiceContext): Promise<number> {
  const { timeZone } = ctx.config;
  const today = localDate(nowIso(ctx), timeZone);
  const due = await ctx.db("applications").where((w) =>
    w.where((a) => a.whereIn("state", ["approved", "accepted"]).where("completion_deadline", "<", today))
      .orWhere((a) => a.where("state", "claim-rejected").where("claim_deadline", "<", today)),
  ).orderBy("id").select("id");
  let expired = 0;
  for (const { id } of due) {
    const done = await inTransaction(ctx, async (trx) => {
      await lockApplication(trx, Number(id));
      // The system is not a signed-in user, so the read bypasses loadApplication's user checks.
      const app = toApplication(await applicationQuery(trx).where("a.id", Number(id)).first());
      const claim = await trx("claims").where({ application_id: app.id }).first("id");
      const why = expiryDue(app, !!claim, today);
      if (!why) return false;
      await transition(trx, ctx, app, "expire", {}, { reason: why, today });
      await releaseOutstanding(trx, ctx, app, `expire:${app.id}`, `Expired: ${why}`);
      return true;
    });
    if (done) expired++;
  }
  return expired;
}
