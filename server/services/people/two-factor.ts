import { createHash, randomBytes } from "node:crypto";
import { generateSecret, generateURI, verifySync } from "otplib";
import { isUniqueViolation } from "../../db/connection";
import { msg } from "../../domain/message";
import { signInWaitSeconds, SIGN_IN_THROTTLE, type SignInHistory, waitText } from "../../domain/throttle";
import { groupKey, isTotpCode, normaliseCode, TOTP } from "../../domain/two-factor";
import { ConflictError, ForbiddenError, NotFoundError, TooManyRequestsError, ValidationError } from "../../errors";
import { toLoginAttempt } from "../../db/tables/login-attempts";
import { audit } from "../platform/audit";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction, insertedId, nowIso } from "../platform/context";
import { endSessionsOfUser } from "./sessions";
import { openKey, sealKey } from "./two-factor-keys";

/*
 * Two-factor sign-in: enrolment, checking a code (at sign-in and for a step-up), recovery codes,
 * switching it off (applicants only) and an administrator's reset. The rules (who needs it, the
 * window, freshness) are in server/domain/two-factor.ts; reading the state is in
 * ./two-factor-queries.ts.
 *
 * Recovery codes are 16 random characters from a 32-letter alphabet (80 bits), so a plain SHA-256
 * is enough to store them: nobody can try 2^80 guesses against a stolen hash, which is what the
 * slow password hash (argon2) guards against for the low-entropy passwords people choose. A plain
 * hash also lets one indexed, conditional UPDATE find and use up a code, so two requests carrying
 * the same code cannot both succeed.
 */

const ISSUER = "Voucherdesk";
const RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const RECOVERY_LENGTH = 16;

type Purpose = "sign-in" | "step-up" | "disable";

export interface Enrolment {
  /** The base32 key, for typing into an app by hand. */
  key: string;
  groupedKey: string;
  uri: string;
  /** The otpauth URI as a QR code, an SVG document made on the server. */
  qrSvg: string;
}

function recoveryCode(): string {
  // 32 letters divide 256 evenly, so masking each byte keeps every letter equally likely.
  const chars = [...randomBytes(RECOVERY_LENGTH)].map((b) => RECOVERY_ALPHABET.charAt(b & 31)).join("");
  return groupKey(chars).replace(/ /g, "-");
}

function hashRecoveryCode(normalised: string): string {
  return createHash("sha256").update(normalised).digest("hex");
}

/** The time step a code matches at `now` (± one step), or null. */
function matchingStep(key: string, code: string, now: Date): number | null {
  const result = verifySync({ secret: key, token: code, epoch: Math.floor(now.getTime() / 1000), epochTolerance: TOTP.windowSteps * TOTP.periodSeconds });
  return result.valid && "timeStep" in result ? result.timeStep : null;
}

async function codeHistory(ctx: ServiceContext, userId: number, ip: string): Promise<SignInHistory> {
  const now = ctx.now().getTime();
  const userSince = new Date(now - SIGN_IN_THROTTLE.pairWindowMinutes * 60_000).toISOString();
  const addressSince = new Date(now - SIGN_IN_THROTTLE.addressWindowMinutes * 60_000).toISOString();
  const mine = (await ctx.db("second_factor_attempts").where({ user_id: userId }).andWhere("at", ">=", userSince).orderBy("id", "asc").select("at", "succeeded"))
    .map(toLoginAttempt);
  const lastSuccess = mine.map((a) => a.succeeded).lastIndexOf(true);
  const address = (await ctx.db("second_factor_attempts").where({ ip, succeeded: false }).andWhere("at", ">=", addressSince).select("at", "succeeded"))
    .map(toLoginAttempt);
  // Counted per account whatever the address: whoever is typing codes already has the password.
  return { pairFailures: mine.slice(lastSuccess + 1).map((a) => a.at), addressFailures: address.map((a) => a.at) };
}

/**
 * The sign-in throttle (server/domain/throttle.ts) applied to codes. The attempt is recorded as a
 * failure before the check, so guesses sent in parallel count against each other; a success
 * turns it into one. Returns the attempt's id.
 */
async function throttledAttempt(ctx: ServiceContext, userId: number, ip: string): Promise<number> {
  const wait = signInWaitSeconds(await codeHistory(ctx, userId, ip), ctx.now());
  if (wait > 0) {
    await inTransaction(ctx, async (trx) => {
      await audit(trx, ctx, { action: "two-factor.throttled", entityType: "user", entityId: userId, after: { ip, retryAfterSeconds: wait } });
    });
    throw new TooManyRequestsError(msg("errors:people.tooManyCodes", { wait: waitText(wait) }), wait);
  }
  return insertedId((await ctx.db("second_factor_attempts").insert({ user_id: userId, ip, succeeded: false, at: nowIso(ctx) }).returning("id"))[0]);
}

