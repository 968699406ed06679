import type { Knex } from "knex";

/*
 * The facts an issued award letter states, kept with the letter (they were kept only until its
 * PDF was stored). A letter is issued in its reader's language; staff who read another language
 * download an English reference rendering of exactly these facts. Letters issued before this
 * column have none and offer no reference rendering.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("award_letters", (t) => {
    t.text("data_json").nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("award_letters", (t) => {
    t.dropColumn("data_json");
  });
}
