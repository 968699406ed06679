import type { ServiceContext } from "../platform/context";

/**
 * Ends every session of a user but `exceptSessionId` (the one making the change, when it stays
 * signed in). Sessions are JSON (a json column on PostgreSQL): a signed-in session holds
 * `"passport":{"user":ID}`, a half-finished two-factor sign-in `"pendingSignIn":{"userId":ID,...`.
 */
export async function endSessionsOfUser(ctx: Pick<ServiceContext, "db">, userId: number, exceptSessionId?: string): Promise<number> {
  const q = ctx.db("sessions").where((w) => {
    void w.whereRaw("cast(sess as text) like ?", [`%"user":${userId}}%`]).orWhereRaw("cast(sess as text) like ?", [`%"pendingSignIn":{"userId":${userId},%`]);
  });
  if (exceptSessionId) void q.whereNot({ sid: exceptSessionId });
  return q.del();
}
