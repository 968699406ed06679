import type { Knex } from "knex";

/*
 * - decision_records: every decision on an application (approval, rejection, reserve listing) with
 *   the eligibility findings as they were at that moment, and the reason for approving ahead of an
 *   earlier reserve-listed application that fitted (R4). Insert-only, like the audit log.
 * - conflicts_of_interest.handed_to_user_id: the manager of the same partner, or administrator,
 *   who takes over after a conflict of interest (R10).
 * - company_versions and company_relations.valid_from/valid_to: company facts (the inputs of
 *   R6-R8) are kept as versions; a profile change closes the current version instead of
 *   overwriting or deleting it (R17).
 */
const instant = (t: Knex.CreateTableBuilder | Knex.AlterTableBuilder, name: string) => t.string(name, 30);

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("decision_records", (t) => {
    t.increments("id");
    t.integer("application_id").notNullable().references("applications.id");
    t.string("action", 20).notNullable(); // approve | reject | reserve
    instant(t, "decided_at").notNullable();
    t.integer("decided_by").notNullable().references("users.id");
    t.bigInteger("amount_cents");
    t.text("reason");
    t.text("skip_reason");
    t.integer("skipped_application_id").references("applications.id");
    t.text("findings_json").notNullable();
    t.index(["application_id"]);
  });

  await knex.schema.alterTable("conflicts_of_interest", (t) => {
    t.integer("handed_to_user_id").references("users.id");
  });

  await knex.schema.alterTable("company_relations", (t) => {
    instant(t, "valid_from");
    instant(t, "valid_to");
  });

  await knex.schema.createTable("company_versions", (t) => {
    t.increments("id");
    t.integer("company_id").notNullable().references("companies.id");
    t.integer("version").notNullable();
    instant(t, "valid_from").notNullable();
    instant(t, "valid_to");
    t.text("facts_json").notNullable();
    t.integer("recorded_by").references("users.id");
    t.unique(["company_id", "version"]);
  });

  // The facts every existing company has now become its first version.
  const companies = await knex("companies").select("*");
  for (const c of companies) {
    const relations = await knex("company_relations").where({ company_id: c.id }).orderBy("id");
    await knex("company_relations").where({ company_id: c.id }).update({ valid_from: c.created_at });
    await knex("company_versions").insert({
      company_id: c.id, version: 1, valid_from: c.created_at, valid_to: null, recorded_by: null,
      facts_json: JSON.stringify({
        legalName: c.legal_name, vatNumber: c.vat_number, address: c.address, country: c.country, regionId: c.region_id,
        sectorId: c.sector_id, staffHeadcount: Number(c.staff_headcount), turnoverCents: Number(c.turnover_cents),
        balanceSheetCents: Number(c.balance_sheet_cents), iban: c.iban, accountHolder: c.account_holder,
        relations: relations.map((r) => ({
          name: r.name, kind: r.kind, sharePercent: r.share_percent, staffHeadcount: Number(r.staff_headcount),
          turnoverCents: Number(r.turnover_cents), balanceSheetCents: Number(r.balance_sheet_cents),
        })),
      }),
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("company_versions");
  await knex.schema.alterTable("company_relations", (t) => {
    t.dropColumn("valid_to");
    t.dropColumn("valid_from");
  });
  await knex.schema.alterTable("conflicts_of_interest", (t) => {
    t.dropColumn("handed_to_user_id");
  });
  await knex.schema.dropTable("decision_records");
}
