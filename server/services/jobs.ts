import type { Config } from "../config";
import type { Db } from "../db/connection";
import type { ServiceContext } from "./context";
import { closeDueCalls } from "./calls";
import { expireVouchers } from "./expiry";
import { deliverOutbox } from "./mail";
import { sendDeadlineReminders } from "./applications";
import { serializeError } from "../logging";

/**
 * Daily jobs (expiry of vouchers past their deadline, deadline reminders) are listed here in the
 * order they run. Each is idempotent, so running at start-up, daily and by `npm run jobs` is safe.
 */
export type DailyJob = { name: string; run: (ctx: ServiceContext) => Promise<number> };
export const DAILY_JOBS: DailyJob[] = [
  { name: "callsClosed", run: closeDueCalls },
  { name: "vouchersExpired", run: expireVouchers },
  { name: "deadlineReminders", run: sendDeadlineReminders },
];

export function systemContext(db: Db, config: Config, now: () => Date = () => new Date()): ServiceContext {
  return { db, config, actor: null, now };
}

export async function runDailyJobs(ctx: ServiceContext): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const job of DAILY_JOBS) result[job.name] = await job.run(ctx);
  result.emailsSent = await deliverOutbox(ctx);
  return result;
}

/** Starts the in-process scheduler: daily jobs now and every 24 h, the e-mail outbox every 30 s. */
export function startBackgroundJobs(db: Db, config: Config): () => void {
  const ctx = systemContext(db, config);
  const log = (err: unknown) => console.error("background job failed:", serializeError(err).message);
  void runDailyJobs(ctx).catch(log);
  const daily = setInterval(() => void runDailyJobs(ctx).catch(log), 24 * 60 * 60 * 1000);
  const mail = setInterval(() => void deliverOutbox(ctx).catch(log), 30 * 1000);
  daily.unref();
  mail.unref();
  return () => {
    clearInterval(daily);
    clearInterval(mail);
  };
}
