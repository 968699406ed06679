import { Mutex } from "async-mutex";
import knex, { type Knex } from "knex";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

export type Db = Knex;

export interface DbSettings {
  databaseUrl?: string;
  sqliteFile?: string;
  /**
   * How long a SQLite write waits for another process (the jobs command, a backup) to release the
   * write lock before the request is answered "busy, try again" (503).
   */
  sqliteBusyTimeoutMs?: number;
}

export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5000;

/*
 * SQLite transactions start with BEGIN IMMEDIATE: the write lock is taken (and waited for, up to
 * busy_timeout) at the start. With knex's plain BEGIN a transaction reads first and upgrades to a
 * write lock later; if another process committed in between, SQLite answers SQLITE_BUSY at once,
 * without waiting, because waiting could deadlock. Every transaction in this code base writes, so
 * nothing is lost by taking the lock up front.
 *
 * The pool holds several connections so that reads outside a transaction (the pages) run side by
 * side: in WAL mode readers never wait for the writer, and with one connection every query queued
 * behind whichever page the event loop was rendering while its result waited. Transactions still
 * run one at a time in this process, in the order they were asked for: each waits for the one
 * before it to finish before it takes a connection. That keeps what the single connection gave the
 * budget and payment services (R4: no two writers interleave; the loser reads the winner's
 * commit), without a transaction ever waiting on SQLite's busy handler for another one of ours.
 */
const Sqlite3Client = require("knex/lib/dialects/sqlite3") as new (config: Knex.Config) => object;
const SqliteTransaction = require("knex/lib/dialects/sqlite3/execution/sqlite-transaction") as new (...args: unknown[]) => {
  client: { transacting?: boolean; transactionsInTurn?: Mutex };
  query(conn: unknown, sql: string): Promise<unknown>;
  acquireConnection(config: unknown, cb: (conn: unknown) => Promise<unknown>): Promise<unknown>;
};

class ImmediateSqliteTransaction extends SqliteTransaction {
  begin(conn: unknown) {
    return this.query(conn, "BEGIN IMMEDIATE;");
  }

  override acquireConnection(config: unknown, cb: (conn: unknown) => Promise<unknown>) {
    const turns = this.client.transactionsInTurn;
    // A nested transaction is a savepoint on its parent's connection: it already has the turn.
    if (this.client.transacting || !turns) return super.acquireConnection(config, cb);
    return turns.runExclusive(() => super.acquireConnection(config, cb));
  }
}

/** The query builder's methods that only read. */
const isReadMethod = (method: string | undefined): boolean => method === "select" || method === "first" || method === "pluck";

/** A query that only reads: a select of the query builder, or raw SQL that starts with SELECT. */
function onlyReads(builder: { _method?: string; sql?: unknown }): boolean {
  if (typeof builder.sql === "string") return /^\s*select\b/i.test(builder.sql);
  return isReadMethod(builder._method);
}

interface SqliteStatement {
  all(params: unknown[], cb: (err: Error | null, rows: unknown[]) => void): void;
  finalize(cb?: () => void): void;
}

interface PreparingConn {
  prepare(sql: string, cb: (err: Error | null) => void): SqliteStatement;
}

/** A read's statement and its preparation, which the driver runs before the calls queued on it. */
interface PreparedRead { stmt: SqliteStatement; prepared: Promise<void> }

/** Per connection: its reads' prepared statements by SQL text, the least recently used first. */
const preparedReads = new WeakMap<object, Map<string, PreparedRead>>();

/** A connection keeps this many reads prepared; the pages and the services use fewer kinds. */
const PREPARED_READS_PER_CONNECTION = 500;

/*
 * Reads with more values than this are not kept: they are lists of ids (`where id in (...)`),
 * whose text changes with every length, so a kept one is seldom run again, and each holds far more
 * memory than a page's query (500 of them, 500 to 1,000 ids each, took 74 MB on one connection).
 */
const MAX_VALUES_OF_A_KEPT_READ = 32;

