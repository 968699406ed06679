import { loadConfig } from "../config";
import { createDb, migrate } from "../db/connection";
import { seedDemoIfEmpty } from "../../db/seeds/demo";

// `npm run seed:demo`: migrates and loads the demo data into an empty database.
(async () => {
  const config = loadConfig();
  const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
  try {
    await migrate(db);
    const seeded = await seedDemoIfEmpty(db, config);
    console.log(seeded ? "Demo data loaded." : "The database already has users; demo data was not loaded (it only goes into an empty database).");
  } finally {
    await db.destroy();
  }
})().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
