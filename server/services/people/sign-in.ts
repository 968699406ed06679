import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import { msg } from "../../domain/message";
import { SIGN_IN_THROTTLE, signInWaitSeconds, type SignInHistory, waitText } from "../../domain/throttle";
import { TooManyRequestsError } from "../../errors";
import { toLoginAttempt } from "../../db/tables/login-attempts";
import { audit } from "../platform/audit";
import type { Actor, ServiceContext } from "../platform/context";
import { inTransaction, insertedId, nowIso } from "../platform/context";
import { loadActor } from "./user-queries";

// Verifying against this when the e-mail is unknown (or the account inactive) costs the same as a
// real check, so the answer's timing does not tell which addresses have accounts.
const dummyHash: Promise<string> = hash(randomBytes(18).toString("base64url"));

async function signInHistory(ctx: ServiceContext, email: string, ip: string): Promise<SignInHistory> {
  const now = ctx.now().getTime();
  const pairSince = new Date(now - SIGN_IN_THROTTLE.pairWindowMinutes * 60_000).toISOString();
  const addressSince = new Date(now - SIGN_IN_THROTTLE.addressWindowMinutes * 60_000).toISOString();
  const pair = (await ctx.db("login_attempts").where({ email, ip }).andWhere("at", ">=", pairSince).orderBy("id", "asc").select("at", "succeeded"))
    .map(toLoginAttempt);
  const lastSuccess = pair.map((a) => a.succeeded).lastIndexOf(true);
  const address = (await ctx.db("login_attempts").where({ ip, succeeded: false }).andWhere("at", ">=", addressSince).select("at", "succeeded"))
    .map(toLoginAttempt);
  return {
    pairFailures: pair.slice(lastSuccess + 1).map((a) => a.at),
    addressFailures: address.map((a) => a.at),
  };
}

/**
 * Checks e-mail and password, throttled per account and address (server/domain/throttle.ts), and
 * logs every attempt. Returns null for a wrong e-mail or password (the caller shows one message
 * for both, so the form does not reveal which accounts exist).
 */
export async function authenticate(ctx: ServiceContext, emailInput: string, password: string, ip: string): Promise<Actor | null> {
  const email = emailInput.trim().toLowerCase();
  const wait = signInWaitSeconds(await signInHistory(ctx, email, ip), ctx.now());
  if (wait > 0) {
    await inTransaction(ctx, async (trx) => {
      await audit(trx, { ...ctx, actor: null }, { action: "login.throttled", entityType: "login", entityId: email, after: { ip, retryAfterSeconds: wait } });
    });
    throw new TooManyRequestsError(msg("errors:people.tooManySignIns", { wait: waitText(wait) }), wait);
  }
  // Recorded as a failure before the (slow) password check, so that guesses sent in parallel
  // count against each other; a success turns it into one below.
  const attemptId = insertedId((await ctx.db("login_attempts").insert({ email, ip, succeeded: false, at: nowIso(ctx) }).returning("id"))[0]);
  const user = await ctx.db("users").whereRaw("lower(email) = ?", [email]).first("id", "password_hash", "active");
  const matches = await verify(user?.password_hash ?? (await dummyHash), password).catch(() => false);
  const signedIn = matches && user && user.active ? user : null;
  await inTransaction(ctx, async (trx) => {
    if (signedIn) await trx("login_attempts").where({ id: attemptId }).update({ succeeded: true });
    await audit(trx, { ...ctx, actor: null }, {
      action: signedIn ? "login.succeeded" : "login.failed",
      entityType: "user",
      entityId: user ? user.id : null,
      after: { email, ip },
    });
  });
  return signedIn ? loadActor(ctx.db, signedIn.id) : null;
}