function preparedRead(conn: PreparingConn, sql: string): PreparedRead {
  let cache = preparedReads.get(conn);
  if (!cache) preparedReads.set(conn, (cache = new Map<string, PreparedRead>()));
  let read = cache.get(sql);
  if (read) {
    cache.delete(sql);
  } else {
    let stmt: SqliteStatement | undefined;
    const prepared = new Promise<void>((resolve, reject) => {
      stmt = conn.prepare(sql, (err) => (err ? reject(err) : resolve()));
    });
    if (!stmt) throw new Error("the SQLite driver gave no statement");
    const entry: PreparedRead = { stmt, prepared };
    read = entry;
    // SQL that does not prepare is not kept: the query fails with SQLite's error, as it would have.
    // Only this statement is let go: a newer one for the same text may have taken its place.
    const kept = cache;
    prepared.catch(() => {
      if (kept.get(sql) === entry) kept.delete(sql);
    });
    const oldest = cache.size >= PREPARED_READS_PER_CONNECTION ? cache.keys().next().value : undefined;
    if (oldest !== undefined) {
      // Queued behind the calls already made on it, so none of them is cut short.
      cache.get(oldest)?.stmt.finalize();
      cache.delete(oldest);
    }
  }
  cache.set(sql, read);
  return read;
}

/** How many reads a connection keeps prepared now (for tests and diagnostics). */
export function preparedReadsKept(connection: object): number {
  return preparedReads.get(connection)?.size ?? 0;
}

interface KnexQueryObject { sql?: string; method?: string; bindings?: unknown[]; response?: unknown; context?: unknown }

class ImmediateSqliteClient extends Sqlite3Client {
  readonly transactionsInTurn = new Mutex();
  declare transacting?: boolean;

  /*
   * The driver prepares every query anew and throws the statement away (about half of what a
   * small read costs SQLite). Reads keep theirs per connection and run it again with new values;
   * writes go the driver's way, so lastID and changes stay as knex expects them.
   */
  _query(connection: PreparingConn, obj: KnexQueryObject): Promise<KnexQueryObject> {
    const sql = obj.sql;
    const values = obj.bindings?.length ?? 0;
    // A kept statement keeps its last values: SQL with a placeholder but no value given (SQLite
    // binds NULL) goes the driver's way, so it is never run with an earlier query's value.
    if (!sql || !isReadMethod(obj.method) || values > MAX_VALUES_OF_A_KEPT_READ || (values === 0 && sql.includes("?"))) {
      return (Sqlite3Client.prototype as unknown as { _query(c: unknown, o: KnexQueryObject): Promise<KnexQueryObject> })._query.call(this, connection, obj);
    }
    const { stmt, prepared } = preparedRead(connection, sql);
    return new Promise((resolve, reject) => {
      // The call is queued on the statement at once, before anything could finalize it; if the
      // statement does not prepare, the driver drops the calls queued on it, and this says why.
      prepared.catch(reject);
      stmt.all(obj.bindings ?? [], (err, rows) => {
        if (err) return reject(err);
        obj.response = rows;
        resolve(obj);
      });
    });
  }

  /** A connection closes only once its statements are finalized. */
  async destroyRawConnection(connection: PreparingConn & { close(cb: (err: Error | null) => void): void }): Promise<void> {
    const cache = preparedReads.get(connection);
    preparedReads.delete(connection);
    const reads = [...(cache?.values() ?? [])];
    const prepared = await Promise.allSettled(reads.map((r) => r.prepared));
    await Promise.all(reads.flatMap((r, i) => (prepared[i]?.status === "fulfilled" ? [new Promise<void>((resolve) => r.stmt.finalize(() => resolve()))] : [])));
    await new Promise<void>((resolve, reject) => connection.close((err) => (err ? reject(err) : resolve())));
  }

  transaction(...args: unknown[]) {
    return new ImmediateSqliteTransaction(this, ...args);
  }

  /*
   * A write outside a transaction (a session saved, a migration step) takes the same turn as the
   * transactions. Left to SQLite's busy handler it would poll for the lock against the stream of
   * our own transactions and another process's, and could lose every time until its timeout.
   */
  runner(builder: { _method?: string; sql?: unknown }) {
    const runner = (Sqlite3Client.prototype as unknown as { runner(b: unknown): { run(): Promise<unknown> } }).runner.call(this, builder);
    if (this.transacting || onlyReads(builder)) return runner;
    const run = runner.run.bind(runner);
    runner.run = () => this.transactionsInTurn.runExclusive(run);
    return runner;
  }
}

