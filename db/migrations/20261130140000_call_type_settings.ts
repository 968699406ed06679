import type { Knex } from "knex";

/*
 * Per-type settings become the call's own once it opens (R11, R12, R14): an administrator's
 * change applies to calls opened afterwards, never to vouchers already applied for. The columns
 * are empty while a call is a draft and filled when it opens.
 *
 * R11 says Insight and Collaboration may not START before the approval, so an activity starting
 * on the approval day is allowed; only Meet & Greet must be approved before the day of the
 * activity. The seeded types required that of all three, which refused valid Insight and
 * Collaboration applications. Calls already open take the corrected settings.
 */
const COLUMNS = ["amount_rule", "max_cents", "pre_approval_required", "claim_days", "payment_basis", "settings_taken_at"] as const;

export async function up(knex: Knex): Promise<void> {
  await knex("voucher_types").whereIn("code", ["IN", "CO"]).update({ pre_approval_required: false });

  await knex.schema.alterTable("call_voucher_types", (t) => {
    t.string("amount_rule", 20);
    t.bigInteger("max_cents");
    t.boolean("pre_approval_required");
    t.integer("claim_days");
    t.string("payment_basis", 30);
    t.string("settings_taken_at", 30);
  });

  const opened = await knex("calls").whereNot("status", "draft").select("id");
  for (const { id } of opened) {
    const offers = await knex("call_voucher_types").where({ call_id: id }).select("voucher_type_id");
    for (const o of offers) {
      const t = await knex("voucher_types").where({ id: o.voucher_type_id }).first();
      await knex("call_voucher_types").where({ call_id: id, voucher_type_id: o.voucher_type_id }).update({
        amount_rule: t.amount_rule, max_cents: t.max_cents, pre_approval_required: t.pre_approval_required,
        claim_days: t.claim_days, payment_basis: t.payment_basis, settings_taken_at: new Date().toISOString(),
      });
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("call_voucher_types", (t) => {
    for (const c of COLUMNS) t.dropColumn(c);
  });
  await knex("voucher_types").whereIn("code", ["IN", "CO"]).update({ pre_approval_required: true });
}
