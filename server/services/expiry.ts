import { isPastDeadline, localDate } from "../domain/eligibility";
import { applicationQuery, lockApplication, toApplication, transition } from "./applications-core";
import type { ServiceContext } from "./context";
import { inTransaction, nowIso } from "./context";
import { releaseOutstanding } from "./decisions";
import { getScheme } from "./reference";

/*
 * R12: a voucher whose completion deadline has passed without a claim expires and its commitment
 * goes back to the budget (R4). Run daily by the system (ctx.actor null); idempotent, so a re-run
 * or a run at start-up changes nothing twice: the state check and the idempotency key of the
 * release both stop a second booking.
 */
const EXPIRABLE = ["approved", "accepted"] as const;

export async function expireVouchers(ctx: ServiceContext): Promise<number> {
  const { timeZone } = await getScheme(ctx.db);
  const today = localDate(nowIso(ctx), timeZone);
  const due = await ctx.db("applications").whereIn("state", EXPIRABLE as unknown as string[])
    .whereNotNull("completion_deadline").where("completion_deadline", "<", today).orderBy("id").select("id");
  let expired = 0;
  for (const { id } of due) {
    const done = await inTransaction(ctx, async (trx) => {
      await lockApplication(trx, Number(id));
      // The system is not a signed-in user, so the read bypasses loadApplication's user checks.
      const row = await applicationQuery(trx).where("a.id", Number(id)).first();
      const app = toApplication(row);
      if (!(EXPIRABLE as readonly string[]).includes(app.state) || !app.completionDeadline || !isPastDeadline(today, app.completionDeadline)) return false;
      const claim = await trx("claims").where({ application_id: app.id }).first("id");
      if (claim) return false;
      await transition(trx, ctx, app, "expire", {}, { completionDeadline: app.completionDeadline, today });
      await releaseOutstanding(trx, ctx, app, `expire:${app.id}`, `Expired: completion deadline ${app.completionDeadline} passed without a claim`);
      return true;
    });
    if (done) expired++;
  }
  return expired;
}
