import { createHash } from "node:crypto";
import type { Knex } from "knex";

/*
 * The audit log becomes a hash chain: every entry names the entry before it (prev_id), carries
 * that entry's hash (prev_hash) and the sha-256 of its own stored columns (hash). The one-row
 * audit_chain_head records the last entry, so deleting the newest entries is noticed too, and its
 * row is what PostgreSQL writers lock to keep the chain linear.
 *
 * Existing entries are chained here in id order. The serialisation is written out in this file
 * (not imported) so that this migration keeps producing what it produced on its day; it is
 * version 1 of the format in server/services/platform/audit-chain.ts.
 */

const BATCH = 500;

interface Row {
  id: number;
  at: string;
  actor_user_id: number | null;
  actor_label: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before_json: string | null;
  after_json: string | null;
  request_id: string | null;
}

function hashV1(r: Row, prevId: number | null, prevHash: string | null): string {
  const canonical = JSON.stringify([
    "audit-v1", Number(r.id), r.at, r.actor_user_id === null ? null : Number(r.actor_user_id), r.actor_label, r.action,
    r.entity_type, r.entity_id, r.before_json, r.after_json, r.request_id, prevId, prevHash,
  ]);
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("audit_events", (t) => {
    t.integer("prev_id");
    t.string("prev_hash", 64);
    t.string("hash", 64);
  });
  await knex.schema.createTable("audit_chain_head", (t) => {
    t.integer("id").primary();
    t.integer("last_id");
    t.string("last_hash", 64);
  });

  let prevId: number | null = null;
  let prevHash: string | null = null;
  for (;;) {
    const q = knex<Row>("audit_events").orderBy("id").limit(BATCH)
      .select("id", "at", "actor_user_id", "actor_label", "action", "entity_type", "entity_id", "before_json", "after_json", "request_id");
    const rows: Row[] = await (prevId === null ? q : q.where("id", ">", prevId));
    if (rows.length === 0) break;
    for (const r of rows) {
      const hash = hashV1(r, prevId, prevHash);
      await knex("audit_events").where({ id: r.id }).update({ prev_id: prevId, prev_hash: prevHash, hash });
      prevId = Number(r.id);
      prevHash = hash;
    }
  }
  await knex("audit_chain_head").insert({ id: 1, last_id: prevId, last_hash: prevHash });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("audit_chain_head");
  await knex.schema.alterTable("audit_events", (t) => {
    t.dropColumn("hash");
    t.dropColumn("prev_hash");
    t.dropColumn("prev_id");
  });
}