async function refuse(ctx: ServiceContext, userId: number, purpose: Purpose, ip: string, reason: "wrong" | "replayed"): Promise<never> {
  await inTransaction(ctx, async (trx) => {
    await audit(trx, ctx, { action: "two-factor.failed", entityType: "user", entityId: userId, after: { purpose, reason, ip } });
  });
  throw new ValidationError(msg("errors:people.codeNotAccepted"), {
    code: reason === "replayed" ? msg("errors:people.codeReplayed") : msg("errors:people.codeWrongOrRecovery"),
  }, reason === "replayed" ? "code_replayed" : "code_wrong");
}

function unreadableKey(): ConflictError {
  return new ConflictError(
    msg("errors:people.keyUnreadable"),
    "second_factor_unreadable",
  );
}

/** Records the step; false when it was used before (a replay), also by a request at the same moment. */
async function useStep(trx: Trx, userId: number, step: number): Promise<boolean> {
  try {
    // A savepoint, so that on PostgreSQL the refused insert does not abort the whole transaction.
    await trx.transaction(async (inner) => {
      await inner("second_factor_used_steps").insert({ user_id: userId, time_step: step });
    });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/**
 * Checks a code from the app or a recovery code of a user whose second factor is set up. Throws a
 * ValidationError (field `code`) when it is wrong or replayed, a TooManyRequestsError when
 * throttled. Each outcome is audited.
 */
export async function verifySecondFactor(ctx: ServiceContext, userId: number, input: string, ip: string, purpose: Purpose): Promise<{ usedRecoveryCode: boolean }> {
  const attemptId = await throttledAttempt(ctx, userId, ip);
  const factor = await ctx.db("user_second_factors").where({ user_id: userId }).whereNotNull("confirmed_at").first("secret");
  if (!factor) throw new ConflictError(msg("errors:people.twoFactorMissing"), "second_factor_missing");
  const code = normaliseCode(input);

  if (isTotpCode(code)) {
    const key = openKey(ctx, factor.secret);
    if (key === null) throw unreadableKey();
    const step = matchingStep(key, code, ctx.now());
    if (step === null) return refuse(ctx, userId, purpose, ip, "wrong");
    const fresh = await inTransaction(ctx, async (trx) => {
      if (!(await useStep(trx, userId, step))) return false;
      // Steps older than the window can never match again; keep the table small.
      await trx("second_factor_used_steps").where({ user_id: userId }).andWhere("time_step", "<", step - 4 * TOTP.windowSteps).del();
      await trx("second_factor_attempts").where({ id: attemptId }).update({ succeeded: true });
      await audit(trx, ctx, { action: "two-factor.succeeded", entityType: "user", entityId: userId, after: { purpose, ip } });
      return true;
    });
    if (!fresh) return refuse(ctx, userId, purpose, ip, "replayed");
    return { usedRecoveryCode: false };
  }

  const used = await inTransaction(ctx, async (trx) => {
    const n = await trx("recovery_codes").where({ user_id: userId, code_hash: hashRecoveryCode(code) }).whereNull("used_at").update({ used_at: nowIso(ctx) });
    if (n !== 1) return false;
    await trx("second_factor_attempts").where({ id: attemptId }).update({ succeeded: true });
    const left = await trx("recovery_codes").where({ user_id: userId }).whereNull("used_at").count({ n: "*" }).first();
    await audit(trx, ctx, { action: "two-factor.recovery-code-used", entityType: "user", entityId: userId, after: { purpose, ip, recoveryCodesLeft: Number(left?.n ?? 0) } });
    return true;
  });
  if (!used) return refuse(ctx, userId, purpose, ip, "wrong");
  return { usedRecoveryCode: true };
}

/**
 * The key to scan while enrolling, sealed for the caller to keep (in the session) until a code
 * confirms it: a key is stored only once it is confirmed, so an abandoned enrolment leaves
 * nothing behind. Given the sealed key of an earlier view, the same key is shown again.
 */
export async function enrolmentFor(ctx: ServiceContext, user: { id: number; email: string }, sealedPending?: string): Promise<Enrolment & { sealed: string }> {
  if (await ctx.db("user_second_factors").where({ user_id: user.id }).first("user_id")) {
    throw new ConflictError(msg("errors:people.twoFactorExists"), "second_factor_exists");
  }
  const earlier = sealedPending ? openKey(ctx, sealedPending) : null;
  const key = earlier ?? generateSecret();
  const uri = generateURI({ issuer: ISSUER, label: user.email, secret: key });
  // Loaded on first enrolment rather than with every server start.
  const { default: QRCode } = await import("qrcode");
  const qrSvg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2, width: 200 });
  return { key, groupedKey: groupKey(key), uri, qrSvg, sealed: earlier ? (sealedPending ?? sealKey(ctx, key)) : sealKey(ctx, key) };
}

