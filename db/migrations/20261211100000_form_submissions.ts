import type { Knex } from "knex";

/*
 * A form that creates something (an application draft, a call) carries a key made when the form
 * was shown. The use case records the key with what it created, in the same transaction; a
 * second request with the key (a double click, the browser sending the form again) finds that
 * record instead of creating a second draft or call. The primary key makes the database decide
 * between two requests that arrive together.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("form_submissions", (t) => {
    t.string("key", 40).primary();
    t.integer("user_id").notNullable().references("users.id");
    t.string("kind", 20).notNullable(); // application | call
    t.integer("entity_id");
    t.string("created_at", 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("form_submissions");
}
