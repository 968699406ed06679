import type { Knex } from "knex";

/*
 * ledger_totals: the ledger summed per call, per partner and per voucher type, each by kind,
 * booked in the same transaction as each entry, beside ledger_sums (server/services/finance/
 * budget.ts). The reconciliation page's totals per region and type, and the ledger page's totals,
 * summed ledger_sums (one row per call, partner, type and kind) on every view: about 2,300 rows at
 * 35 calls, a third of the page's time, and growing with every call opened. These levels hold a
 * few dozen rows whatever the number of calls. The daily ledger check compares them with the
 * entries.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("ledger_totals", (t) => {
    t.string("level", 10).notNullable();
    t.integer("level_id").notNullable();
    t.string("kind", 10).notNullable();
    t.bigInteger("amount_cents").notNullable();
    t.integer("entries").notNullable();
    t.primary(["level", "level_id", "kind"]);
  });
  const byLevel: readonly [string, string][] = [["call", "le.call_id"], ["partner", "a.partner_id"], ["type", "a.voucher_type_id"]];
  for (const [level, column] of byLevel) {
    await knex.raw(`
      insert into ledger_totals (level, level_id, kind, amount_cents, entries)
      select ?, ${column}, le.kind, sum(le.amount_cents), count(*)
      from ledger_entries le join applications a on a.id = le.application_id
      group by ${column}, le.kind`, [level]);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("ledger_totals");
}
