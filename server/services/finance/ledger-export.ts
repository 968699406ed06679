import type { LedgerExportRow } from "../../exports/ledger-row";
import { audit } from "../platform/audit";
import { inTransaction, type ServiceContext } from "../platform/context";
import type { LedgerFilter } from "./ledger-filter";
import { ledgerExportRows } from "./ledger-queries";

/**
 * Downloading the disbursement ledger (R16, R17): who exported which part of it, in which format
 * and through which door, is written to the audit log first; then the rows follow, read page by
 * page as the file is written. The web route and the command line both start here.
 */
export async function startLedgerExport(
  ctx: ServiceContext,
  format: "csv" | "xlsx",
  f: LedgerFilter,
  via: "web" | "cli",
): Promise<AsyncGenerator<LedgerExportRow>> {
  await inTransaction(ctx, (trx) => audit(trx, ctx, {
    action: "ledger.exported", entityType: "ledger", entityId: null,
    after: {
      format, ...(via === "cli" ? { via } : {}),
      from: f.from ?? null, to: f.to ?? null, call: f.callId ?? null, region: f.region ?? null, type: f.type ?? null, kind: f.kind ?? null,
    },
  }));
  return ledgerExportRows(ctx.db, f);
}
