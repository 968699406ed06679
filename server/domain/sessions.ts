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

export type SessionEnd = { reason: "idle" | "max"; message: string };

export function idleLimitMs(role: string, limits: SessionLimitsMs): number {
  return role === "applicant" ? limits.applicantIdleMs : limits.staffIdleMs;
}

/** Why the session has ended at `now`, or null while it is still valid. */
export function sessionEnded(times: SessionTimes, role: string, now: number, limits: SessionLimitsMs): SessionEnd | null {
  if (now - times.signedInAt >= limits.maxMs) {
    return { reason: "max", message: `You were signed out because you had been signed in for ${durationInWords(limits.maxMs)}. Please sign in again.` };
  }
  const idle = idleLimitMs(role, limits);
  if (now - times.lastSeenAt >= idle) {
    return { reason: "idle", message: `You were signed out after ${durationInWords(idle)} without activity. Please sign in again.` };
  }
  return null;
}

/** "30 minutes", "2 hours", "1 hour 30 minutes". */
export function durationInWords(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (h === 0) return part(m, "minute");
  return m === 0 ? part(h, "hour") : `${part(h, "hour")} ${part(m, "minute")}`;
}
