/**
 * End-to-end ledger export benchmark: 100,000 ledger entries in a temporary SQLite database,
 * exported through the real service (ledgerExportRows: keyset pages of 1000 joined rows) into
 * the CSV and XLSX writers, output to a null stream. Reports rows/s and peak RSS per format.
 *
 *   npm run bench:export                  # generate 100,000 entries, run both formats
 *   npm run bench:export -- 20000         # another entry count
 *
 * The data is inserted directly (bulk) rather than through the budget service, because the
 * subject is the export; each format runs in its own child process on the same database so one
 * format's peak RSS does not hide the other's.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { createDb, migrate, type Db } from "../server/db/connection";
import { writeLedgerCsv } from "../server/exports/ledger-csv";
import { writeLedgerXlsx } from "../server/exports/ledger-xlsx";
import { ledgerExportRows } from "../server/services/finance/ledger-queries";
import { cpuMs } from "./stats";
import { searchKey } from "../server/domain/text-folding";

/** The rows of the export as one join, for the sqlite3 command-line tool (the reference). */
export const EXPORT_SQL = `select le.id, le.at, le.kind, a.reference, co.legal_name, co.vat_number, r.name, p.name, c.title, vt.name,
  le.amount_cents, pm.bank_reference, pm.paid_on, u.name
  from ledger_entries le join applications a on a.id = le.application_id join calls c on c.id = le.call_id
  join companies co on co.id = a.company_id join voucher_types vt on vt.id = a.voucher_type_id
  join partners p on p.id = a.partner_id join regions r on r.id = p.region_id
  left join payments pm on pm.id = le.payment_id left join users u on u.id = le.actor_user_id order by le.id`;

const TZ = "Europe/Copenhagen";
const NOW = "2026-01-01T00:00:00.000Z";

class NullSink extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    cb();
  }
}

const id = (row: unknown) => Number(typeof row === "object" && row !== null ? (row as { id: unknown }).id : row);

/** The i-th element, going round the list. */
function cycle<T>(list: readonly T[], i: number): T {
  const item = list[i % list.length];
  if (item === undefined) throw new Error("cannot cycle through an empty list");
  return item;
}

async function generate(db: Db, n: number): Promise<void> {
  await migrate(db);
  const [u] = await db("users").insert({ email: "bench@t.test", name: "Bench Finance", search_key: searchKey("Bench Finance", "bench@t.test"), password_hash: "x", role: "finance", created_at: NOW }).returning("id");
  const userId = id(u);
  const scheme = await db("schemes").first("id");
  if (!scheme) throw new Error("the migrations did not create the scheme row");
  const types = await db("voucher_types").select("id");
  const partners = await db("partners").select("id");
  const calls: number[] = [];
  for (let c = 1; c <= 4; c++) {
    const [row] = await db("calls").insert({ scheme_id: scheme.id, title: `Call 2026-${c}`, opens_at: NOW, closes_at: NOW, status: "open", created_by: userId, created_at: NOW, updated_at: NOW }).returning("id");
    calls.push(id(row));
  }
  const companies: number[] = [];
  for (let i = 0; i < 500; i++) {
    const name = `Company ${i} "Life Science" ApS ø`;
    const vat = `DK${10_000_000 + i}`;
    const [row] = await db("companies").insert({ legal_name: name, vat_number: vat, search_key: searchKey(name, vat), address: "x", country: "DK",
      staff_headcount: 10, turnover_cents: 1, balance_sheet_cents: 1, created_at: NOW, updated_at: NOW }).returning("id");
    companies.push(id(row));
  }
  // Three entries (commit, payment, release) per application.
  const apps = Math.ceil(n / 3);
  const appRows = Array.from({ length: apps }, (_, i) => ({
    reference: `IN2LS-2026-${String(i + 1).padStart(6, "0")}`, call_id: cycle(calls, i), company_id: cycle(companies, i),
    voucher_type_id: cycle(types, i).id, partner_id: cycle(partners, i).id, state: "paid", approved_cents: 400_000,
    created_by: userId, created_at: NOW, updated_at: NOW,
  }));
  await db.batchInsert("applications", appRows, 500);
  const appIds = (await db("applications").orderBy("id").select("id", "call_id")).map((r) => ({ id: Number(r.id), callId: Number(r.call_id) }));
  const start = Date.UTC(2026, 0, 1);
  const entries = [];
  for (let i = 0; i < n; i++) {
    const app = appIds[Math.floor(i / 3)];
    if (!app) throw new Error(`application ${Math.floor(i / 3)} was not stored`);
    const kind = (["commit", "payment", "release"] as const)[i % 3];
    const paid = 1 + ((i * 7919) % 399_999);
    entries.push({
      call_id: app.callId, application_id: app.id, kind, amount_cents: kind === "commit" ? 400_000 : kind === "payment" ? paid : 400_000 - paid,
      ceiling_keys: '["total"]', idempotency_key: `bench:${i}`, actor_user_id: userId, at: new Date(start + i * 60_000).toISOString(),
    });
  }
  await db.batchInsert("ledger_entries", entries, 500);
}

