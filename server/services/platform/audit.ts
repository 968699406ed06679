import { auditActionLabel } from "./audit-labels";
import { type AuditEvent, toAuditEvent } from "../../db/tables/audit-events";
import type { ServiceContext, Trx } from "./context";
import { beforeCommit, nowIso } from "./context";
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

export interface AuditFilter {
  action?: string;
  entityType?: string;
  entityId?: string;
  actor?: string;
  from?: string; // ISO instant, inclusive
  to?: string; // ISO instant, exclusive
  page?: number;
}

/** One event as timelines and the audit page show it. */
export type AuditRow = AuditEvent;

export const AUDIT_PAGE_SIZE = 50;

export async function listAuditEvents(ctx: ServiceContext, f: AuditFilter): Promise<{ rows: AuditRow[]; hasMore: boolean }> {
  const q = ctx.db("audit_events").orderBy("id", "desc");
  if (f.action) q.where("action", "like", `${f.action}%`);
  if (f.entityType) q.where("entity_type", f.entityType);
  if (f.entityId) q.where("entity_id", f.entityId);
  if (f.actor) q.where("actor_label", "like", `%${f.actor}%`);
  if (f.from) q.where("at", ">=", f.from);
  if (f.to) q.where("at", "<", f.to);
  const page = Math.max(1, f.page ?? 1);
  const rows = await q.limit(AUDIT_PAGE_SIZE + 1).offset((page - 1) * AUDIT_PAGE_SIZE);
  return {
    hasMore: rows.length > AUDIT_PAGE_SIZE,
    rows: rows.slice(0, AUDIT_PAGE_SIZE).map((r) => toAuditEvent(r, auditActionLabel)),
  };
}

/** The timeline of one record, oldest first. */
export async function entityTimeline(ctx: ServiceContext, entityType: string, entityId: number | string): Promise<AuditRow[]> {
  const rows = await ctx.db("audit_events")
    .where({ entity_type: entityType, entity_id: String(entityId) })
    .orderBy("id", "asc");
  return rows.map((r) => toAuditEvent(r, auditActionLabel));
}
