import { createHash, randomBytes } from "node:crypto";
import { ConflictError, NotFoundError, TooManyRequestsError, ValidationError } from "../../errors";
import { dayTime, msg } from "../../domain/message";
import { passwordResetAllowed, PASSWORD_RESET_LIMITS } from "../../domain/throttle";
import { isPostgres } from "../../db/connection";
import { toUserToken, type TokenPurpose } from "../../db/tables/user-tokens";
import { dbInt } from "../../db/tables/values";
import { audit } from "../platform/audit";
import { createOnce } from "../platform/form-keys";
import { inTransaction, nowIso, type ServiceContext, type Trx } from "../platform/context";
import { queueEmail } from "../platform/mail";
import { endSessions, hashPassword, insertUser, MIN_PASSWORD_LENGTH } from "./users";

/*
 * One-time links sent by e-mail: confirming the address, resetting a password, joining a
 * colleague's company. Each link is used once and expires.
 */

export type { TokenPurpose };
export const TOKEN_HOURS: Record<TokenPurpose, number> = { confirm: 72, reset: 1, invite: 168 };

const tokenHash = (raw: string) => createHash("sha256").update(raw).digest("hex");

/** Only the hash is stored, so a copy of the database holds no usable links. */
export async function issueToken(trx: Trx, ctx: ServiceContext, userId: number, purpose: TokenPurpose): Promise<string> {
  const raw = randomBytes(32).toString("base64url");
  const expires = new Date(ctx.now().getTime() + TOKEN_HOURS[purpose] * 3_600_000).toISOString();
  await trx("user_tokens").insert({ user_id: userId, purpose, token_hash: tokenHash(raw), expires_at: expires });
  return raw;
}

const INVALID_LINK = msg("errors:people.linkInvalid");

/**
 * Whether a link can still be used, read without using it: the page behind a dead link says so
 * at once, instead of after the visitor has chosen a new password.
 */
export async function linkUsable(ctx: ServiceContext, raw: string, purpose: TokenPurpose): Promise<boolean> {
  const row = await ctx.db("user_tokens").where({ token_hash: tokenHash(raw), purpose }).first();
  const token = row ? toUserToken(row) : null;
  return !!token && !token.usedAt && token.expiresAt > nowIso(ctx);
}

/** Marks the token used (once, even with two clicks at the same moment) and returns its user. */
async function consumeToken(trx: Trx, ctx: ServiceContext, raw: string, purpose: TokenPurpose): Promise<number> {
  const row = await trx("user_tokens").where({ token_hash: tokenHash(raw), purpose }).first();
  const token = row ? toUserToken(row) : null;
  if (!token || token.usedAt || token.expiresAt <= nowIso(ctx)) throw new ValidationError(INVALID_LINK, {}, "token_invalid");
  const used = await trx("user_tokens").where({ id: token.id }).whereNull("used_at").update({ used_at: nowIso(ctx) });
  if (used !== 1) throw new ValidationError(INVALID_LINK, {}, "token_invalid");
  return token.userId;
}

/** At most one new confirmation link per this many minutes, and RESEND_PER_DAY a day. */
export const RESEND_INTERVAL_MINUTES = 10;
export const RESEND_PER_DAY = 5;

/**
 * Sends the signed-in applicant a new confirmation link. Limited per account in the database (so
 * it holds across app servers): a link's issue time is its expiry minus its validity.
 */
export async function resendConfirmation(ctx: ServiceContext): Promise<void> {
  const actor = ctx.actor;
  if (!actor || actor.role !== "applicant") throw new NotFoundError();
  await inTransaction(ctx, async (trx) => {
    const user = await trx("users").where({ id: actor.id }).first("email", "name", "email_confirmed_at");
    if (!user) throw new NotFoundError();
    if (user.email_confirmed_at) throw new ConflictError(msg("errors:people.alreadyConfirmed"), "already_confirmed");
    const validityMs = TOKEN_HOURS.confirm * 3_600_000;
    const issued = (await trx("user_tokens").where({ user_id: actor.id, purpose: "confirm" }).select("expires_at"))
      .map((t) => new Date(t.expires_at).getTime() - validityMs);
    const now = ctx.now().getTime();
    const last = Math.max(-Infinity, ...issued);
    if (now - last < RESEND_INTERVAL_MINUTES * 60_000) {
      const next = dayTime(new Date(last + RESEND_INTERVAL_MINUTES * 60_000).toISOString(), ctx.config.timeZone);
      throw new TooManyRequestsError(msg("errors:people.linkSentRecently", { minutes: RESEND_INTERVAL_MINUTES, next }));
    }
    if (issued.filter((t) => now - t < 86_400_000).length >= RESEND_PER_DAY) {
      throw new TooManyRequestsError(msg("errors:people.linksPerDay", { count: RESEND_PER_DAY }));
    }
    const token = await issueToken(trx, ctx, actor.id, "confirm");
    const company = actor.companyId ? await trx("companies").where({ id: actor.companyId }).first("legal_name") : null;
    await queueEmail(trx, ctx, user.email, "account-confirmation", {
      name: user.name, companyName: company?.legal_name ?? "your company", link: `${ctx.config.baseUrl}/confirm/${token}`, hours: TOKEN_HOURS.confirm,
    });
    await audit(trx, ctx, { action: "user.confirmation-resent", entityType: "user", entityId: actor.id });
  });
}

