import { normaliseVatNumber } from "../../domain/accounts";
import { msg } from "../../domain/message";
import { searchKey } from "../../domain/text-folding";
import { ValidationError } from "../../errors";
import { isUniqueViolation } from "../../db/connection";
import type { RelatedEnterprise } from "../../domain/eligibility";
import type { CompanyFacts } from "../../db/tables/companies";
import type { DeMinimisDeclaration } from "../../db/tables/de-minimis-declarations";
import { toDeMinimisDeclaration } from "../../db/tables/de-minimis-declarations";
import { audit } from "../platform/audit";
import type { ServiceContext, Trx } from "../platform/context";
import { insertedId, nowIso } from "../platform/context";
import { currentCompanyFacts } from "./company-queries";

/*
 * Writing a company's facts, inside the transaction of the use case that does it (registration,
 * the profile page, seeding). Reading them is in ./company-queries.ts.
 */

/** A declared partner or linked enterprise, exactly as the SME rule (R6) reads it. */
export type CompanyRelationInput = RelatedEnterprise;

export type DeMinimisInput = DeMinimisDeclaration;

export type { CompanyFacts };

export interface CompanyInput extends CompanyFacts {
  deMinimis: DeMinimisInput[];
}

function factsOf(input: CompanyInput | CompanyFacts): CompanyFacts {
  return {
    legalName: input.legalName.trim(), vatNumber: normaliseVatNumber(input.vatNumber), address: input.address.trim(), country: input.country,
    regionId: input.regionId, sectorId: input.sectorId, staffHeadcount: input.staffHeadcount, turnoverCents: input.turnoverCents,
    balanceSheetCents: input.balanceSheetCents, iban: input.iban, accountHolder: input.accountHolder,
    euroAccountConfirmed: !!input.euroAccountConfirmed,
    relations: input.relations.map((r) => ({
      name: r.name, kind: r.kind, sharePercent: r.sharePercent, staffHeadcount: r.staffHeadcount, turnoverCents: r.turnoverCents, balanceSheetCents: r.balanceSheetCents,
    })),
  };
}

/** The audit log is read by more people than the bank details concern: it shows that an IBAN changed, not the whole number. */
function forAudit(facts: CompanyFacts, deMinimis: DeMinimisInput[]) {
  const iban = facts.iban ? `${facts.iban.slice(0, 4)}…${facts.iban.slice(-4)}` : null;
  return { ...facts, iban, deMinimis };
}

async function insertRelations(trx: Trx, companyId: number, relations: CompanyRelationInput[], validFrom: string): Promise<void> {
  for (const r of relations) {
    await trx("company_relations").insert({
      company_id: companyId, name: r.name, kind: r.kind, share_percent: r.sharePercent, staff_headcount: r.staffHeadcount,
      turnover_cents: r.turnoverCents, balance_sheet_cents: r.balanceSheetCents, valid_from: validFrom, valid_to: null,
    });
  }
}

async function insertDeclarations(trx: Trx, companyId: number, deMinimis: DeMinimisInput[], now: string): Promise<void> {
  for (const d of deMinimis) {
    await trx("de_minimis_declarations").insert({ company_id: companyId, granting_body: d.grantingBody, granted_on: d.grantedOn, amount_cents: d.amountCents, declared_at: now });
  }
}

/**
 * The unique index on companies.vat_number (one company per VAT number, R6/R9) decides when two
 * registrations with one number race past the service's check: the second is refused on the field.
 */
async function vatNumberUnique<T>(write: PromiseLike<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (isUniqueViolation(err)) throw new ValidationError(msg("errors:input.summary"), { vatNumber: msg("errors:people.vatNumberTaken") });
    throw err;
  }
}

/** Inserts a company with its partner/linked enterprises and de minimis declarations, as version 1 of its facts. */
export async function insertCompany(trx: Trx, ctx: ServiceContext, input: CompanyInput): Promise<number> {
  if (!input.legalName.trim()) throw new ValidationError(msg("errors:people.companyNotSaved"), { legalName: msg("errors:people.legalName") });
  const now = nowIso(ctx);
  const facts = factsOf(input);
  const id = insertedId((await vatNumberUnique(trx("companies").insert({
    legal_name: facts.legalName, vat_number: facts.vatNumber, search_key: searchKey(facts.legalName, facts.vatNumber), address: facts.address,
    country: facts.country, region_id: facts.regionId, sector_id: facts.sectorId, staff_headcount: facts.staffHeadcount,
    turnover_cents: facts.turnoverCents, balance_sheet_cents: facts.balanceSheetCents, iban: facts.iban,
    account_holder: facts.accountHolder, euro_account_confirmed: !!facts.euroAccountConfirmed, created_at: now, updated_at: now,
  }).returning("id")))[0]);
  await insertRelations(trx, id, facts.relations, now);
  await insertDeclarations(trx, id, input.deMinimis, now);
  await trx("company_versions").insert({ company_id: id, version: 1, valid_from: now, valid_to: null, facts_json: JSON.stringify(facts), recorded_by: ctx.actor?.id ?? null });
  await audit(trx, ctx, { action: "company.created", entityType: "company", entityId: id, after: { version: 1, ...forAudit(facts, input.deMinimis) } });
  return id;
}

/**
 * Saves new company facts as a new version: the current version and the current relations are
 * closed (valid_to) rather than overwritten or deleted, so the inputs of R6-R8 at any earlier
 * moment can still be read. De minimis declarations are only ever added. The audit event carries
 * the whole before and after.
 */
export async function saveCompanyVersion(trx: Trx, ctx: ServiceContext, companyId: number, input: CompanyInput): Promise<number> {
  const now = nowIso(ctx);
  const facts = factsOf(input);
  const before = await currentCompanyFacts(trx, companyId);
  const beforeDeclarations = (await trx("de_minimis_declarations").where({ company_id: companyId }).orderBy("id")).map(toDeMinimisDeclaration);
  const last = await trx("company_versions").where({ company_id: companyId }).orderBy("version", "desc").first("version");
  const version = (last?.version ?? 0) + 1;

  await vatNumberUnique(trx("companies").where({ id: companyId }).update({
    legal_name: facts.legalName, vat_number: facts.vatNumber, search_key: searchKey(facts.legalName, facts.vatNumber), address: facts.address, country: facts.country,
    region_id: facts.regionId, sector_id: facts.sectorId, staff_headcount: facts.staffHeadcount, turnover_cents: facts.turnoverCents,
    balance_sheet_cents: facts.balanceSheetCents, iban: facts.iban, account_holder: facts.accountHolder,
    euro_account_confirmed: !!facts.euroAccountConfirmed, updated_at: now,
  }));
  await trx("company_relations").where({ company_id: companyId }).whereNull("valid_to").update({ valid_to: now });
  await insertRelations(trx, companyId, facts.relations, now);
  await insertDeclarations(trx, companyId, input.deMinimis, now);
  await trx("company_versions").where({ company_id: companyId }).whereNull("valid_to").update({ valid_to: now });
  await trx("company_versions").insert({ company_id: companyId, version, valid_from: now, valid_to: null, facts_json: JSON.stringify(facts), recorded_by: ctx.actor?.id ?? null });
  await audit(trx, ctx, {
    action: "company.updated", entityType: "company", entityId: companyId,
    before: { version: version - 1, ...forAudit(before, beforeDeclarations) },
    after: { version, ...forAudit(facts, [...beforeDeclarations, ...input.deMinimis]) },
  });
  return version;
}
