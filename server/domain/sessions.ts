/*
 * When a signed-in session ends (OWASP ASVS V3.3): after a stretch without activity, shorter for
 * staff, who can move money and change who may do what, than for SME applicants writing an
 * application; and in any case a fixed time after signing in, however active.
 */

export interface SessionTimes {
  /** Epoch milliseconds. */
  signedInAt: number;
  lastSeenAt: number;
}

export interface SessionLimitsMs {
  staffIdleMs: number;
  applicantIdleMs: number;
  maxMs: number;
}

import { msg, type Message } from "./message";

/** `message` is shown on the sign-in page, in the reader's language. */
export type SessionEnd = { reason: "idle" | "max"; message: Message };

export function idleLimitMs(role: string, limits: SessionLimitsMs): number {
  return role === "applicant" ? limits.applicantIdleMs : limits.staffIdleMs;
}

/** Why the session has ended at `now`, or null while it is still valid. */
export function sessionEnded(times: SessionTimes, role: string, now: number, limits: SessionLimitsMs): SessionEnd | null {
  if (now - times.signedInAt >= limits.maxMs) {
    return { reason: "max", message: msg("errors:sessions.signedOutMax", { duration: durationInWords(limits.maxMs) }) };
  }
  const idle = idleLimitMs(role, limits);
  if (now - times.lastSeenAt >= idle) {
    return { reason: "idle", message: msg("errors:sessions.signedOutIdle", { duration: durationInWords(idle) }) };
  }
  return null;
}

/** "30 minutes", "2 hours", "1 hour 30 minutes", in the reader's language and plural rules. */
export function durationInWords(ms: number): Message {
  const total = Math.round(ms / 60_000);
  const h = Math.floor(total / 60);
  const m = total % 60;
  const minutes = msg("errors:sessions.minutes", { count: m });
  if (h === 0) return minutes;
  const hours = msg("errors:sessions.hours", { count: h });
  return m === 0 ? hours : msg("errors:sessions.hoursMinutes", { hours, minutes });
}
