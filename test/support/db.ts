import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import knex from "knex";
import type { Config } from "../../server/config";
import { createDb, type Db, knexConfig, migrate } from "../../server/db/connection";
import type { Actor, ServiceContext } from "../../server/services/platform/context";

/**
 * Real databases for tests: a fresh SQLite file per call, and (when TEST_DATABASE_URL is set) a
 * fresh PostgreSQL schema per call, both migrated. Suites loop over `testDatabases()` so every
 * integration test runs on both engines in CI.
 */
export interface TestDatabase {
  name: "sqlite" | "postgres";
  create(): Promise<Db>;
}

export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [{ name: "sqlite", create: createSqlite }];
  if (process.env.TEST_DATABASE_URL) list.push({ name: "postgres", create: createPostgres });
  return list;
}

async function createSqlite(): Promise<Db> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vd-test-"));
  const db = createDb({ sqliteFile: path.join(dir, "test.sqlite") });
  await migrate(db);
  return db;
}

async function createPostgres(): Promise<Db> {
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const admin = knex({ client: "pg", connection: url });
  await admin.raw(`create schema ${schema}`);
  await admin.destroy();
  const base = knexConfig({ databaseUrl: url });
  const db = knex({ ...base, searchPath: [schema], pool: { min: 0, max: 12 } });
  await migrate(db);
  return db;
}

const YEARS_100 = 100 * 365 * 24 * 3_600_000;

/** The product's default session limits (server/config.ts), for the tests of those limits. */
export const PRODUCT_SESSION_LIMITS = { staffIdleMs: 30 * 60_000, applicantIdleMs: 120 * 60_000, maxMs: 12 * 3_600_000 };

export function testConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "vd-data-"));
  return {
    env: "test",
    port: 0,
    databaseUrl: undefined,
    dataDir,
    sqliteFile: path.join(dataDir, "unused.sqlite"),
    sessionSecret: "test-secret-test-secret-test-secret-0123456789",
    baseUrl: "http://localhost:3000",
    secureCookies: false,
    timeZone: "Europe/Copenhagen",
    logLevel: "silent",
    mail: { from: "Voucherdesk <no-reply@voucherdesk.test>", smtpUrl: undefined, outboxDir: path.join(dataDir, "outbox") },
    sepaDebtor: { name: "BioPeople Voucher Programme", iban: "DE89370400440532013000", bic: undefined },
    // Most tests move the clock by days while signed in; the tests of the limits set them (PRODUCT_SESSION_LIMITS).
    sessionLimits: { staffIdleMs: YEARS_100, applicantIdleMs: YEARS_100, maxMs: YEARS_100 },
    ...overrides,
  };
}

/** A fixed clock that tests can move. */
export class TestClock {
  constructor(private current: Date) {}
  now = (): Date => new Date(this.current.getTime());
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advanceDays(days: number): void {
    this.current = new Date(this.current.getTime() + days * 86_400_000);
  }
}

export function testContext(db: Db, actor: Actor | null, now: () => Date = () => new Date(), config: Config = testConfig()): ServiceContext {
  return { db, config, actor, now };
}
