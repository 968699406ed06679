import type { Knex } from "knex";
import { isPostgres } from "../../server/db/connection";

/*
 * A payment the bank sends back (account closed, name and IBAN do not match) is a correction of
 * the ledger (R5): its payment entry is reversed, the claim waits in the payment queue again, and
 * the voucher is paid once more, usually to a corrected account. The payment row stays as the
 * record of what was sent and when it came back (returned_on, return_reason), so a claim can now
 * have several payment rows, of which at most one stands (returned_at empty): "one payment per
 * claim" (R15) becomes "one standing payment per claim", still enforced by the database.
 *
 * A path that paid stayed open for good (payment_paths_close); a returned payment closes its
 * path, so the claim can take a new one. The check now allows closing a paid path; the service
 * closes one only together with its payment's return.
 */
const instant = (t: Knex.CreateTableBuilder | Knex.AlterTableBuilder, name: string) => t.string(name, 30);

export async function up(knex: Knex): Promise<void> {
  // down() leaves these columns in place, so a second up() finds them.
  if (!(await knex.schema.hasColumn("payments", "returned_at"))) {
    await knex.schema.alterTable("payments", (t) => {
      t.string("returned_on", 10);
      t.string("return_reason", 300);
      t.integer("returned_by").references("users.id");
      instant(t, "returned_at");
    });
  }
  // Dropped by name: knex's dropUnique rebuilds the table on SQLite, which the foreign keys of
  // the ledger's entries and the payment paths refuse once there is data.
  await knex.raw(isPostgres(knex) ? "alter table payments drop constraint payments_claim_id_unique" : "drop index payments_claim_id_unique");
  await knex.raw("create unique index payments_one_standing_per_claim on payments (claim_id) where returned_at is null");
  await knex.schema.alterTable("payment_paths", (t) => {
    t.dropChecks(["payment_paths_close"]);
    t.check("closed_at is null or kind = 'batch' or payment_id is not null", undefined, "payment_paths_close");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("payment_paths", (t) => {
    t.dropChecks(["payment_paths_close"]);
    t.check("closed_at is null or (kind = 'batch' and payment_id is null)", undefined, "payment_paths_close");
  });
  await knex.raw("drop index payments_one_standing_per_claim");
  // Once a payment has been returned there is no way back: its closed path breaks the restored
  // check, and a claim paid again breaks one payment per claim, so down() fails then. The added
  // columns stay, for the reason given in the payment paths' migration.
  await knex.raw(isPostgres(knex) ? "alter table payments add constraint payments_claim_id_unique unique (claim_id)" : "create unique index payments_claim_id_unique on payments (claim_id)");
}
