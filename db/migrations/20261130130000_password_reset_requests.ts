import type { Knex } from "knex";

/*
 * Password-reset requests that were let through, per e-mail address and per client address, so
 * that the limits of server/domain/throttle.ts hold across app servers sharing one database.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("password_reset_requests", (t) => {
    t.increments("id");
    t.string("email", 254).notNullable().index();
    t.string("ip", 64).notNullable().index();
    t.string("at", 30).notNullable().index();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("password_reset_requests");
}
