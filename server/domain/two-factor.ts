import type { UserRole } from "../services/platform/context";

/*
 * Two-factor sign-in rules (TOTP, RFC 6238), as pure functions: who must use a second factor, how
 * wide the window of accepted codes is, how fresh a factor must be for a step-up, and how the
 * keys and recovery codes are written for people to read and type.
 */

/** Roles that approve, send or administer public money always need a second factor. */
export const ROLES_REQUIRING_SECOND_FACTOR: readonly UserRole[] = ["manager", "finance", "admin"];

export function secondFactorRequired(role: UserRole): boolean {
  return ROLES_REQUIRING_SECOND_FACTOR.includes(role);
}

export const TOTP = {
  /** RFC 6238's default step, which every authenticator app uses. */
  periodSeconds: 30,
  digits: 6,
  /** One step either side: a phone clock a little off still works, a code read a minute ago does not. */
  windowSteps: 1,
  recoveryCodes: 10,
  /** A half-finished sign-in (password given, code not yet) is forgotten after this long. */
  pendingSignInMinutes: 10,
  /** Default freshness of the second factor for money and role changes (configurable). */
  stepUpMinutes: 5,
} as const;

const CLOCK_SKEW_MS = 60_000;

/** Whether a second factor confirmed at `verifiedAt` still covers a step-up at `now`. */
export function stepUpFresh(verifiedAt: string | undefined, now: Date, minutes: number): boolean {
  if (!verifiedAt) return false;
  const at = Date.parse(verifiedAt);
  if (Number.isNaN(at)) return false;
  const age = now.getTime() - at;
  // Another app server's clock may run a little ahead; a factor from further "in the future" is no proof of anything.
  return age >= -CLOCK_SKEW_MS && age <= minutes * 60_000;
}

/** Whether a pending sign-in started at `startedAt` may still be completed at `now`. */
export function pendingSignInAlive(startedAt: string, now: Date): boolean {
  return stepUpFresh(startedAt, now, TOTP.pendingSignInMinutes);
}

/** What the user typed, without spaces or hyphens (apps show "123 456", codes are printed in groups). */
export function normaliseCode(input: string): string {
  return input.replace(/[\s-]/g, "").toUpperCase();
}

/** Six digits: a code from the app; anything else is tried as a recovery code. */
export function isTotpCode(normalised: string): boolean {
  return new RegExp(`^\\d{${TOTP.digits}}$`).test(normalised);
}

/** A base32 key in groups of four, the way it is read aloud or typed into an app by hand. */
export function groupKey(key: string, size = 4): string {
  return (key.match(new RegExp(`.{1,${size}}`, "g")) ?? []).join(" ");
}
