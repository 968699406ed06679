import type { LoginAttemptsRow } from "./rows";
import { dbBool } from "./values";

/** One sign-in attempt as the throttle (server/domain/throttle.ts) counts it. */
export interface LoginAttempt { at: Date; succeeded: boolean }

export function toLoginAttempt(row: Pick<LoginAttemptsRow, "at" | "succeeded">): LoginAttempt {
  return { at: new Date(row.at), succeeded: dbBool(row.succeeded) };
}
