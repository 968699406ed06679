import { msg, type Message } from "./message";

/*
 * Throttling of sign-in and password-reset requests. Pure arithmetic over recorded attempts; the
 * services read the attempts from the database (so several app servers share them) and apply
 * these answers.
 *
 * Sign-in. A hard lock per account lets anyone lock anyone out, and a low lock per address locks
 * a whole office behind one NAT address. So:
 * - failures are counted per account AND address together: a guesser slows down only their own
 *   pair, and the owner signing in from their own address is not affected;
 * - after a few free failures each further failure doubles the wait ("try again in N seconds"),
 *   capped, instead of a fixed 15-minute lock;
 * - an address alone has a much higher ceiling (many accounts guessed from one place), after
 *   which its wait grows the same way.
 * A success of the pair starts its count again.
 */

export const SIGN_IN_THROTTLE = {
  /** Failures of one account from one address counted back this far. */
  pairWindowMinutes: 60,
  /** Failures of one account from one address before any wait. */
  pairFreeFailures: 3,
  /** Failures from one address (any accounts) within the address window before any wait. */
  addressCeiling: 30,
  addressWindowMinutes: 15,
  /** The first wait; each further failure doubles it up to the cap. */
  baseDelaySeconds: 5,
  maxDelaySeconds: 15 * 60,
} as const;

export interface SignInHistory {
  /** Failed attempts of this account from this address since its last success, within the pair window. */
  pairFailures: Date[];
  /** Failed attempts from this address for any account, within the address window. */
  addressFailures: Date[];
}

/** The wait after `failures` failures with `free` of them free of charge; 0 when none. */
export function growingDelaySeconds(failures: number, free: number): number {
  if (failures < free) return 0;
  const { baseDelaySeconds, maxDelaySeconds } = SIGN_IN_THROTTLE;
  // 2^n grows past the cap quickly; stop exponentiating before it overflows.
  const doublings = Math.min(failures - free, 30);
  return Math.min(maxDelaySeconds, baseDelaySeconds * 2 ** doublings);
}

function waitFrom(failures: Date[], free: number, now: Date): number {
  const delay = growingDelaySeconds(failures.length, free);
  if (delay === 0) return 0;
  const last = Math.max(...failures.map((d) => d.getTime()));
  const remainingMs = last + delay * 1000 - now.getTime();
  return remainingMs > 0 ? Math.ceil(remainingMs / 1000) : 0;
}

/** Seconds the next attempt must wait, or 0 if it may go ahead now. */
export function signInWaitSeconds(history: SignInHistory, now: Date): number {
  return Math.max(
    waitFrom(history.pairFailures, SIGN_IN_THROTTLE.pairFreeFailures, now),
    waitFrom(history.addressFailures, SIGN_IN_THROTTLE.addressCeiling, now),
  );
}

/** "45 seconds", "3 minutes": how long to wait, rounded up, in the reader's language where it is shown. */
export function waitText(seconds: number): Message {
  return seconds < 90 ? msg("errors:people.waitSeconds", { count: seconds }) : msg("errors:people.waitMinutes", { count: Math.ceil(seconds / 60) });
}

/*
 * Password reset. Each request may queue an e-mail, so one address must not be flooded and one
 * visitor must not flood many. Requests past a limit are answered like any other (the page never
 * says whether an account exists) but queue nothing and are not counted, so that a flood does not
 * keep the owner's own request blocked once the window has passed.
 */
export const PASSWORD_RESET_LIMITS = {
  windowMinutes: 60,
  perEmail: 3,
  perAddress: 10,
} as const;

export function passwordResetAllowed(recent: { forEmail: number; fromAddress: number }): { ok: true } | { ok: false; reason: "email" | "address" } {
  if (recent.forEmail >= PASSWORD_RESET_LIMITS.perEmail) return { ok: false, reason: "email" };
  if (recent.fromAddress >= PASSWORD_RESET_LIMITS.perAddress) return { ok: false, reason: "address" };
  return { ok: true };
}
