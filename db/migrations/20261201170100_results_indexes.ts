import type { Knex } from "knex";

/*
 * Covering indexes for the results dashboard, which sums the whole ledger per call, per month and
 * per application (then partner) on every request. With the amount inside the index the sums read
 * the index alone instead of every ledger row: at 100,000 entries on SQLite the per-call sums
 * went from about 110 ms of CPU to 7 ms, the per-month sums from 60 ms to 11 ms and the
 * per-application sums from 95 ms to 40 ms. The month index is on the same expression the query
 * groups by, so the groups come out of the index in order without a sort.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("ledger_entries", (t) => {
    t.index(["call_id", "kind", "at", "amount_cents"], "ledger_entries_results_call");
    t.index(["application_id", "kind", "call_id", "at", "amount_cents"], "ledger_entries_results_application");
  });
  await knex.raw("create index ledger_entries_results_month on ledger_entries ((substr(at, 1, 7)), kind, call_id, at, amount_cents)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop index ledger_entries_results_month");
  await knex.schema.alterTable("ledger_entries", (t) => {
    t.dropIndex([], "ledger_entries_results_application");
    t.dropIndex([], "ledger_entries_results_call");
  });
}