export async function confirmEmail(ctx: ServiceContext, raw: string): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    const userId = await consumeToken(trx, ctx, raw, "confirm");
    await trx("users").where({ id: userId }).whereNull("email_confirmed_at").update({ email_confirmed_at: nowIso(ctx) });
    await audit(trx, ctx, { action: "user.email-confirmed", entityType: "user", entityId: userId });
  });
}

/**
 * Always answers the same, so the form does not reveal which addresses have accounts. Past the
 * limits per e-mail and per client address (server/domain/throttle.ts) nothing is queued.
 */
export async function requestPasswordReset(ctx: ServiceContext, emailInput: string, ip: string): Promise<void> {
  const email = emailInput.trim().toLowerCase();
  await inTransaction(ctx, async (trx) => {
    // Counting then inserting is only safe one request at a time; resets are rare, so on
    // PostgreSQL they simply queue behind one lock (SQLite's transactions already take turns).
    if (isPostgres(trx)) await trx.raw("select pg_advisory_xact_lock(hashtext('voucherdesk.password-reset'))");
    const since = new Date(ctx.now().getTime() - PASSWORD_RESET_LIMITS.windowMinutes * 60_000).toISOString();
    const recent = async (column: "email" | "ip", value: string) =>
      dbInt((await trx("password_reset_requests").where(column, value).andWhere("at", ">=", since).count({ n: "*" }).first())?.n);
    const allowed = passwordResetAllowed({ forEmail: await recent("email", email), fromAddress: await recent("ip", ip) });
    if (!allowed.ok) {
      await audit(trx, { ...ctx, actor: null }, { action: "user.password-reset-throttled", entityType: "password-reset", entityId: email, after: { ip, limit: allowed.reason } });
      return;
    }
    await trx("password_reset_requests").insert({ email, ip, at: nowIso(ctx) });
    const user = await trx("users").whereRaw("lower(email) = ?", [email]).andWhere({ active: true }).first("id", "name", "email");
    if (!user) return;
    const token = await issueToken(trx, ctx, user.id, "reset");
    await queueEmail(trx, ctx, user.email, "password-reset", { name: user.name, link: `${ctx.config.baseUrl}/password-reset/${token}`, hours: TOKEN_HOURS.reset });
    await audit(trx, ctx, { action: "user.password-reset-requested", entityType: "user", entityId: user.id });
  });
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(msg("errors:input.summary"), { password: msg("errors:input.passwordTooShort", { min: MIN_PASSWORD_LENGTH }) });
  }
}

export async function resetPassword(ctx: ServiceContext, raw: string, password: string): Promise<void> {
  checkPassword(password);
  const hash = await hashPassword(password);
  await inTransaction(ctx, async (trx) => {
    const userId = await consumeToken(trx, ctx, raw, "reset");
    await trx("users").where({ id: userId }).update({ password_hash: hash });
    // Whoever knew the old password is signed out everywhere.
    await endSessions(trx, userId);
    await audit(trx, ctx, { action: "user.password-reset", entityType: "user", entityId: userId });
  });
}

/** `formKey` (formKeyOf): the form sent twice invites once, and the second sending is told it was sent. */
export async function inviteColleague(ctx: ServiceContext, emailInput: string, name: string, formKey: string | null = null): Promise<void> {
  const inviter = ctx.actor;
  const companyId = inviter?.role === "applicant" ? inviter.companyId : null;
  if (!inviter || !companyId) throw new NotFoundError();
  await inTransaction(ctx, (trx) => createOnce(trx, ctx, formKey, "invitation", { email: emailInput, name }, async () => {
    const company = await trx("companies").where({ id: companyId }).first("legal_name");
    if (!company) throw new NotFoundError();
    // A random password nobody knows until the invitation sets one.
    const userId = await insertUser(trx, ctx, { email: emailInput, name, password: randomBytes(24).toString("base64url"), role: "applicant", companyId, emailConfirmed: false });
    const token = await issueToken(trx, ctx, userId, "invite");
    await queueEmail(trx, ctx, emailInput.trim().toLowerCase(), "invitation", {
      name: name.trim(), inviter: inviter.name, companyName: company.legal_name, link: `${ctx.config.baseUrl}/invite/${token}`, days: TOKEN_HOURS.invite / 24,
    });
    return userId;
  }));
}

export async function acceptInvitation(ctx: ServiceContext, raw: string, password: string): Promise<number> {
  checkPassword(password);
  const hash = await hashPassword(password);
  return inTransaction(ctx, async (trx) => {
    const userId = await consumeToken(trx, ctx, raw, "invite");
    // Following the e-mailed link proves the address.
    await trx("users").where({ id: userId }).update({ password_hash: hash, email_confirmed_at: nowIso(ctx) });
    await audit(trx, ctx, { action: "user.invitation-accepted", entityType: "user", entityId: userId });
    return userId;
  });
}
