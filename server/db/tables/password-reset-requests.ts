import type { PasswordResetRequestsRow } from "./rows";

/** One request for a password-reset link, counted per e-mail and per client address (server/domain/throttle.ts). */
export interface PasswordResetRequest { email: string; ip: string; at: string }

export function toPasswordResetRequest(row: PasswordResetRequestsRow): PasswordResetRequest {
  return { email: row.email, ip: row.ip, at: row.at };
}
