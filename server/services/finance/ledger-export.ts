import { audit } from "../platform/audit";
import { inTransaction, type ServiceContext } from "../platform/context";
import { ledgerExportRows, type LedgerFilter } from "./ledger";

export type LedgerExportFormat = "csv" | "xlsx";

/**
 * Starts a ledger export (page download or command line): the export is audit-logged with its
 * filter before any row is read, then the rows are streamed to the caller's writer.
 */
export async function exportLedger(ctx: ServiceContext, format: LedgerExportFormat, filter: LedgerFilter, via: "web" | "cli" = "web") {
  await inTransaction(ctx, (trx) => audit(trx, ctx, {
    action: "ledger.exported", entityType: "ledger", entityId: null,
    after: {
      format, ...(via === "cli" ? { via } : {}),
      from: filter.from ?? null, to: filter.to ?? null, call: filter.callId ?? null, region: filter.region ?? null, type: filter.type ?? null, kind: filter.kind ?? null,
    },
  }));
  return ledgerExportRows(ctx.db, filter);
}
