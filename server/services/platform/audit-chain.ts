import { createHash } from "node:crypto";
import type { Db } from "../../db/connection";
import { isPostgres } from "../../db/connection";
import type { AuditEventsRow } from "../../db/tables/rows";
import { dbInt } from "../../db/tables/values";
import { insertedId, type Trx } from "./context";

/*
 * The audit log is a hash chain. Each entry stores the id and hash of the entry before it and the
 * sha-256 of a canonical serialisation of all its stored columns, those two included; the one-row
 * audit_chain_head holds the newest entry, so removing entries at the end shows as well. Anyone
 * who changes or deletes an entry without recomputing every later hash and the head is caught by
 * verifyAuditChain. (Someone who recomputes them all is not: comparing the head hash shown on the
 * audit page with one written down earlier catches that.)
 */

/** The stored columns an entry is written with, before it is chained. */
export type AuditContent = Omit<AuditEventsRow, "id" | "prev_id" | "prev_hash" | "hash">;

/** Version 1 of the serialisation; db/migrations/20261202110000_audit_chain.ts chains old entries with it. */
export function auditEntryHash(id: number, c: AuditContent, prevId: number | null, prevHash: string | null): string {
  const canonical = JSON.stringify([
    "audit-v1", id, c.at, c.actor_user_id, c.actor_label, c.action,
    c.entity_type, c.entity_id, c.before_json, c.after_json, c.request_id, prevId, prevHash,
  ]);
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

/**
 * Appends entries to the chain. The head row is locked first (FOR UPDATE on PostgreSQL; SQLite has
 * one writer), so concurrent transactions append one after the other and each links to the entry
 * the previous one committed. Called just before commit, so the lock is held only that long.
 */
export async function appendToChain(trx: Trx, entries: AuditContent[]): Promise<void> {
  if (entries.length === 0) return;
  const headQuery = trx("audit_chain_head").where({ id: 1 }).first("last_id", "last_hash");
  if (isPostgres(trx)) void headQuery.forUpdate();
  const head = await headQuery;
  if (!head) throw new Error("audit_chain_head is missing: run the migrations");
  let prevId = head.last_id === null ? null : dbInt(head.last_id);
  let prevHash = head.last_hash;
  for (const entry of entries) {
    const id = insertedId((await trx("audit_events").insert({ ...entry, prev_id: prevId, prev_hash: prevHash }).returning("id"))[0]);
    const hash = auditEntryHash(id, entry, prevId, prevHash);
    await trx("audit_events").where({ id }).update({ hash });
    prevId = id;
    prevHash = hash;
  }
  await trx("audit_chain_head").where({ id: 1 }).update({ last_id: prevId, last_hash: prevHash });
}

export type ChainState =
  | { ok: true; entries: number; lastId: number | null; lastHash: string | null }
  | { ok: false; entries: number; brokenAt: number; verifiedUpTo: number | null; reason: string };

const VERIFY_BATCH = 1000;

/**
 * Walks the whole chain in id order, a batch at a time (the log may be large), and stops at the
 * first entry that does not match: its content changed, it does not follow the entry before it,
 * or the head names an entry that is not there.
 */
export async function verifyAuditChain(db: Db | Trx, batchSize = VERIFY_BATCH): Promise<ChainState> {
  let prevId: number | null = null;
  let prevHash: string | null = null;
  let entries = 0;
  const broken = (brokenAt: number, reason: string): ChainState => ({ ok: false, entries, brokenAt, verifiedUpTo: prevId, reason });
  for (;;) {
    const q = db("audit_events").orderBy("id").limit(batchSize);
    const rows = await (prevId === null ? q : q.where("id", ">", prevId));
    for (const r of rows) {
      const id = dbInt(r.id);
      const storedPrevId = r.prev_id === null ? null : dbInt(r.prev_id);
      if (storedPrevId !== prevId) {
        return storedPrevId !== null && (prevId === null || storedPrevId > prevId)
          ? broken(storedPrevId, `entry ${storedPrevId} is missing: entry ${id} follows it in the chain`)
          : broken(id, `entry ${id} names entry ${storedPrevId ?? "(none)"} as the one before it, but ${prevId === null ? "it is the first" : `entry ${prevId} is`}`);
      }
      if (r.prev_hash !== prevHash) return broken(id, `entry ${id} does not carry the hash of entry ${prevId ?? "(none)"}: one of them was changed`);
      const content: AuditContent = {
        at: r.at, actor_user_id: r.actor_user_id === null ? null : dbInt(r.actor_user_id), actor_label: r.actor_label, action: r.action,
        entity_type: r.entity_type, entity_id: r.entity_id, before_json: r.before_json, after_json: r.after_json, request_id: r.request_id,
      };
      const hash = auditEntryHash(id, content, prevId, prevHash);
      if (r.hash !== hash) return broken(id, `entry ${id} was changed after it was written: its content does not match its hash`);
      prevId = id;
      prevHash = hash;
      entries++;
    }
    if (rows.length < batchSize) break;
  }
  const head = await db("audit_chain_head").where({ id: 1 }).first("last_id", "last_hash");
  const headId = head?.last_id === null || head?.last_id === undefined ? null : dbInt(head.last_id);
  if (headId !== prevId) {
    if (headId !== null && (prevId === null || headId > prevId)) return broken(headId, `entry ${headId} is missing: the chain head records it as the newest entry`);
    return broken(prevId ?? 0, `the chain head records entry ${headId ?? "(none)"} as the newest, but entry ${prevId ?? "(none)"} is`);
  }
  if ((head?.last_hash ?? null) !== prevHash) return broken(prevId ?? 0, `the chain head does not carry the hash of entry ${prevId ?? "(none)"}`);
  return { ok: true, entries, lastId: prevId, lastHash: prevHash };
}
