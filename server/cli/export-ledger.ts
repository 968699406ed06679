import { PassThrough } from "node:stream";
import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { createDb, type Db } from "../db/connection";
import { AppError } from "../errors";
import { writeLedgerCsv } from "../exports/ledger-csv";
import { writeLedgerXlsx } from "../exports/ledger-xlsx";
import type { LedgerTotals } from "../exports/ledger-row";
import type { ServiceContext } from "../services/platform/context";
import { parseLedgerFilter } from "../services/finance/ledger-filter";
import { startLedgerExport } from "../services/finance/ledger-export";

/*
 * `npm run export:ledger -- --from 2026-01-01 --to 2026-12-31 --format csv > ledger.csv`
 * The same file as GET /finance/ledger.csv (or .xlsx), through the same service, for automation.
 * Filters: --from, --to (inclusive, programme zone), --call <id>, --region <code>, --type <code>,
 * --kind commit|release|payment. Writes the file to stdout; messages go to stderr.
 */
export const USAGE = "Usage: npm run export:ledger -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--call ID] [--region CODE] [--type CODE] [--kind KIND] [--format csv|xlsx] [--bom]";

export async function exportLedgerCommand(args: string[], db: Db, config: ServiceContext["config"], out: NodeJS.WritableStream): Promise<LedgerTotals> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        from: { type: "string" }, to: { type: "string" }, call: { type: "string" }, region: { type: "string" },
        type: { type: "string" }, kind: { type: "string" }, format: { type: "string", default: "csv" }, bom: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new AppError(400, "bad_arguments", `${(err as Error).message}\n${USAGE}`);
  }
  const format = values.format;
  if (format !== "csv" && format !== "xlsx") throw new AppError(400, "bad_arguments", `--format must be csv or xlsx.\n${USAGE}`);
  const filter = parseLedgerFilter({ from: values.from, to: values.to, call: values.call, region: values.region, type: values.type, kind: values.kind }, config.timeZone);
  const ctx: ServiceContext = { db, config, actor: null, now: () => new Date() };
  const rows = await startLedgerExport(ctx, format, filter, "cli");
  return format === "csv"
    ? writeLedgerCsv(rows, out, { timeZone: config.timeZone, bom: values.bom })
    : writeLedgerXlsx(rows, out, { timeZone: config.timeZone, title: "Disbursement ledger" });
}

if (require.main === module) {
  (async () => {
    const config = loadConfig();
    const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
    try {
      // process.stdout is never ended by pipe() and so never emits "finish", which the XLSX
      // writer waits for; an intermediate stream ends properly and forwards with backpressure.
      const out = new PassThrough();
      const flushed = new Promise<void>((resolve, reject) => {
        out.on("end", resolve);
        out.on("error", reject);
      });
      out.pipe(process.stdout, { end: false });
      const totals = await exportLedgerCommand(process.argv.slice(2), db, config, out);
      await flushed;
      process.stderr.write(`${totals.rowCount} ledger entries exported.\n`);
    } finally {
      await db.destroy();
    }
  })().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof AppError && err.status < 500 ? 2 : 1);
  });
}
