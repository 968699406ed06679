import type { Knex } from "knex";

/*
 * letter_numbers: the last sequence number given under each award-letter reference prefix
 * ("IN2LS-2026-DK-IN-"). Numbering a letter was a scan of every stored and pending reference under
 * its prefix; with a counter it is one upsert of one row, which on PostgreSQL also holds that row's
 * lock until the approval commits, so two approvals cannot take the same number. The counters start
 * from the letters already issued or pending.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("letter_numbers", (t) => {
    t.string("prefix", 60).primary();
    t.integer("last_sequence").notNullable();
  });
  const references: string[] = [
    ...(await knex("award_letters").pluck("reference")),
    ...(await knex("pending_award_letters").pluck("reference")),
  ];
  const highest = new Map<string, number>();
  for (const reference of references) {
    const m = /^(.*-)(\d+)$/.exec(reference);
    if (!m) continue;
    highest.set(m[1], Math.max(highest.get(m[1]) ?? 0, Number(m[2])));
  }
  const rows = [...highest].map(([prefix, last]) => ({ prefix, last_sequence: last }));
  for (let i = 0; i < rows.length; i += 200) await knex("letter_numbers").insert(rows.slice(i, i + 200));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("letter_numbers");
}
