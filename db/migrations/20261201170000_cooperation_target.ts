import type { Knex } from "knex";

/*
 * The programme's target of distinct international cooperations, shown on the results dashboard
 * against the number reached. Seeded with the figure of the predecessor project FASILIS (67
 * international life-science cooperations), the reference the partners report against; an
 * administrator changes it on the results page.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("schemes", (t) => {
    t.integer("cooperation_target").notNullable().defaultTo(67);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("schemes", (t) => {
    t.dropColumn("cooperation_target");
  });
}
