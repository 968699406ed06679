import type { Knex } from "knex";

/*
 * Languages: a user's saved language (null until they choose one: the switcher cookie or the
 * browser's languages decide meanwhile) and each partner organisation's default language, the
 * last resort for its staff and the applicants of its region and the language of their award
 * letters and e-mails when the reader has chosen none. Defaults follow the partner's region.
 */
const DEFAULT_BY_REGION: Record<string, string> = {
  DK: "da", NB: "nl", LI: "nl", VL: "nl", BW: "de", RL: "de", WL: "fr", AL: "fr",
};

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("users", (t) => {
    t.string("language", 5).nullable();
  });
  await knex.schema.alterTable("partners", (t) => {
    t.string("default_language", 5).notNullable().defaultTo("en");
  });
  const regions = await knex("regions").select<{ id: number; code: string }[]>("id", "code");
  for (const r of regions) {
    const language = DEFAULT_BY_REGION[r.code];
    if (language) await knex("partners").where({ region_id: r.id }).update({ default_language: language });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("partners", (t) => {
    t.dropColumn("default_language");
  });
  await knex.schema.alterTable("users", (t) => {
    t.dropColumn("language");
  });
}
