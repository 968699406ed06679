import knex, { Knex } from "knex";
import path from "node:path";

export type Db = Knex;

export interface DbSettings {
  databaseUrl?: string;
  sqliteFile?: string;
}

const MIGRATIONS_DIR = path.resolve(__dirname, "../../db/migrations");

export function knexConfig(settings: DbSettings): Knex.Config {
  const migrations = { directory: MIGRATIONS_DIR, extension: "ts", loadExtensions: [".ts"] };
  // Without this knex writes every bound value (password hashes, IBANs) into the error message.
  const compileSqlOnError = false;
  if (settings.databaseUrl) {
    return { client: "pg", connection: settings.databaseUrl, pool: { min: 0, max: 10 }, migrations, compileSqlOnError };
  }
  if (!settings.sqliteFile) throw new Error("either databaseUrl or sqliteFile is required");
  return {
    client: "sqlite3",
    connection: { filename: settings.sqliteFile },
    useNullAsDefault: true,
    compileSqlOnError,
    // One connection: every transaction in this process is serialised, which is what makes
    // budget commits race-free on SQLite (R4) without relying on SQLITE_BUSY retries.
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: SqliteConn, done: (err: Error | null, conn: SqliteConn) => void) {
        conn.serialize(() => {
          conn.run("PRAGMA foreign_keys = ON");
          conn.run("PRAGMA journal_mode = WAL");
          conn.run("PRAGMA busy_timeout = 5000", (err) => done(err, conn));
        });
      },
    },
    migrations,
  };
}

interface SqliteConn {
  serialize(cb: () => void): void;
  run(sql: string, cb?: (err: Error | null) => void): void;
}

export function createDb(settings: DbSettings): Db {
  return knex(knexConfig(settings));
}

export function isPostgres(db: Db): boolean {
  return db.client.config.client === "pg";
}

export async function migrate(db: Db): Promise<void> {
  await db.migrate.latest();
}
