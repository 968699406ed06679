import path from "node:path";
import { loadConfig } from "../config";
import { BackupError, backupSqlite } from "../db/backup";

// `npm run backup -- <file>`: a consistent copy of the SQLite database while the server runs.
(async () => {
  const config = loadConfig();
  if (config.databaseUrl) {
    console.error(
      "DATABASE_URL is set: back up PostgreSQL with its own tools, for example\n" +
        "  pg_dump --format=custom --file=voucherdesk.dump \"$DATABASE_URL\"\n" +
        "and restore with pg_restore (see the README, section \"Backups\"). Nothing was written.",
    );
    process.exitCode = 2;
    return;
  }
  const target = process.argv[2];
  if (!target) {
    console.error("Usage: npm run backup -- <file>   (for example backups/voucherdesk-2026-11-30.sqlite)");
    process.exitCode = 2;
    return;
  }
  await backupSqlite(config.sqliteFile, path.resolve(target));
  console.log(`Backed up ${config.sqliteFile} to ${path.resolve(target)}.`);
})().catch((err) => {
  console.error(err instanceof BackupError ? err.message : `The backup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
