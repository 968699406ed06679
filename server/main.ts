import { ConfigError, loadConfig } from "./config";
import { createDb, migrate } from "./db/connection";
import { startBackgroundJobs, systemContext } from "./services/platform/jobs";
import { lettersWritten, storePendingLetters } from "./services/letters/letters";
import { loadTemplates } from "./services/platform/templates";
import { seedDemoIfEmpty } from "../db/seeds/demo";
import { startLetterWriter } from "./letters/letter-writer";
import { createApp } from "./web/app";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  // Before the database: a missing e-mail or letter text stops the server here, not a decision later.
  loadTemplates(config.templatesDir);
  const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
  await migrate(db);
  // Letters an approval decided but never stored (the server stopped in between) exist before
  // anyone can ask for them.
  await storePendingLetters(systemContext(db, config));
  if (config.env !== "production") await seedDemoIfEmpty(db, config);
  const app = createApp({ db, config });
  const jobs = startBackgroundJobs(db, config);
  const listening = () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    console.log(`Voucherdesk is running on ${config.baseUrl} (port ${port}; database: ${config.databaseUrl ? "PostgreSQL" : config.sqliteFile})`);
    // Started once listening, so that loading the PDF writer and its fonts does not hold up the
    // first requests, and ahead of the first approval, so that its letter does not wait for it.
    startLetterWriter();
  };
  const server = config.host ? app.listen(config.port, config.host, listening) : app.listen(config.port, listening);
  const shutdown = () => {
    jobs.stop();
    // Letters still being written after an approval are stored before the database closes.
    server.close(() => void lettersWritten(db).then(() => db.destroy()).then(() => process.exit(0)));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((err) => {
  console.error("Voucherdesk could not start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
