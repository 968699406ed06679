import { type AuditChainedEvent, type AuditEvent, toAuditEvent } from "../../db/tables/audit-events";
import { type AuditFilter, auditExportRows } from "./audit-queries";
import type { ServiceContext, Trx } from "./context";
import { beforeCommit, inTransaction, nowIso } from "./context";
import { type AuditContent, appendToChain } from "./audit-chain";

export interface AuditInput {
  action: string;
  entityType: string;
  entityId?: string | number | null;
  before?: unknown;
  after?: unknown;
}

/**
 * The one way to write the audit log (R17). Called by every data-changing service inside its own
 * transaction, so an event exists exactly when its change does. The table is append-only, and
 * entries are chained (audit-chain.ts) just before the transaction commits.
 */
export async function audit(trx: Trx, ctx: ServiceContext, input: AuditInput): Promise<void> {
  const entry: AuditContent = {
    at: nowIso(ctx),
    actor_user_id: ctx.actor?.id ?? null,
    actor_label: ctx.actor ? ctx.actor.email : "system",
    action: input.action,
    entity_type: input.entityType,
    entity_id: input.entityId === undefined || input.entityId === null ? null : String(input.entityId),
    before_json: input.before === undefined ? null : JSON.stringify(input.before),
    after_json: input.after === undefined ? null : JSON.stringify(input.after),
    request_id: ctx.requestId ?? null,
  };
  let queued = pendingEntries.get(trx);
  if (queued) {
    queued.push(entry);
    return;
  }
  queued = [entry];
  // Chained at the end of the transaction, in the order written; outside inTransaction, now.
  if (beforeCommit(trx, () => appendToChain(trx, queued))) pendingEntries.set(trx, queued);
  else await appendToChain(trx, queued);
}

const pendingEntries = new WeakMap<Trx, AuditContent[]>();

/** One event as timelines and the audit page show it. */
export type AuditRow = AuditEvent;

/**
 * An auditor's download of the log: who exported which part is logged first (R17), then the
 * entries are read a batch at a time as the file is written.
 */
export async function startAuditExport(ctx: ServiceContext, f: AuditFilter): Promise<AsyncGenerator<AuditChainedEvent>> {
  await inTransaction(ctx, (trx) => audit(trx, ctx, {
    action: "audit.exported", entityType: "audit-log", entityId: null,
    after: { action: f.action ?? null, entityType: f.entityType ?? null, entityId: f.entityId ?? null, actor: f.actor ?? null, from: f.from ?? null, to: f.to ?? null },
  }));
  return auditExportRows(ctx, f);
}

/** The timeline of one record, oldest first. */
export async function entityTimeline(ctx: ServiceContext, entityType: string, entityId: number | string): Promise<AuditRow[]> {
  const rows = await ctx.db("audit_events")
    .where({ entity_type: entityType, entity_id: String(entityId) })
    .orderBy("id", "asc");
  return rows.map((r) => toAuditEvent(r));
}
