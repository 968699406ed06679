/**
 * Builds the large-programme data set (bench/large-programme.ts) into its own SQLite file, and
 * into PostgreSQL as well when DATABASE_URL is set (that database must be empty).
 *
 *   npm run bench:seed -- --applications 20000            # data/bench/voucherdesk.sqlite
 *   npm run bench:seed -- --applications 2000 --file /tmp/small.sqlite
 */
import { rmSync, mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../server/config";
import { createDb, migrate, type Db } from "../server/db/connection";
import { BENCH_SECRET_KEY, DEFAULT_BENCH_FILE, seedLargeProgramme } from "./large-programme";

async function seedInto(db: Db, label: string, applications: number, seed: number): Promise<void> {
  const t0 = Date.now();
  await migrate(db);
  const [{ n } = { n: 0 }] = await db("users").count({ n: "*" });
  if (Number(n) > 0) throw new Error(`${label} already holds data; the large programme is built into an empty database.`);
  const config = { ...loadConfig({ ...process.env, NODE_ENV: "development", VOUCHERDESK_SECRET_KEY: BENCH_SECRET_KEY }), timeZone: "Europe/Copenhagen" };
  const summary = await seedLargeProgramme(db, config, { applications, seed, log: (l) => console.log(`  ${label}: ${l} (${((Date.now() - t0) / 1000).toFixed(1)} s)`) });
  console.log(`${label}: ${summary.applications} applications, ${summary.calls} calls, ${summary.companies} companies, ` +
    `${summary.ledgerEntries} ledger entries, ${summary.claims} claims, ${summary.payments} payments in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`${label}: states ${JSON.stringify(summary.states)}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { applications: { type: "string", default: "20000" }, file: { type: "string", default: DEFAULT_BENCH_FILE }, seed: { type: "string", default: "14" } },
  });
  const applications = Number(values.applications);
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(applications) || applications < 35) throw new Error("--applications must be a whole number of at least 35");
  const file = path.resolve(values.file);
  mkdirSync(path.dirname(file), { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
  const sqlite = createDb({ sqliteFile: file });
  try {
    await seedInto(sqlite, `SQLite ${values.file}`, applications, seed);
  } finally {
    await sqlite.destroy();
  }
  if (process.env.DATABASE_URL) {
    const pg = createDb({ databaseUrl: process.env.DATABASE_URL });
    try {
      await seedInto(pg, "PostgreSQL (DATABASE_URL)", applications, seed);
    } finally {
      await pg.destroy();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