async function replaceRecoveryCodes(trx: Trx, userId: number): Promise<string[]> {
  const codes = Array.from({ length: TOTP.recoveryCodes }, recoveryCode);
  await trx("recovery_codes").where({ user_id: userId }).del();
  await trx("recovery_codes").insert(codes.map((c) => ({ user_id: userId, code_hash: hashRecoveryCode(normaliseCode(c)), used_at: null })));
  return codes;
}

/**
 * Confirms enrolment with a first code from the key shown (`sealed`, from enrolmentFor); returns
 * the ten recovery codes, which exist in plain text only in this answer.
 */
export async function confirmEnrolment(ctx: ServiceContext, userId: number, sealed: string | undefined, input: string, ip: string, keepSessionId: string): Promise<string[]> {
  const key = sealed ? openKey(ctx, sealed) : null;
  if (!sealed || key === null) throw new ConflictError(msg("errors:people.setupExpired"), "second_factor_setup_expired");
  const attemptId = await throttledAttempt(ctx, userId, ip);
  const code = normaliseCode(input);
  const step = isTotpCode(code) ? matchingStep(key, code, ctx.now()) : null;
  if (step === null) {
    await inTransaction(ctx, async (trx) => {
      await audit(trx, ctx, { action: "two-factor.failed", entityType: "user", entityId: userId, after: { purpose: "enrolment", reason: "wrong", ip } });
    });
    throw new ValidationError(msg("errors:people.codeNotAccepted"), { code: msg("errors:people.codeWrong") }, "code_wrong");
  }
  return inTransaction(ctx, async (trx) => {
    try {
      await trx.transaction(async (inner) => {
        await inner("user_second_factors").insert({ user_id: userId, secret: sealed, created_at: nowIso(ctx), confirmed_at: nowIso(ctx) });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(msg("errors:people.twoFactorExists"), "second_factor_exists");
      throw err;
    }
    await useStep(trx, userId, step);
    await trx("second_factor_attempts").where({ id: attemptId }).update({ succeeded: true });
    const codes = await replaceRecoveryCodes(trx, userId);
    await audit(trx, ctx, { action: "two-factor.enrolled", entityType: "user", entityId: userId, after: { ip, recoveryCodes: codes.length } });
    // A session opened before the second factor existed never proved it: only this one stays.
    await endSessionsOfUser({ db: trx }, userId, keepSessionId);
    return codes;
  });
}

/**
 * Enrols a user with a key chosen by the caller, without a code: for the demo data only, whose
 * keys are published in the README so that anyone can try the demo.
 */
export async function enrolWithKnownKey(trx: Trx, ctx: ServiceContext, userId: number, key: string): Promise<void> {
  await trx("user_second_factors").insert({ user_id: userId, secret: sealKey(ctx, key), created_at: nowIso(ctx), confirmed_at: nowIso(ctx) });
  await audit(trx, ctx, { action: "two-factor.enrolled", entityType: "user", entityId: userId, after: { demoKey: true } });
}

/** An applicant switches the optional second factor off, proving it with a current code. */
export async function disableSecondFactor(ctx: ServiceContext, userId: number, role: string, input: string, ip: string, keepSessionId: string): Promise<void> {
  if (role !== "applicant") throw new ForbiddenError(msg("errors:people.twoFactorRequired"), "second_factor_required");
  await verifySecondFactor(ctx, userId, input, ip, "disable");
  await inTransaction(ctx, async (trx) => {
    await removeSecondFactor(trx, userId);
    await audit(trx, ctx, { action: "two-factor.disabled", entityType: "user", entityId: userId });
    // Changing how the account signs in ends its other sessions, as a password change does.
    await endSessionsOfUser({ db: trx }, userId, keepSessionId);
  });
}

async function removeSecondFactor(trx: Trx, userId: number): Promise<boolean> {
  await trx("recovery_codes").where({ user_id: userId }).del();
  await trx("second_factor_used_steps").where({ user_id: userId }).del();
  return (await trx("user_second_factors").where({ user_id: userId }).del()) > 0;
}

/**
 * An administrator resets another user's second factor (a lost phone): key and recovery codes are
 * deleted and the user's sessions end, so the next sign-in enrols again. Never one's own: an
 * attacker holding an administrator's password alone must not be able to drop that account's
 * second factor.
 */
export async function resetSecondFactor(ctx: ServiceContext, userId: number): Promise<void> {
  if (ctx.actor?.role !== "admin") throw new ForbiddenError(msg("errors:people.resetAdminOnly"));
  if (ctx.actor.id === userId) {
    throw new ConflictError(msg("errors:people.resetOwn"), "own_second_factor");
  }
  await inTransaction(ctx, async (trx) => {
    const user = await trx("users").where({ id: userId }).first("id", "email");
    if (!user) throw new NotFoundError();
    const had = await removeSecondFactor(trx, userId);
    await audit(trx, ctx, { action: "two-factor.reset", entityType: "user", entityId: userId, after: { email: user.email, hadSecondFactor: had } });
    await endSessionsOfUser({ db: trx }, userId);
  });
}
