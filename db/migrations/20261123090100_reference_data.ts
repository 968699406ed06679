import type { Knex } from "knex";

/*
 * Required reference data, not demo data: the scheme, its voucher types (scheme.md table), the
 * programme regions with their partner organisations, and the health sectors (R7). Administrators
 * edit regions and partners afterwards; this only seeds the IN2LifeSciences defaults.
 * Values are written out here rather than imported from server/domain so that this migration
 * keeps meaning the same thing when the domain code changes.
 */
export async function up(knex: Knex): Promise<void> {
  const [scheme] = await knex("schemes")
    .insert({
      code: "IN2LS",
      name: "IN2LifeSciences innovation vouchers",
      time_zone: "Europe/Copenhagen",
      de_minimis_ceiling_cents: 30_000_000,
      block_while_claim_open: true,
    })
    .returning("id");
  const schemeId = typeof scheme === "object" ? scheme.id : scheme;

  await knex("voucher_types").insert([
    { scheme_id: schemeId, code: "MG", name: "Meet & Greet", amount_rule: "capped", max_cents: 50_000,
      pre_approval_required: true, completion_days: 90, claim_days: 30, payment_basis: "actual-costs-capped" },
    { scheme_id: schemeId, code: "IN", name: "Insight", amount_rule: "fixed", max_cents: 400_000,
      pre_approval_required: true, completion_days: 180, claim_days: 30, payment_basis: "lump-sum" },
    { scheme_id: schemeId, code: "CO", name: "Collaboration", amount_rule: "fixed", max_cents: 700_000,
      pre_approval_required: true, completion_days: 365, claim_days: 30, payment_basis: "lump-sum" },
  ]);

  const regions = [
    { code: "DK", name: "Capital Region of Denmark", country: "DK",
      partner: ["BioPeople", "BioPeople", "Ole Maaløes Vej 3\n2200 Copenhagen N\nDenmark"] },
    { code: "NB", name: "Noord-Brabant", country: "NL",
      partner: ["BOM (Brabantse Ontwikkelings Maatschappij)", "BOM", "Goirleseweg 15\n5026 PB Tilburg\nThe Netherlands"] },
    { code: "BW", name: "Stuttgart and Neckar-Alb", country: "DE",
      partner: ["BioRegio STERN Management GmbH", "BioRegio STERN", "Friedrichstraße 10\n70174 Stuttgart\nGermany"] },
    { code: "VL", name: "Flanders", country: "BE",
      partner: ["Flanders Life Sciences Network", "FLSN", "Technologiepark 3\n9052 Ghent\nBelgium"] },
    { code: "WL", name: "Wallonia", country: "BE",
      partner: ["Wallonia Health Cluster", "WHC", "Rue Auguste Piccard 37\n6041 Gosselies\nBelgium"] },
    { code: "AL", name: "Alsace", country: "FR",
      partner: ["Rhine Valley Health Cluster", "RVHC", "1 place de l'Hôpital\n67000 Strasbourg\nFrance"] },
    { code: "RL", name: "Rhineland", country: "DE",
      partner: ["Rhineland BioCluster", "RBC", "Nattermannallee 1\n50829 Cologne\nGermany"] },
    { code: "LI", name: "Limburg", country: "NL",
      partner: ["Limburg Health Campus Partners", "LHCP", "Oxfordlaan 55\n6229 EV Maastricht\nThe Netherlands"] },
  ];
  for (const r of regions) {
    const [row] = await knex("regions").insert({ code: r.code, name: r.name, country: r.country }).returning("id");
    const regionId = typeof row === "object" ? row.id : row;
    await knex("partners").insert({
      region_id: regionId, name: r.partner[0], short_name: r.partner[1], address: r.partner[2],
    });
  }

  await knex("sectors").insert([
    { code: "biotech", name: "Biotechnology" },
    { code: "pharma", name: "Pharmaceuticals" },
    { code: "medtech", name: "Medical technology" },
    { code: "nutrition", name: "Nutrition for human and animal health" },
  ]);

  await knex("rejection_templates").insert([
    { title: "Counterpart in own region (R8)",
      text: "The organisation you plan to meet or work with is in your own region. The scheme funds cross-border activities only." },
    { title: "Activity already started (R11)",
      text: "The activity starts before the approval could be given. Vouchers must be approved before the activity takes place." },
    { title: "Budget exhausted (R4)",
      text: "The call's budget is fully committed. Your application could not be funded in this call." },
    { title: "Not an innovation activity",
      text: "The described activity does not show the innovation content the scheme requires." },
  ]);
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ["rejection_templates", "sectors", "partners", "regions", "voucher_types", "schemes"]) {
    await knex(t).del();
  }
}
