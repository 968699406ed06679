import type { Knex } from "knex";

/*
 * The e-mail outbox is claimed row by row so that several app servers (and the jobs command) never
 * send the same message twice: a sender claims a row until `claimed_until`, sends, then marks it
 * sent. A failed send is retried later (`next_attempt_at`, backing off with `attempts`). A claim
 * whose sender died simply expires.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("emails", (t) => {
    t.integer("attempts").notNullable().defaultTo(0);
    t.string("next_attempt_at", 30);
    t.string("claimed_until", 30);
    t.index(["sent_at", "next_attempt_at"], "emails_pending_idx");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("emails", (t) => {
    t.dropIndex(["sent_at", "next_attempt_at"], "emails_pending_idx");
    t.dropColumn("claimed_until");
    t.dropColumn("next_attempt_at");
    t.dropColumn("attempts");
  });
}
