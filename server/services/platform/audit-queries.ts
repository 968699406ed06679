import type { Knex } from "knex";
import { type AuditChainedEvent, toAuditChainedEvent, toAuditEvent } from "../../db/tables/audit-events";
import type { AuditEventsRow } from "../../db/tables/rows";
import type { AuditRow } from "./audit";
import { type ChainState, verifyAuditChain } from "./audit-chain";
import type { ServiceContext } from "./context";
import { likeLiteral } from "./text-search";

/** What an auditor narrows the log to; every part is optional. */
export interface AuditFilter {
  /** The action code starts with this (e.g. "user." for every user event). */
  action?: string;
  entityType?: string;
  entityId?: string;
  /** Part of the actor's e-mail address, any letter case. */
  actor?: string;
  from?: string; // ISO instant, inclusive
  to?: string; // ISO instant, exclusive
}

export const AUDIT_PAGE_SIZE = 50;
const EXPORT_BATCH = 500;

function applyFilter(q: Knex.QueryBuilder<AuditEventsRow>, f: AuditFilter): void {
  if (f.action) void q.whereRaw("action like ? escape '\\'", [`${likeLiteral(f.action)}%`]);
  if (f.entityType) void q.where("entity_type", f.entityType);
  if (f.entityId) void q.where("entity_id", f.entityId);
  // lower() on both sides: SQLite's LIKE ignores case and PostgreSQL's does not.
  if (f.actor) void q.whereRaw("lower(actor_label) like ? escape '\\'", [`%${likeLiteral(f.actor.toLowerCase())}%`]);
  if (f.from) void q.where("at", ">=", f.from);
  if (f.to) void q.where("at", "<", f.to);
}

/**
 * One page of the log, newest first. Paged by position (entries older than `before`), so a page
 * deep in a large log costs the same as the first and entries written meanwhile do not shift it.
 */
export async function listAuditEvents(ctx: ServiceContext, f: AuditFilter, before: number | null): Promise<{ rows: AuditRow[]; nextBefore: number | null }> {
  const q = ctx.db("audit_events").orderBy("id", "desc").limit(AUDIT_PAGE_SIZE + 1);
  applyFilter(q, f);
  if (before !== null) void q.where("id", "<", before);
  const rows = (await q).map((r) => toAuditEvent(r));
  const page = rows.slice(0, AUDIT_PAGE_SIZE);
  return { rows: page, nextBefore: rows.length > AUDIT_PAGE_SIZE ? (page.at(-1)?.id ?? null) : null };
}

/** The filtered log oldest first (chain order), read a batch at a time as the file is written. */
export async function* auditExportRows(ctx: ServiceContext, f: AuditFilter): AsyncGenerator<AuditChainedEvent> {
  let after = 0;
  for (;;) {
    const q = ctx.db("audit_events").orderBy("id", "asc").limit(EXPORT_BATCH).where("id", ">", after);
    applyFilter(q, f);
    const rows = await q;
    for (const r of rows) {
      const e = toAuditChainedEvent(r);
      after = e.id;
      yield e;
    }
    if (rows.length < EXPORT_BATCH) return;
  }
}

/** The chain checked from its first entry, for the audit page. */
export function auditChainState(ctx: ServiceContext): Promise<ChainState> {
  return verifyAuditChain(ctx.db);
}
