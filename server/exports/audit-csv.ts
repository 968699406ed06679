import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";
import type { AuditChainedEvent } from "../db/tables/audit-events";
import { defuseFormula } from "./ledger-csv";

/*
 * The audit log as CSV for an auditor: RFC 4180, UTF-8, CRLF, a header row, oldest entry first,
 * with each entry's place in the hash chain so the file can be checked on its own. Rows are
 * pulled from the database only as fast as the reader downloads (pipeline's backpressure).
 */
export const AUDIT_CSV_COLUMNS = [
  "id", "at", "actor", "action", "action_label", "entity_type", "entity_id", "before", "after", "request_id", "prev_id", "prev_hash", "hash",
] as const;

function text(v: string | null): string {
  return v === null ? "" : defuseFormula(v);
}

function record(e: AuditChainedEvent, label: (action: string) => string): string[] {
  return [
    String(e.id), e.at, text(e.actorLabel), text(e.action), text(label(e.action)), text(e.entityType), text(e.entityId),
    text(e.before), text(e.after), text(e.requestId), e.prevId === null ? "" : String(e.prevId), e.prevHash ?? "", e.hash ?? "",
  ];
}

/**
 * `label` puts an action in the reader's words (the stored code stays in its own column);
 * `headers` names the columns in AUDIT_CSV_COLUMNS order (labels in the reader's language); the keys themselves by default.
 */
export async function writeAuditCsv(
  rows: AsyncIterable<AuditChainedEvent>, out: NodeJS.WritableStream, label: (action: string) => string, headers: readonly string[] = AUDIT_CSV_COLUMNS,
): Promise<void> {
  if (headers.length !== AUDIT_CSV_COLUMNS.length) throw new TypeError(`The audit CSV has ${AUDIT_CSV_COLUMNS.length} columns, not ${headers.length}.`);
  async function* records() {
    for await (const e of rows) yield record(e, label);
  }
  await pipeline(
    Readable.from(records()),
    stringify({ header: true, columns: [...headers], record_delimiter: "\r\n", quoted_match: /[\r\n",]/ }),
    out,
  );
}
