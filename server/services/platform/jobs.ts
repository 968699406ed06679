import type { Config } from "../../config";
import type { Db } from "../../db/connection";
import { isPostgres } from "../../db/connection";
import type { ServiceContext } from "./context";
import { onAfterCommit } from "./context";
import { closeDueCalls } from "../calls/calls";
import { checkCallLedgers } from "../calls/ledger-check";
import { expireVouchers } from "../claims/expiry";
import { deliverOutbox, OutboxWorker } from "./mail";
import { sendDeadlineReminders } from "../applications/reminders";
import { storePendingLetters } from "../letters/letters";
import { forgetOldFormKeys } from "./form-keys";
import { serializeError } from "../../logging";

/**
 * Daily jobs (award letters left unstored by a crash, calls closed, vouchers expired past their
 * deadline, deadline reminders, the check of each call's running totals against its ledger, the
 * keys of creating forms sent more than a month ago) are
 * listed here in the order they run. Each is idempotent, so running at start-up, daily and by
 * `npm run jobs` is safe.
 */
export type DailyJob = { name: string; run: (ctx: ServiceContext) => Promise<number> };
export const DAILY_JOBS: DailyJob[] = [
  { name: "lettersStored", run: (ctx) => storePendingLetters(ctx) },
  { name: "callsClosed", run: closeDueCalls },
  { name: "vouchersExpired", run: expireVouchers },
  { name: "deadlineReminders", run: sendDeadlineReminders },
  { name: "callLedgersDisagreeing", run: checkCallLedgers },
  { name: "formKeysForgotten", run: forgetOldFormKeys },
];

export function systemContext(db: Db, config: Config, now: () => Date = () => new Date()): ServiceContext {
  return { db, config, actor: null, now };
}

export async function runDailyJobs(ctx: ServiceContext, jobs: DailyJob[] = DAILY_JOBS): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const job of jobs) result[job.name] = await job.run(ctx);
  result.emailsSent = await deliverOutbox(ctx);
  return result;
}

/**
 * Runs the daily jobs unless another server (or the jobs command) is running them right now;
 * returns null in that case. On PostgreSQL a transaction-level advisory lock, keyed by the schema
 * so separate installations in one database do not block each other, is held on one connection
 * while the jobs use others; it is released when that transaction ends, also when the process
 * dies. SQLite serves one server, whose runs do not overlap, and the jobs are idempotent, so
 * there the jobs simply run.
 */
export async function runDailyJobsExclusive(ctx: ServiceContext, jobs: DailyJob[] = DAILY_JOBS): Promise<Record<string, number> | null> {
  if (!isPostgres(ctx.db)) return runDailyJobs(ctx, jobs);
  return ctx.db.transaction(async (trx) => {
    const got = await trx.raw<{ rows: { ok: boolean }[] }>(
      "select pg_try_advisory_xact_lock(hashtext(?), hashtext(current_schema())) as ok",
      [DAILY_JOBS_LOCK],
    );
    if (!got.rows[0]?.ok) return null;
    return runDailyJobs(ctx, jobs);
  });
}

const DAILY_JOBS_LOCK = "voucherdesk:daily-jobs";

export interface BackgroundJobs {
  stop(): void;
  /** Resolves when the e-mail outbox has no delivery run in progress. */
  mailIdle(): Promise<void>;
}

/**
 * Starts the in-process scheduler: daily jobs now and every 24 h; queued e-mail right after the
 * transaction that queued it commits, and a sweep every 30 s for retries and for messages queued
 * by other processes; every minute, award letters whose store after the approval failed.
 */
export function startBackgroundJobs(db: Db, config: Config, opts: { runDailyNow?: boolean } = {}): BackgroundJobs {
  const ctx = systemContext(db, config);
  const log = (err: unknown) => console.error("background job failed:", serializeError(err).message);
  const outbox = new OutboxWorker(ctx, log);
  const unhook = onAfterCommit(db, () => outbox.kick());
  if (opts.runDailyNow !== false) void runDailyJobsExclusive(ctx).catch(log);
  const daily = setInterval(() => void runDailyJobsExclusive(ctx).catch(log), 24 * 60 * 60 * 1000);
  const mail = setInterval(() => outbox.kick(), 30 * 1000);
  // An approval stores its own letter right after its commit; this catches one whose store failed.
  const letters = setInterval(() => void storePendingLetters(ctx, { olderThanMs: 60 * 1000 }).catch(log), 60 * 1000);
  daily.unref();
  mail.unref();
  letters.unref();
  outbox.kick();
  return {
    stop() {
      unhook();
      clearInterval(daily);
      clearInterval(mail);
      clearInterval(letters);
    },
    mailIdle: () => outbox.idle(),
  };
}
