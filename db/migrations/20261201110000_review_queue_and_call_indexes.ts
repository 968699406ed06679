import type { Knex } from "knex";

/*
 * Indexes the review queue and the call page ask for, so their cost does not grow with the
 * programme:
 * - applications (partner_id, submitted_at, id): a manager's queue, oldest submission first, read
 *   page by page from a key (no sort of the partner's rows, no OFFSET).
 * - applications (submitted_at, id): the same queue for administrators, across partners.
 * - applications (call_id, state): the counts per state and the reserve list of one call.
 * - conflicts_of_interest (handed_to_user_id): the applications handed to a manager or
 *   administrator after a conflict of interest, shown above the queue.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("applications", (t) => {
    t.index(["partner_id", "submitted_at", "id"], "applications_partner_queue_idx");
    t.index(["submitted_at", "id"], "applications_queue_idx");
    t.index(["call_id", "state"], "applications_call_state_idx");
  });
  await knex.schema.alterTable("conflicts_of_interest", (t) => {
    t.index(["handed_to_user_id"], "conflicts_of_interest_handed_to_idx");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("conflicts_of_interest", (t) => {
    t.dropIndex(["handed_to_user_id"], "conflicts_of_interest_handed_to_idx");
  });
  await knex.schema.alterTable("applications", (t) => {
    t.dropIndex(["call_id", "state"], "applications_call_state_idx");
    t.dropIndex(["submitted_at", "id"], "applications_queue_idx");
    t.dropIndex(["partner_id", "submitted_at", "id"], "applications_partner_queue_idx");
  });
}
