import { loadConfig } from "../config";
import { createDb, pendingMigrations } from "../db/connection";
import { runDailyJobsExclusive, systemContext } from "../services/platform/jobs";

/*
 * `npm run jobs`: runs the daily jobs once (expiry, reminders, e-mail outbox) and prints counts.
 * It may run next to a live server, so it takes no lock it does not need: it does not migrate
 * (that writes knex's lock row) but refuses to work on a schema older than the code, reads
 * outside transactions and writes in one short transaction per item.
 */
(async () => {
  const config = loadConfig();
  const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
  try {
    const pending = await pendingMigrations(db);
    if (pending.length > 0) {
      console.error(`The database is not up to date (pending migrations: ${pending.join(", ")}). Run \`npm run migrate\` or start the server first.`);
      process.exitCode = 1;
      return;
    }
    const counts = await runDailyJobsExclusive(systemContext(db, config));
    if (!counts) console.log("The daily jobs are running on another server right now; nothing was done.");
    else console.log(JSON.stringify(counts, null, 2));
  } finally {
    await db.destroy();
  }
})().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
