import type { UserTokensRow } from "./rows";

/** What a one-time link (e-mail confirmation, password reset, invitation) is for. */
export type TokenPurpose = "confirm" | "reset" | "invite";

export interface UserToken { id: number; userId: number; purpose: TokenPurpose; expiresAt: string; usedAt: string | null }

function toTokenPurpose(value: string): TokenPurpose {
  if (value === "confirm" || value === "reset" || value === "invite") return value;
  throw new Error(`user_tokens.purpose holds an unknown purpose: ${value}`);
}

/** The stored hash stays in the table: a token is looked up by it, never read back. */
export function toUserToken(row: UserTokensRow): UserToken {
  return { id: row.id, userId: row.user_id, purpose: toTokenPurpose(row.purpose), expiresAt: row.expires_at, usedAt: row.used_at };
}
