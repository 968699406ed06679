import { loadConfig } from "../config";
import { createDb, migrate } from "../db/connection";
import { runDailyJobs, systemContext } from "../services/jobs";

// `npm run jobs`: runs the daily jobs once (expiry, reminders, e-mail outbox) and prints counts.
(async () => {
  const config = loadConfig();
  const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
  try {
    await migrate(db);
    console.log(JSON.stringify(await runDailyJobs(systemContext(db, config)), null, 2));
  } finally {
    await db.destroy();
  }
})().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