async function runOne(file: string, format: "csv" | "xlsx"): Promise<void> {
  const db = createDb({ sqliteFile: file });
  let peak = process.memoryUsage().rss;
  const baseline = peak;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const sink = new NullSink();
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const rows = ledgerExportRows(db, {});
  const totals = format === "csv"
    ? await writeLedgerCsv(rows, sink, { timeZone: TZ })
    : await writeLedgerXlsx(rows, sink, { timeZone: TZ, title: "Bench" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = cpuMs(process.cpuUsage(c0));
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  await db.destroy();
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  console.log(`${format.padEnd(4)} ${totals.rowCount} rows in ${(ms / 1000).toFixed(2)} s (CPU ${(cpu / 1000).toFixed(2)} s) = ${Math.round((totals.rowCount / ms) * 1000)} rows/s, ` +
    `output ${mb(sink.bytes)}, RSS baseline ${mb(baseline)}, peak ${mb(peak)}`);
}

async function main(): Promise<void> {
  const [a, b] = process.argv.slice(2);
  const dbFile = process.argv[4];
  if (a === "--run" && (b === "csv" || b === "xlsx") && dbFile) return runOne(dbFile, b);
  const n = a ? Number(a) : 100_000;
  if (!Number.isSafeInteger(n) || n < 1) throw new Error("usage: bench/export-ledger.ts [entries] [--keep FILE]");
  // --keep FILE: build the database into FILE once and reuse it on later runs.
  const kept = b === "--keep" ? process.argv[4] : undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), "vd-bench-"));
  const file = kept ? path.resolve(kept) : path.join(dir, "bench.sqlite");
  try {
    if (!kept || !existsSync(file)) {
      const t0 = Date.now();
      const db = createDb({ sqliteFile: file });
      await generate(db, n);
      await db.destroy();
      console.log(`node ${process.version}, SQLite, ${n} ledger entries generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    // The reference: the sqlite3 command-line tool writing the same join as CSV, its CPU time as bash's `time` reports it.
    const cli = spawnSync("bash", ["-c", `TIMEFORMAT='%U %S'; time sqlite3 -csv "$1" "$2" > /dev/null`, "bash", file, EXPORT_SQL], { encoding: "utf8" });
    const [user = NaN, sys = NaN] = cli.stderr.trim().split(/\s+/).slice(-2).map(Number);
    console.log(`sqlite3 CLI, same join as CSV: CPU ${(user + sys).toFixed(2)} s`);
    for (const f of ["csv", "xlsx"]) {
      const r = spawnSync(process.execPath, [...process.execArgv, __filename, "--run", f, file], { stdio: "inherit" });
      if (r.status !== 0) process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
