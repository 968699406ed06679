import { closeSync, copyFileSync, existsSync, openSync, readdirSync, readSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import sqlite3 from "sqlite3";
import { createDb } from "./connection";

/*
 * Online backup and offline restore of the SQLite database. Copying the file while the server
 * runs is not a backup: recent commits sit in the -wal file next to it. `VACUUM INTO` writes one
 * consistent, self-contained copy from a read transaction, which in WAL mode blocks no writer.
 * PostgreSQL is backed up with its own tools (pg_dump/pg_restore, see the README).
 */

const MIGRATIONS_DIR = path.resolve(__dirname, "../../db/migrations");
const REQUIRED_TABLES = ["knex_migrations", "schemes", "applications", "award_letters", "ledger_entries", "users"];

export class BackupError extends Error {}

function open(file: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, mode, (err) => (err ? reject(err) : resolve(db)));
  });
}
const all = <T>(db: sqlite3.Database, sql: string): Promise<T[]> =>
  new Promise((resolve, reject) => db.all(sql, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
const close = (db: sqlite3.Database): Promise<void> => new Promise((resolve) => db.close(() => resolve()));

/** Writes a consistent copy of the live database to `target` (which must not exist yet). */
export async function backupSqlite(source: string, target: string): Promise<void> {
  if (!existsSync(source)) throw new BackupError(`There is no database at ${source} to back up.`);
  if (existsSync(target)) throw new BackupError(`${target} already exists; choose a new file name so no backup is overwritten.`);
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = createDb({ sqliteFile: source });
  try {
    await db.raw("VACUUM INTO ?", [partial]);
  } finally {
    await db.destroy();
  }
  await checkVoucherdeskFile(partial);
  renameSync(partial, target);
}

/**
 * Checks that `file` is an intact Voucherdesk database this version of the code can run:
 * SQLite, passes quick_check, has the Voucherdesk tables, and was migrated by no newer code.
 */
export async function checkVoucherdeskFile(file: string): Promise<{ migrations: number; letters: number }> {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist.`);
  const header = Buffer.alloc(16);
  const fd = openSync(file, "r");
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString("latin1") !== "SQLite format 3\u0000") throw new BackupError(`${file} is not an SQLite database, so it cannot be a Voucherdesk backup.`);
  const db = await open(file, sqlite3.OPEN_READONLY);
  try {
    const check = await all<{ quick_check: string }>(db, "PRAGMA quick_check");
    if (check[0]?.quick_check !== "ok") throw new BackupError(`${file} is damaged (SQLite quick_check: ${check.map((c) => c.quick_check).join("; ")}).`);
    const tables = new Set((await all<{ name: string }>(db, "select name from sqlite_master where type = 'table'")).map((t) => t.name));
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) throw new BackupError(`${file} is not a Voucherdesk database (missing tables: ${missing.join(", ")}).`);
    const known = new Set(readdirSync(MIGRATIONS_DIR).map((f) => f.replace(/\.(ts|js)$/, "")));
    const ran = (await all<{ name: string }>(db, "select name from knex_migrations")).map((m) => m.name.replace(/\.ts$/, ""));
    const unknown = ran.filter((m) => !known.has(m));
    if (unknown.length > 0) {
      throw new BackupError(`${file} was written by a newer version of Voucherdesk (migrations this version does not know: ${unknown.join(", ")}). Restore it with that version.`);
    }
    const letters = await all<{ n: number }>(db, "select count(*) as n from award_letters");
    return { migrations: ran.length, letters: Number(letters[0]?.n ?? 0) };
  } finally {
    await close(db);
  }
}

/**
 * True when another process (a running server, the jobs command) has the database open. Leaving
 * WAL mode needs the database to oneself; SQLite refuses at once (busy) while any other connection
 * is open, and the operating system drops a killed process's locks, so this also works after a crash.
 */
export async function inUse(file: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  const db = await open(file, sqlite3.OPEN_READWRITE);
  try {
    await all(db, "PRAGMA journal_mode = DELETE");
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === "SQLITE_BUSY" || (err as { code?: string }).code === "SQLITE_LOCKED") return true;
    throw err;
  } finally {
    await close(db);
  }
}

/**
 * Puts a backup in place of the database while no server runs. The replaced database is kept
 * next to it (`<file>.before-restore-<time>`); its -wal and -shm files belong to it and are moved
 * away too, since SQLite would otherwise replay them onto the restored file.
 */
export async function restoreSqlite(backup: string, target: string, now = new Date()): Promise<{ kept: string | null; letters: number }> {
  const { letters } = await checkVoucherdeskFile(backup);
  if (await inUse(target)) {
    throw new BackupError(`The database ${target} is in use by a running Voucherdesk server or command. Stop it first, then restore again.`);
  }
  const partial = `${target}.restoring`;
  copyFileSync(backup, partial);
  let kept: string | null = null;
  if (existsSync(target)) {
    kept = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, "-")}`;
    renameSync(target, kept);
  }
  for (const suffix of ["-wal", "-shm"]) {
    if (existsSync(target + suffix)) renameSync(target + suffix, (kept ?? target) + suffix + (kept ? "" : ".stale"));
  }
  renameSync(partial, target);
  return { kept, letters };
}
