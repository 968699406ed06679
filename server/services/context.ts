import type { Knex } from "knex";
import type { Config } from "../config";
import type { Db } from "../db/connection";
import { isPostgres } from "../db/connection";

export type UserRole = "applicant" | "manager" | "finance" | "admin";

/** The signed-in person on whose behalf a service acts. */
export interface Actor {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  companyId: number | null;
  partnerId: number | null;
  regionId: number | null;
}

/** Everything a use case needs besides its input; tests build one with a fixed clock. */
export interface ServiceContext {
  db: Db;
  config: Pick<Config, "timeZone" | "baseUrl" | "mail" | "sepaDebtor" | "dataDir">;
  actor: Actor | null;
  requestId?: string;
  now: () => Date;
}

export type Trx = Knex.Transaction;

/**
 * Runs a use case in one transaction. PostgreSQL serialisation failures and deadlocks (which the
 * row locks of the budget service can provoke under load) are retried a few times; on SQLite the
 * single pooled connection already serialises transactions.
 */
export async function inTransaction<T>(ctx: ServiceContext, work: (trx: Trx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction(work);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (isPostgres(ctx.db) && (code === "40001" || code === "40P01") && attempt < 5) continue;
      throw err;
    }
  }
}

export function nowIso(ctx: Pick<ServiceContext, "now">): string {
  return ctx.now().toISOString();
}

/** Inserted id across SQLite (number) and PostgreSQL ({ id }). */
export function insertedId(row: unknown): number {
  const v = typeof row === "object" && row !== null ? (row as { id: unknown }).id : row;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`unexpected inserted id ${String(v)}`);
  return n;
}
