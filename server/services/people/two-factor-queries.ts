import type { Db } from "../../db/connection";
import { dbInt } from "../../db/tables/values";

export interface SecondFactorState {
  enrolled: boolean;
  confirmedAt: string | null;
  recoveryCodesLeft: number;
}

/** Whether a user has a confirmed second factor, and how many recovery codes remain. */
export async function secondFactorState(db: Db, userId: number): Promise<SecondFactorState> {
  const row = await db("user_second_factors").where({ user_id: userId }).whereNotNull("confirmed_at").first("confirmed_at");
  const left = await db("recovery_codes").where({ user_id: userId }).whereNull("used_at").count({ n: "*" }).first();
  return { enrolled: Boolean(row), confirmedAt: row?.confirmed_at ?? null, recoveryCodesLeft: row ? dbInt(left?.n) : 0 };
}

/** Which of these users have a confirmed second factor, for a page of the administrators' user list. */
export async function usersWithSecondFactor(db: Db, userIds: readonly number[]): Promise<Set<number>> {
  if (!userIds.length) return new Set();
  const rows = await db("user_second_factors").whereIn("user_id", userIds).whereNotNull("confirmed_at").select("user_id");
  return new Set(rows.map((r) => dbInt(r.user_id)));
}
