import type { Knex } from "knex";

/*
 * ledger_sums: the ledger summed per call, partner, voucher type and kind, booked in the same
 * transaction as each entry (server/services/finance/budget.ts). The reconciliation page reads
 * these few hundred rows instead of summing every entry with four joins on each view, which at
 * 34,000 entries took about 125 ms and grew with the ledger. Summing every entry stays available
 * on the page on demand, and the daily ledger check compares the sums with the entries.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("ledger_sums", (t) => {
    t.integer("call_id").notNullable().references("calls.id");
    t.integer("partner_id").notNullable().references("partners.id");
    t.integer("voucher_type_id").notNullable().references("voucher_types.id");
    t.string("kind", 10).notNullable();
    t.bigInteger("amount_cents").notNullable();
    t.integer("entries").notNullable();
    t.primary(["call_id", "partner_id", "voucher_type_id", "kind"]);
  });
  await knex.raw(`
    insert into ledger_sums (call_id, partner_id, voucher_type_id, kind, amount_cents, entries)
    select le.call_id, a.partner_id, a.voucher_type_id, le.kind, sum(le.amount_cents), count(*)
    from ledger_entries le join applications a on a.id = le.application_id
    group by le.call_id, a.partner_id, a.voucher_type_id, le.kind`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("ledger_sums");
}
