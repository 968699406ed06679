import { createHash } from "node:crypto";
import Bowser from "bowser";
import type { Db } from "../../db/connection";
import { dbJson } from "../../db/tables/values";
import { sessionEnded } from "../../domain/sessions";
import { NotFoundError, UnauthenticatedError } from "../../errors";
import { audit } from "../platform/audit";
import { inTransaction, type ServiceContext, type Trx } from "../platform/context";

/*
 * Signed-in sessions of one person. Sessions are express-session rows (sid, sess JSON, expired);
 * passport keeps the user id in the JSON, and session-limits.ts the sign-in time, last activity,
 * address and user agent. A session is named on pages by a hash of its id, never the id itself,
 * which would let whoever reads the page take the session over.
 */

interface StoredSession {
  passport?: { user?: unknown };
  activity?: { signedInAt?: unknown; lastSeenAt?: unknown; ip?: unknown; userAgent?: unknown };
}

/** Rows of one user's sessions: passport writes {"passport":{"user":ID}} into the JSON. */
function sessionsOfUserQuery(db: Db | Trx, userId: number) {
  return db("sessions").whereRaw("cast(sess as text) like ?", [`%"user":${userId}}%`]);
}

export function sessionHandle(sid: string): string {
  return createHash("sha256").update(sid).digest("hex").slice(0, 24);
}

/**
 * The device of a session as the page names it ("Firefox on Windows" in the reader's language):
 * the browser and system when they can be read, else the raw user agent shortened, else unknown.
 */
export type Device =
  | { kind: "browserOnOs"; browser: string; os: string }
  | { kind: "named"; name: string }
  | { kind: "unknown" };

export function describeDevice(userAgent: string): Device {
  if (!userAgent) return { kind: "unknown" };
  const parsed = Bowser.parse(userAgent);
  const browser = parsed.browser.name;
  const os = parsed.os.name;
  if (browser && os) return { kind: "browserOnOs", browser, os };
  const name = browser ?? os;
  if (name) return { kind: "named", name };
  return { kind: "named", name: userAgent.length > 60 ? `${userAgent.slice(0, 57)}...` : userAgent };
}

export interface ActiveSession {
  handle: string;
  device: Device;
  ip: string;
  signedInAt: string | null;
  lastSeenAt: string | null;
  current: boolean;
}

/** The signed-in user's sessions that have not expired, this one first, then the latest used. */
export async function listOwnSessions(ctx: ServiceContext, currentSid: string): Promise<ActiveSession[]> {
  const actor = ctx.actor;
  if (!actor) throw new UnauthenticatedError();
  const rows = await sessionsOfUserQuery(ctx.db, actor.id).select("sid", "sess");
  const now = ctx.now().getTime();
  const time = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  const iso = (v: unknown) => (time(v) === null ? null : new Date(time(v) ?? 0).toISOString());
  const list = rows
    .map((r): ActiveSession | null => {
      const sess = dbJson(r.sess) as StoredSession;
      if (sess.passport?.user !== actor.id) return null;
      const a = sess.activity ?? {};
      const signedInAt = time(a.signedInAt);
      const lastSeenAt = time(a.lastSeenAt);
      // A session the server would end at its next request is over already (the row stays until then).
      if (signedInAt !== null && lastSeenAt !== null && sessionEnded({ signedInAt, lastSeenAt }, actor.role, now, ctx.config.sessionLimits)) return null;
      return {
        handle: sessionHandle(r.sid), device: describeDevice(typeof a.userAgent === "string" ? a.userAgent : ""),
        ip: typeof a.ip === "string" ? a.ip : "", signedInAt: iso(a.signedInAt), lastSeenAt: iso(a.lastSeenAt), current: r.sid === currentSid,
      };
    })
    .filter((s): s is ActiveSession => s !== null);
  return list.sort((x, y) => Number(y.current) - Number(x.current) || (y.lastSeenAt ?? "").localeCompare(x.lastSeenAt ?? ""));
}

/**
 * Ends every session of a user, except the one given (the session of the person making the
 * change). For a password or second-factor change, and for "sign out everywhere else". Pass a
 * context whose db is the caller's transaction to end them in that transaction.
 */
export async function endSessionsOfUser(ctx: { db: Db | Trx }, userId: number, exceptSessionId?: string): Promise<number> {
  const q = sessionsOfUserQuery(ctx.db, userId);
  if (exceptSessionId !== undefined) void q.whereNot("sid", exceptSessionId);
  return q.delete();
}

export async function signOutOtherSessions(ctx: ServiceContext, currentSid: string): Promise<number> {
  const actor = ctx.actor;
  if (!actor) throw new UnauthenticatedError();
  return inTransaction(ctx, async (trx) => {
    const ended = await endSessionsOfUser({ db: trx }, actor.id, currentSid);
    await audit(trx, ctx, { action: "session.others-ended", entityType: "user", entityId: actor.id, after: { sessionsEnded: ended } });
    return ended;
  });
}

/** Ends one of the user's other sessions, named by its handle; another user's is not found. */
export async function signOutSession(ctx: ServiceContext, currentSid: string, handle: string): Promise<void> {
  const actor = ctx.actor;
  if (!actor) throw new UnauthenticatedError();
  await inTransaction(ctx, async (trx) => {
    const sids = (await sessionsOfUserQuery(trx, actor.id).select("sid")).map((r) => r.sid);
    const sid = sids.find((s) => sessionHandle(s) === handle && s !== currentSid);
    if (!sid) throw new NotFoundError("That session has already ended, or it is this one: use Sign out for this one.");
    await trx("sessions").where({ sid }).delete();
    await audit(trx, ctx, { action: "session.ended", entityType: "user", entityId: actor.id, after: { session: handle } });
  });
}
