import type { Knex } from "knex";
import { searchKey } from "../../server/domain/text-folding";

/*
 * companies.search_key (legal name and VAT number), users.search_key (name and e-mail address)
 * and directory_organisations.search_key (name, description and competences): the text as searched (server/domain/text-folding.ts: accents off, lower case), kept by
 * the services that save companies and create users. Searches compare it with what was typed,
 * folded the same way, because SQLite's lower() knows only ASCII ("Ørsted" stays "Ørsted") where
 * PostgreSQL's knows every letter. The keys of the rows already here are made with the folding of
 * the code that runs this migration.
 */
export async function up(knex: Knex): Promise<void> {
  // Text, not a bounded string: taking accents off can make a text longer than it was typed.
  await knex.schema.alterTable("companies", (t) => {
    t.text("search_key").notNullable().defaultTo("");
  });
  await knex.schema.alterTable("users", (t) => {
    t.text("search_key").notNullable().defaultTo("");
  });
  await knex.schema.alterTable("directory_organisations", (t) => {
    t.text("search_key").notNullable().defaultTo("");
  });
  const companies = await knex("companies").select("id", "legal_name", "vat_number");
  for (const c of companies as { id: number; legal_name: string; vat_number: string | null }[]) {
    await knex("companies").where({ id: c.id }).update({ search_key: searchKey(c.legal_name, c.vat_number) });
  }
  const users = await knex("users").select("id", "name", "email");
  for (const u of users as { id: number; name: string; email: string }[]) {
    await knex("users").where({ id: u.id }).update({ search_key: searchKey(u.name, u.email) });
  }
  const organisations = await knex("directory_organisations").select("id", "name", "description", "competences");
  for (const o of organisations as { id: number; name: string; description: string; competences: string }[]) {
    await knex("directory_organisations").where({ id: o.id }).update({ search_key: searchKey(o.name, o.description, o.competences) });
  }
}

export async function down(knex: Knex): Promise<void> {
  // SQL's own DROP COLUMN: knex would rebuild the tables on SQLite, which the foreign keys to them refuse.
  await knex.raw("alter table directory_organisations drop column search_key");
  await knex.raw("alter table users drop column search_key");
  await knex.raw("alter table companies drop column search_key");
}
