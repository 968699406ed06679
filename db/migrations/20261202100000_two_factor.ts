import type { Knex } from "knex";

/*
 * Two-factor sign-in (TOTP, RFC 6238):
 * - user_second_factors: one TOTP key per user, encrypted with the server's key; confirmed_at
 *   stays null until the user has typed a first code, so an abandoned enrolment enables nothing;
 * - second_factor_used_steps: the time steps whose code a user has used. The primary key refuses
 *   a replayed code even when two requests carry it at the same moment;
 * - recovery_codes: ten one-time codes per enrolment, stored as hashes only;
 * - second_factor_attempts: wrong and right codes, for the sign-in throttle.
 */
const instant = (t: Knex.CreateTableBuilder, name: string) => t.string(name, 30);

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("user_second_factors", (t) => {
    t.integer("user_id").primary().references("users.id").onDelete("CASCADE");
    t.string("secret", 200).notNullable();
    instant(t, "created_at").notNullable();
    instant(t, "confirmed_at");
  });
  await knex.schema.createTable("second_factor_used_steps", (t) => {
    t.integer("user_id").notNullable().references("users.id").onDelete("CASCADE");
    t.integer("time_step").notNullable();
    t.primary(["user_id", "time_step"]);
  });
  await knex.schema.createTable("recovery_codes", (t) => {
    t.increments("id");
    t.integer("user_id").notNullable().references("users.id").onDelete("CASCADE").index();
    t.string("code_hash", 64).notNullable();
    instant(t, "used_at");
    t.unique(["user_id", "code_hash"]);
  });
  await knex.schema.createTable("second_factor_attempts", (t) => {
    t.increments("id");
    t.integer("user_id").notNullable().references("users.id").onDelete("CASCADE").index();
    t.string("ip", 64).notNullable().index();
    t.boolean("succeeded").notNullable();
    instant(t, "at").notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ["second_factor_attempts", "recovery_codes", "second_factor_used_steps", "user_second_factors"]) {
    await knex.schema.dropTableIfExists(t);
  }
}
