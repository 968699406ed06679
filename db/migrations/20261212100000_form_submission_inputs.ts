import type { Knex } from "knex";

/*
 * A form's key is also sent back with other answers: the browser's Back button restores a sent
 * form with its key, the person changes it and sends it again. Taken for a second sending of the
 * same answers, it created nothing and yet was answered "invited" or "created" for answers that
 * were never saved. The use case now keeps a fingerprint of the answers (SHA-256 of the input,
 * without any password) beside the key, and refuses the key with other answers. Rows from before
 * have none and are taken as they were.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("form_submissions", (t) => {
    t.string("input_sha256", 64);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("form_submissions", (t) => {
    t.dropColumn("input_sha256");
  });
}
