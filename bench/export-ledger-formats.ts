/**
 * Throughput and memory of the ledger export formats: 100,000 synthetic rows from an async
 * generator (as the knex stream would deliver them) into a null stream.
 *
 *   npx tsx bench/export-ledger-formats.ts            # both formats, each in a fresh process
 *   npx tsx bench/export-ledger-formats.ts csv 50000  # one format, row count
 *
 * Each format runs in its own child process so that one's peak RSS does not hide the other's.
 */
import { spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { writeLedgerCsv } from "../server/exports/ledger-csv";
import { writeLedgerXlsx } from "../server/exports/ledger-xlsx";
import type { LedgerExportRow } from "../server/exports/ledger-row";

const TZ = "Europe/Copenhagen";
const KINDS = ["commit", "release", "payment"] as const;
const TYPES = ["Meet & Greet", "Insight", "Collaboration"];
const REGIONS = ["Capital Region of Denmark", "Noord-Brabant", "Stuttgart and Neckar-Alb", "Flanders", "Alsace", "Limburg", "Rhineland", "Hauts-de-France"];

let peakRss = 0;
/** The i-th element, going round the list. */
function cycle<T>(list: readonly T[], i: number): T {
  const item = list[i % list.length];
  if (item === undefined) throw new Error("cannot cycle through an empty list");
  return item;
}

function sample(): void {
  const rss = process.memoryUsage().rss;
  if (rss > peakRss) peakRss = rss;
}

async function* syntheticRows(n: number): AsyncGenerator<LedgerExportRow> {
  const start = Date.UTC(2026, 0, 1);
  for (let i = 1; i <= n; i++) {
    if (i % 1000 === 0) {
      sample();
      // A database cursor hands rows over in batches; give the event loop its turn between them.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const kind = cycle(KINDS, i);
    yield {
      entryId: i,
      date: new Date(start + i * 60_000).toISOString(),
      kind,
      voucherReference: `IN2LS-2026-${String(i).padStart(6, "0")}`,
      company: `Company ${i % 5000}, "Life Science" ApS ø`,
      vatNumber: `DK${String(10_000_000 + (i % 5000))}`,
      region: cycle(REGIONS, i),
      partner: `Partner ${i % REGIONS.length}`,
      call: `Call 2026-${(i % 4) + 1}`,
      voucherType: cycle(TYPES, i),
      amountCents: kind === "commit" ? 400_000 : 1 + ((i * 7919) % 400_000),
      originalCurrency: i % 10 === 0 ? "DKK" : null,
      originalAmount: i % 10 === 0 ? "2779.50" : null,
      rate: i % 10 === 0 ? "7.4604" : null,
      paymentReference: kind === "payment" ? `BANK-${i}` : null,
      paidOn: kind === "payment" ? new Date(start + i * 60_000).toISOString().slice(0, 10) : null,
      recordedBy: "Mette Finance",
    };
  }
}

class NullSink extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    cb();
  }
}

async function runOne(format: "csv" | "xlsx", n: number): Promise<void> {
  sample();
  const baseline = process.memoryUsage().rss;
  const timer = setInterval(sample, 20);
  const sink = new NullSink();
  const t0 = process.hrtime.bigint();
  const totals =
    format === "csv"
      ? await writeLedgerCsv(syntheticRows(n), sink, { timeZone: TZ })
      : await writeLedgerXlsx(syntheticRows(n), sink, { timeZone: TZ, title: "Bench" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  clearInterval(timer);
  sample();
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  console.log(
    `${format.padEnd(4)} ${totals.rowCount} rows in ${(ms / 1000).toFixed(2)} s = ` +
      `${Math.round((totals.rowCount / ms) * 1000)} rows/s, output ${mb(sink.bytes)}, ` +
      `RSS baseline ${mb(baseline)}, peak ${mb(peakRss)}`,
  );
}

async function main(): Promise<void> {
  const [format, count] = process.argv.slice(2);
  const n = count ? Number(count) : 100_000;
  if (format === "csv" || format === "xlsx") {
    await runOne(format, n);
    return;
  }
  console.log(`node ${process.version}, ${n} rows per format`);
  for (const f of ["csv", "xlsx"]) {
    const r = spawnSync(process.execPath, [...process.execArgv, __filename, f, String(n)], { stdio: "inherit" });
    if (r.status !== 0) process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
