import type { Knex } from "knex";

/*
 * claims (status, submitted_at, id): the queue of claims to verify, oldest first, read page by
 * page from a key (see services/platform/keyset.ts) without sorting every submitted claim.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("claims", (t) => {
    t.index(["status", "submitted_at", "id"], "claims_queue_idx");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("claims", (t) => {
    t.dropIndex(["status", "submitted_at", "id"], "claims_queue_idx");
  });
}
