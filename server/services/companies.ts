import { ValidationError } from "../errors";
import { classifySme, type RelatedEnterprise } from "../domain/eligibility";
import type { Cents } from "../domain/money";
import { assertCents } from "../domain/money";
import { audit } from "./audit";
import type { ServiceContext, Trx } from "./context";
import { insertedId, nowIso } from "./context";

/** A declared partner or linked enterprise, exactly as the SME rule (R6) reads it. */
export type CompanyRelationInput = RelatedEnterprise;

export interface DeMinimisInput { grantingBody: string; grantedOn: string; amountCents: Cents }

export interface CompanyInput {
  legalName: string;
  vatNumber: string;
  address: string;
  country: string;
  regionId: number | null;
  sectorId: number | null;
  staffHeadcount: number;
  turnoverCents: Cents;
  balanceSheetCents: Cents;
  iban: string | null;
  accountHolder: string | null;
  /** For a SEPA account outside the euro area: the company confirmed it receives euros (R15). */
  euroAccountConfirmed?: boolean;
  relations: CompanyRelationInput[];
  deMinimis: DeMinimisInput[];
}

/** Inserts a company with its partner/linked enterprises and de minimis declarations. */
export async function insertCompany(trx: Trx, ctx: ServiceContext, input: CompanyInput): Promise<number> {
  if (!input.legalName.trim()) throw new ValidationError("The company could not be saved.", { legalName: "Enter the company's legal name." });
  const now = nowIso(ctx);
  const id = insertedId((await trx("companies").insert({
    legal_name: input.legalName.trim(), vat_number: input.vatNumber.trim(), address: input.address.trim(),
    country: input.country, region_id: input.regionId, sector_id: input.sectorId, staff_headcount: input.staffHeadcount,
    turnover_cents: input.turnoverCents, balance_sheet_cents: input.balanceSheetCents, iban: input.iban,
    account_holder: input.accountHolder, euro_account_confirmed: !!input.euroAccountConfirmed, created_at: now, updated_at: now,
  }).returning("id"))[0]);
  for (const r of input.relations) {
    await trx("company_relations").insert({
      company_id: id, name: r.name, kind: r.kind, share_percent: r.sharePercent, staff_headcount: r.staffHeadcount,
      turnover_cents: r.turnoverCents, balance_sheet_cents: r.balanceSheetCents,
    });
  }
  for (const d of input.deMinimis) {
    await trx("de_minimis_declarations").insert({ company_id: id, granting_body: d.grantingBody, granted_on: d.grantedOn, amount_cents: d.amountCents, declared_at: now });
  }
  await audit(trx, ctx, { action: "company.created", entityType: "company", entityId: id, after: input });
  return id;
}

/** The SME classification (R6) of a stored company, with the reason shown to users. */
export async function companySmeStatus(trx: Trx | ServiceContext["db"], companyId: number) {
  const c = await trx("companies").where({ id: companyId }).first();
  const rels = await trx("company_relations").where({ company_id: companyId });
  return classifySme({
    staffHeadcount: Number(c.staff_headcount),
    turnoverCents: assertCents(c.turnover_cents),
    balanceSheetCents: assertCents(c.balance_sheet_cents),
    relations: rels.map((r) => ({
      name: r.name, kind: r.kind, sharePercent: r.share_percent, staffHeadcount: Number(r.staff_headcount),
      turnoverCents: assertCents(r.turnover_cents), balanceSheetCents: assertCents(r.balance_sheet_cents),
    })),
  });
}
