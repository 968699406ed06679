import type { Knex } from "knex";

/*
 * Indexes the ledger page, its exports and the budget writes ask for, so their cost does not grow
 * with the ledger:
 * - (call_id, id) and (kind, id): a keyset page of one call's or one kind's entries reads the next
 *   entries in id order from the index instead of sorting every match;
 * - reverses_entry_id: a correction checks that its entry was not reversed before, under the
 *   budget lock, without scanning the ledger;
 * - claim_cost_lines.claim_id: the original currencies behind the payments of a page or batch.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("ledger_entries", (t) => {
    t.index(["call_id", "id"], "ledger_entries_call_id_id_index");
    t.index(["kind", "id"], "ledger_entries_kind_id_index");
    t.index(["reverses_entry_id"], "ledger_entries_reverses_entry_id_index");
  });
  await knex.schema.alterTable("claim_cost_lines", (t) => {
    t.index(["claim_id"], "claim_cost_lines_claim_id_index");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("claim_cost_lines", (t) => {
    t.dropIndex(["claim_id"], "claim_cost_lines_claim_id_index");
  });
  await knex.schema.alterTable("ledger_entries", (t) => {
    t.dropIndex(["reverses_entry_id"], "ledger_entries_reverses_entry_id_index");
    t.dropIndex(["kind", "id"], "ledger_entries_kind_id_index");
    t.dropIndex(["call_id", "id"], "ledger_entries_call_id_id_index");
  });
}
