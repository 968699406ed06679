import type { Knex } from "knex";

/*
 * pending_award_letters: an award letter decided by an approval whose PDF has not been stored yet.
 * The approval's transaction records the letter's facts here (reference, issue instant, the data
 * the letter states); the PDF is written after the commit, outside the database's write lock, and
 * stored with its SHA-256 in award_letters in a short transaction that deletes this row. A server
 * that dies in between leaves the row, and the next start renders the same bytes from it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("pending_award_letters", (t) => {
    t.integer("application_id").primary().references("applications.id");
    t.string("reference", 40).notNullable().unique();
    t.string("language", 5).notNullable();
    t.string("issued_at", 30).notNullable();
    t.integer("issued_by").notNullable().references("users.id");
    t.text("data_json").notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("pending_award_letters");
}
