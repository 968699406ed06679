import path from "node:path";
import { loadConfig } from "../config";
import { BackupError, restoreSqlite } from "../db/backup";

// `npm run restore -- <file>`: puts a backup made by `npm run backup` back, with the server stopped.
(async () => {
  const config = loadConfig();
  if (config.databaseUrl) {
    console.error("DATABASE_URL is set: restore PostgreSQL with pg_restore (see the README, section \"Backups\"). Nothing was changed.");
    process.exitCode = 2;
    return;
  }
  const source = process.argv[2];
  if (!source) {
    console.error("Usage: npm run restore -- <backup file>   (stop the server first)");
    process.exitCode = 2;
    return;
  }
  const { kept, letters } = await restoreSqlite(path.resolve(source), config.sqliteFile);
  console.log(`Restored ${path.resolve(source)} to ${config.sqliteFile} (${letters} award letters).`);
  if (kept) console.log(`The database it replaced is kept as ${kept}.`);
  console.log("Start the server; it applies any newer migrations.");
})().catch((err) => {
  console.error(err instanceof BackupError ? err.message : `The restore failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
