import type { Knex } from "knex";
import { normaliseVatNumber } from "../../server/domain/accounts";
import { searchKey } from "../../server/domain/text-folding";

/*
 * One company per VAT number. Registration accepted a VAT number another company already had
 * (or the same number written "dk 1234 5678"), so one enterprise could be registered twice and
 * get round the SME rule (R6) and the de minimis ceiling (R9), which read one company's facts.
 * VAT numbers are now stored normalised (server/domain/accounts.ts: upper case, no spaces, dots or
 * dashes), the rows already here too (their search keys with them), and a unique index makes the
 * database refuse a second company with the number, also when two registrations race.
 *
 * Two companies that already share a number cannot be merged by a migration (both may have
 * applications, claims and payments): the migration stops and names them, for an administrator to
 * correct one company's VAT number before migrating again.
 */
export async function up(knex: Knex): Promise<void> {
  const companies = await knex("companies").orderBy("id").select("id", "legal_name", "vat_number") as { id: number; legal_name: string; vat_number: string }[];
  const holders = new Map<string, number[]>();
  for (const c of companies) {
    const vat = normaliseVatNumber(c.vat_number);
    holders.set(vat, [...(holders.get(vat) ?? []), Number(c.id)]);
  }
  const shared = [...holders].filter(([vat, ids]) => vat !== "" && ids.length > 1);
  if (shared.length) {
    throw new Error(`Companies share a VAT number; correct all but one of each before migrating: ${shared.map(([vat, ids]) => `${vat} (company ids ${ids.join(", ")})`).join("; ")}`);
  }
  for (const c of companies) {
    const vat = normaliseVatNumber(c.vat_number);
    if (vat !== c.vat_number) await knex("companies").where({ id: c.id }).update({ vat_number: vat, search_key: searchKey(c.legal_name, vat) });
  }
  // Partial: a company saved without a number (none can be through the forms) blocks nobody.
  await knex.raw("create unique index companies_vat_number_unique on companies (vat_number) where vat_number <> ''");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop index companies_vat_number_unique");
}
