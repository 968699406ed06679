import type { Knex } from "knex";

/*
 * A claim may be on at most one open payment path: paid by hand, or in a SEPA batch that is
 * prepared or executed. Checks in the services are not enough on their own (two requests can
 * both pass a check before either writes), so the database refuses the second path: every path
 * is a row of payment_paths, and a partial unique index allows one row per claim whose
 * closed_at is empty. Only cancelling a prepared batch closes its paths; a payment never does.
 *
 * Same conventions as the initial schema: instants are ISO strings, nothing is deleted.
 */
const instant = (t: Knex.CreateTableBuilder, name: string) => t.string(name, 30);

export async function up(knex: Knex): Promise<void> {
  // down() leaves these columns in place (see there), so a second up() finds them.
  if (!(await knex.schema.hasColumn("sepa_batches", "cancelled_at"))) {
    await knex.schema.alterTable("sepa_batches", (t) => {
      // status gains "cancelled": the file must not be sent, its claims are back in the queue.
      instant(t, "cancelled_at");
      t.integer("cancelled_by").references("users.id");
      t.string("cancel_reason", 300);
    });
  }

  // What the file pays each claim, so marking the batch executed can check that the account and
  // the amount are still the ones the bank was told to pay.
  if (!(await knex.schema.hasColumn("sepa_batch_items", "iban"))) {
    await knex.schema.alterTable("sepa_batch_items", (t) => {
      t.string("iban", 34);
      t.bigInteger("amount_cents");
    });
  }
  await backfillBatchItems(knex);

  await knex.schema.createTable("payment_paths", (t) => {
    t.increments("id");
    t.integer("claim_id").notNullable().references("claims.id");
    t.string("kind", 10).notNullable(); // hand | batch
    t.integer("batch_id").references("sepa_batches.id");
    t.integer("payment_id").references("payments.id");
    instant(t, "opened_at").notNullable();
    t.integer("opened_by").notNullable().references("users.id");
    instant(t, "closed_at");
    t.integer("closed_by").references("users.id");
    t.index(["batch_id"]);
    t.check("kind in ('hand', 'batch')", undefined, "payment_paths_kind");
    t.check("(kind = 'hand' and batch_id is null) or (kind = 'batch' and batch_id is not null)", undefined, "payment_paths_batch");
    // A path that paid stays open for good; only an unpaid batch path can be closed.
    t.check("closed_at is null or (kind = 'batch' and payment_id is null)", undefined, "payment_paths_close");
  });

  // Paths that already exist: every payment, then the claims of prepared batches in batch order.
  // A claim that an earlier bug put into two prepared batches gets its path from the first one;
  // executing the other batch is then refused for that claim, and it can be cancelled.
  const payments: { id: number; claim_id: number; batch_id: number | null; recorded_at: string; recorded_by: number }[] =
    await knex("payments").orderBy("id").select("id", "claim_id", "batch_id", "recorded_at", "recorded_by");
  const open = new Set<number>();
  for (const p of payments) {
    await knex("payment_paths").insert({
      claim_id: p.claim_id, kind: p.batch_id === null ? "hand" : "batch", batch_id: p.batch_id, payment_id: p.id,
      opened_at: p.recorded_at, opened_by: p.recorded_by,
    });
    open.add(Number(p.claim_id));
  }
  const items: { batch_id: number; claim_id: number; created_at: string; created_by: number }[] = await knex("sepa_batch_items as bi")
    .join("sepa_batches as b", "b.id", "bi.batch_id").where("b.status", "prepared")
    .orderBy([{ column: "b.id" }, { column: "bi.claim_id" }]).select("bi.batch_id", "bi.claim_id", "b.created_at", "b.created_by");
  for (const i of items) {
    if (open.has(Number(i.claim_id))) continue;
    await knex("payment_paths").insert({ claim_id: i.claim_id, kind: "batch", batch_id: i.batch_id, opened_at: i.created_at, opened_by: i.created_by });
    open.add(Number(i.claim_id));
  }

  await knex.raw("create unique index payment_paths_one_open_per_claim on payment_paths (claim_id) where closed_at is null");
}

/** Reads account and amount of each claim back out of the files of batches still prepared. */
async function backfillBatchItems(knex: Knex): Promise<void> {
  const batches: { id: number; xml: string }[] = await knex("sepa_batches").where({ status: "prepared" }).select("id", "xml");
  for (const b of batches) {
    const items: { claim_id: number; reference: string | null }[] = await knex("sepa_batch_items as bi")
      .join("claims as cl", "cl.id", "bi.claim_id").join("applications as a", "a.id", "cl.application_id")
      .where("bi.batch_id", b.id).select("bi.claim_id", "a.reference");
    for (const tx of String(b.xml).split("<CdtTrfTxInf>").slice(1)) {
      const e2e = /<EndToEndId>([^<]*)<\/EndToEndId>/.exec(tx)?.[1];
      const amount = /<InstdAmt Ccy="EUR">(\d+)\.(\d{2})<\/InstdAmt>/.exec(tx);
      const iban = /<CdtrAcct>\s*<Id>\s*<IBAN>([A-Z0-9]+)<\/IBAN>/.exec(tx)?.[1];
      const item = items.find((i) => (i.reference ?? `CLAIM-${i.claim_id}`) === e2e);
      if (!item || !amount || !iban) continue;
      await knex("sepa_batch_items").where({ batch_id: b.id, claim_id: item.claim_id })
        .update({ iban, amount_cents: Number(amount[1]) * 100 + Number(amount[2]) });
    }
  }
}

/*
 * Drops the paths. The added nullable columns stay: on SQLite dropping a column rebuilds the
 * table, which the foreign keys of the batches' items and payments refuse once there is data.
 */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("payment_paths");
}