/*
 * Connections per SQLite database. Only the writer whose turn it is can be waiting in SQLite's
 * busy handler (for another process's lock), holding one of libuv's four threads; the other
 * connections' reads always find one. Four connections served no more pages than three on two
 * cores.
 */
const SQLITE_CONNECTIONS = 3;

const MIGRATIONS_DIR = path.resolve(__dirname, "../../db/migrations");
const MIGRATION_FILE = /^(\d{14}_[\w-]+)\.(ts|js)$/;

/**
 * The migrations, run from source (.ts, under tsx) or from the compiled server (.js, see
 * `npm run build`). A migration keeps the name it was first recorded under, "<name>.ts", whichever
 * file runs it, so a database migrated by one is up to date for the other.
 */
export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: () =>
    Promise.resolve(
      [...new Set(readdirSync(MIGRATIONS_DIR).flatMap((f) => {
        const m = MIGRATION_FILE.exec(f);
        return m ? [`${m[1]}.ts`] : [];
      }))].sort(),
    ),
  getMigrationName: (name) => name,
  getMigration: (name) => {
    const base = path.join(MIGRATIONS_DIR, name.replace(/\.ts$/, ""));
    return Promise.resolve(require(existsSync(`${base}.ts`) ? `${base}.ts` : `${base}.js`) as Knex.Migration);
  },
};

export function knexConfig(settings: DbSettings): Knex.Config {
  const migrations = { migrationSource };
  // Without this knex writes every bound value (password hashes, IBANs) into the error message.
  const compileSqlOnError = false;
  if (settings.databaseUrl) {
    return { client: "pg", connection: settings.databaseUrl, pool: { min: 0, max: 10 }, migrations, compileSqlOnError };
  }
  if (!settings.sqliteFile) throw new Error("either databaseUrl or sqliteFile is required");
  const busyTimeout = Math.max(0, Math.floor(settings.sqliteBusyTimeoutMs ?? DEFAULT_SQLITE_BUSY_TIMEOUT_MS));
  return {
    client: ImmediateSqliteClient as unknown as typeof Knex.Client,
    connection: { filename: settings.sqliteFile },
    useNullAsDefault: true,
    compileSqlOnError,
    pool: {
      min: 1,
      // Each connection to ":memory:" would be a database of its own.
      max: settings.sqliteFile === ":memory:" ? 1 : SQLITE_CONNECTIONS,
      afterCreate(conn: SqliteConn, done: (err: Error | null, conn: SqliteConn) => void) {
        conn.serialize(() => {
          conn.run("PRAGMA foreign_keys = ON");
          conn.run("PRAGMA journal_mode = WAL");
          conn.run(`PRAGMA busy_timeout = ${busyTimeout}`, (err) => done(err, conn));
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

/** SQLite could not get a lock within busy_timeout (SQLITE_BUSY, or SQLITE_LOCKED inside one process). */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

/** A unique or primary-key constraint refused the row, on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === "23505" || (e?.code === "SQLITE_CONSTRAINT" && /UNIQUE|PRIMARY KEY/i.test(e.message ?? ""));
}

export function isPostgres(db: Db): boolean {
  return (db.client as { config: Knex.Config }).config.client === "pg";
}

/**
 * Brings the schema up to date; safe when several servers start at once. On PostgreSQL a
 * transaction-level advisory lock makes the second server wait until the first has finished
 * (knex's own lock row would let the second fail with "Migration table is already locked", and
 * two servers creating knex's bookkeeping tables in a fresh database collide). Holding that lock
 * also proves no one else is migrating, so a lock row left behind by a server killed mid-migration
 * is freed instead of blocking every later start.
 */
export async function migrate(db: Db): Promise<void> {
  if (!isPostgres(db)) {
    await db.migrate.latest();
    return;
  }
  await db.transaction(async (trx) => {
    await trx.raw("select pg_advisory_xact_lock(hashtext(?), hashtext(current_schema()))", ["voucherdesk:migrate"]);
    if (await db.schema.hasTable("knex_migrations_lock")) await db.migrate.forceFreeMigrationsLock();
    await db.migrate.latest();
  });
}

/** Names of migrations the code has that the database has not run yet (read-only). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  if (!(await db.schema.hasTable("knex_migrations"))) return ["(all)"];
  const [, pending] = (await db.migrate.list()) as [unknown[], { file: string }[]];
  return pending.map((m) => m.file);
}
