import type { Knex } from "knex";

/*
 * Monthly exchange rates kept by finance (R2) and the SME's confirmation that a non-euro SEPA
 * account receives euros (R15).
 *
 * exchange_rates is insert-only: a correction is a new row for the same currency and month with the
 * next revision number, so every rate ever used stays on record and the current rate of a month is
 * its highest revision. The unique key makes two finance officers correcting the same month at
 * the same moment produce one correction and one clear refusal, never two "current" rates.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("exchange_rates", (t) => {
    t.increments("id");
    t.string("currency", 3).notNullable(); // ISO 4217, never EUR
    t.string("month", 7).notNullable(); // YYYY-MM
    t.string("rate", 20).notNullable(); // foreign units per 1 EUR, exactly as published
    t.integer("revision").notNullable();
    t.string("note", 300);
    t.integer("entered_by").notNullable().references("users.id");
    t.string("entered_at", 30).notNullable();
    t.unique(["currency", "month", "revision"]);
  });

  await knex.schema.alterTable("companies", (t) => {
    t.boolean("euro_account_confirmed").notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("companies", (t) => t.dropColumn("euro_account_confirmed"));
  await knex.schema.dropTableIfExists("exchange_rates");
}
