import type { Knex } from "knex";
import type { Config } from "../../config";
import type { Db } from "../../db/connection";
import { isBusyError, isPostgres } from "../../db/connection";
import { BusyError } from "../../errors";
import type { Language } from "../../languages";

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
  /** The language the user chose (account page or switcher); null when they have chosen none. */
  language?: Language | null;
  /** The default language of the partner organisation the user works for or applies through. */
  partnerLanguage?: Language | null;
}

/** Everything a use case needs besides its input; tests build one with a fixed clock. */
export interface ServiceContext {
  db: Db;
  config: Pick<Config, "timeZone" | "baseUrl" | "mail" | "sepaDebtor" | "dataDir" | "sessionSecret" | "sessionLimits" | "secretKey" | "stepUpMinutes">;
  actor: Actor | null;
  requestId?: string;
  now: () => Date;
  /** Where a failure after a committed use case goes (the request's log); the use case still succeeds. */
  reportError?: (err: unknown) => void;
}

export type Trx = Knex.Transaction;

type AfterCommit = () => void;
const afterCommitHooks = new WeakMap<Db, AfterCommit[]>();
const wantsAfterCommit = new WeakSet<Trx>();

/** Registers work to start after a transaction that asked for it (afterCommit) has committed. */
export function onAfterCommit(db: Db, hook: AfterCommit): () => void {
  const hooks = afterCommitHooks.get(db) ?? [];
  hooks.push(hook);
  afterCommitHooks.set(db, hooks);
  return () => {
    const i = hooks.indexOf(hook);
    if (i >= 0) hooks.splice(i, 1);
  };
}

interface BeforeCommitWork { early: (() => Promise<void>)[]; late: (() => Promise<void>)[] }
const beforeCommitWork = new WeakMap<Trx, BeforeCommitWork>();

/**
 * Work to run at the end of a transaction of inTransaction, after the use case and before the
 * commit (the audit chain takes its lock there, so it is held for as short a time as possible).
 * `early` work runs before all other work, whenever it was registered: work that takes row locks
 * of its own (the ledger's running sums) must take them before the audit chain's one global
 * lock, in every transaction alike, or two transactions could each wait for the other.
 * Returns false for a transaction inTransaction did not start: the caller must do the work now.
 */
export function beforeCommit(trx: Trx, work: () => Promise<void>, opts: { early?: boolean } = {}): boolean {
  const lists = beforeCommitWork.get(trx);
  if (!lists) return false;
  (opts.early ? lists.early : lists.late).push(work);
  return true;
}

/** Marks the transaction so the registered after-commit hooks run once it has committed. */
export function afterCommit(trx: Trx): void {
  wantsAfterCommit.add(trx);
}

/**
 * Runs a use case in one transaction. PostgreSQL serialisation failures and deadlocks (which the
 * row locks of the budget service can provoke under load) are retried a few times, after a short
 * random pause; when the last attempt is refused too, the caller gets a BusyError (503, "try
 * again"; nothing was written), never the driver's error. On SQLite
 * transactions in this process run one at a time (db/connection.ts), and BEGIN IMMEDIATE waits up
 * to busy_timeout for another process's write lock; when even that is not enough the caller gets
 * a BusyError (503, "try again") instead of a raw SQLITE_BUSY.
 */
export async function inTransaction<T>(ctx: ServiceContext, work: (trx: Trx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let used: Trx | undefined;
    try {
      const result = await ctx.db.transaction(async (trx) => {
        used = trx;
        const pending: BeforeCommitWork = { early: [], late: [] };
        beforeCommitWork.set(trx, pending);
        const value = await work(trx);
        for (const step of pending.early) await step();
        for (const step of pending.late) await step();
        return value;
      });
      if (used && wantsAfterCommit.has(used)) for (const hook of afterCommitHooks.get(ctx.db) ?? []) hook();
      return result;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (isPostgres(ctx.db) && (code === "40001" || code === "40P01")) {
        if (attempt < 5) {
          // A short random pause, so that the transactions PostgreSQL stopped do not meet again at once.
          await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 25 * attempt)));
          continue;
        }
        // Still refused after the retries: nothing was written, so the user is told to try again (503), never a 500.
        throw new BusyError();
      }
      if (isBusyError(err)) throw new BusyError();
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
