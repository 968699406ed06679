import type { AuditEventsRow } from "./rows";
import { dbInt } from "./values";

/** One audit event as timelines and the audit page show it (the action is put in words at the web edge). */
export interface AuditEvent {
  id: number;
  at: string;
  actorLabel: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: string | null;
  after: string | null;
  requestId: string | null;
}

export function toAuditEvent(row: AuditEventsRow): AuditEvent {
  return {
    id: dbInt(row.id),
    at: row.at,
    actorLabel: row.actor_label,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    before: row.before_json,
    after: row.after_json,
    requestId: row.request_id,
  };
}

/** An entry with its place in the hash chain, as the auditor's export lists it. */
export interface AuditChainedEvent extends AuditEvent {
  prevId: number | null;
  prevHash: string | null;
  hash: string | null;
}

export function toAuditChainedEvent(row: AuditEventsRow): AuditChainedEvent {
  return { ...toAuditEvent(row), prevId: row.prev_id === null ? null : dbInt(row.prev_id), prevHash: row.prev_hash, hash: row.hash };
}
