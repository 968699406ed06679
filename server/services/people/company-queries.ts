import type { Knex } from "knex";
import { classifySme, type RelatedEnterprise, type SmeResult } from "../../domain/eligibility";
import { NotFoundError } from "../../errors";
import { toCompany, type Company, type CompanyFacts } from "../../db/tables/companies";
import { toCompanyRelation } from "../../db/tables/company-relations";
import { toCompanyVersion, type CompanyVersion } from "../../db/tables/company-versions";
import { toDeMinimisDeclaration, type DeMinimisDeclaration } from "../../db/tables/de-minimis-declarations";
import type { CompaniesRow, RegionsRow, SectorsRow } from "../../db/tables/rows";
import { dbInt } from "../../db/tables/values";
import type { ServiceContext, Trx } from "../platform/context";
import { searchKey } from "../../domain/text-folding";
import { whereSearchKeyHolds } from "../platform/text-search";

/*
 * Reading a company's facts: the current ones, their versions, the SME status computed from them
 * (R6, never stored) and the applicant's profile page. Writing them is in ./companies.ts.
 */

type Reader = Trx | ServiceContext["db"];

/** The company's current relations: those whose validity has not been closed by a later profile save. */
export function currentRelations(db: Reader, companyId: number) {
  return db("company_relations").where({ company_id: companyId }).whereNull("valid_to").orderBy("id");
}

export async function currentRelatedEnterprises(db: Reader, companyId: number): Promise<RelatedEnterprise[]> {
  return (await currentRelations(db, companyId)).map(toCompanyRelation);
}

/** A form lists at most this many companies to choose from: a programme has thousands. */
export const COMPANY_CHOICES = 50;

export interface CompanyChoices {
  companies: { id: number; name: string; vatNumber: string | null }[];
  /** Companies whose name or VAT number holds the search (all of them without one). */
  matching: number;
  total: number;
  /** The chosen company is listed though the search does not find it. */
  chosenKept: boolean;
}

/**
 * The companies a form offers (an applicant account's company, the company a manager refers):
 * by name, those whose name or VAT number holds `search` (accents and case aside), at most
 * COMPANY_CHOICES, of the region when one is given. The `chosen` company is always among them
 * when it is one of those the form may offer, so that a form shown again keeps its choice.
 */
export async function companyChoices(db: Reader, opts: { search?: string; regionId?: number | null; chosen?: number }): Promise<CompanyChoices> {
  const offered = <Q extends Knex.QueryBuilder>(q: Q): Q => {
    if (opts.regionId !== undefined) void q.where("region_id", opts.regionId ?? -1);
    return q;
  };
  const matched = <Q extends Knex.QueryBuilder>(q: Q): Q => offered(whereSearchKeyHolds(q, "search_key", opts.search));
  const searched = searchKey(opts.search) !== "";
  const byName = [{ column: "legal_name" }, { column: "id" }];
  const [all, counted, rows, chosenRow] = await Promise.all([
    offered(db("companies")).count<{ n: number | string }[]>({ n: "*" }),
    searched ? matched(db("companies")).count<{ n: number | string }[]>({ n: "*" }) : null,
    matched(db("companies")).orderBy(byName).limit(COMPANY_CHOICES).select<CompanyChoiceRow[]>("id", "legal_name", "vat_number"),
    opts.chosen === undefined ? null : offered(db("companies")).where({ id: opts.chosen }).first<Pick<CompaniesRow, "id"> | undefined>("id"),
  ]);
  const chosenKept = !!chosenRow && !rows.some((r) => r.id === chosenRow.id);
  // Read again with the chosen one, so that it takes its place in the database's own order of names.
  const listed = chosenKept
    ? await db("companies").whereIn("id", [...rows.map((r) => r.id), chosenRow.id]).orderBy(byName).select<CompanyChoiceRow[]>("id", "legal_name", "vat_number")
    : rows;
  const total = dbInt(all[0]?.n);
  return {
    companies: listed.map((c) => ({ id: c.id, name: c.legal_name, vatNumber: c.vat_number })),
    matching: counted ? dbInt(counted[0]?.n) : total,
    total,
    chosenKept,
  };
}

type CompanyChoiceRow = Pick<CompaniesRow, "id" | "legal_name" | "vat_number">;

async function loadCompany(db: Reader, companyId: number): Promise<Company> {
  const row = await db("companies").where({ id: companyId }).first();
  if (!row) throw new NotFoundError();
  return toCompany(row);
}

/** The facts as stored now (company row and current relations). */
export async function currentCompanyFacts(db: Reader, companyId: number): Promise<CompanyFacts> {
  const c = await loadCompany(db, companyId);
  return {
    legalName: c.legalName, vatNumber: c.vatNumber, address: c.address, country: c.country, regionId: c.regionId, sectorId: c.sectorId,
    staffHeadcount: c.staffHeadcount, turnoverCents: c.turnoverCents, balanceSheetCents: c.balanceSheetCents,
    iban: c.iban, accountHolder: c.accountHolder, euroAccountConfirmed: c.euroAccountConfirmed,
    relations: await currentRelatedEnterprises(db, companyId),
  };
}

export async function companyVersions(db: Reader, companyId: number): Promise<CompanyVersion[]> {
  return (await db("company_versions").where({ company_id: companyId }).orderBy("version")).map(toCompanyVersion);
}

/** Every de minimis aid the company declared (R9), oldest grant first. */
export async function deMinimisDeclarations(db: Reader, companyId: number): Promise<DeMinimisDeclaration[]> {
  return (await db("de_minimis_declarations").where({ company_id: companyId }).orderBy("granted_on")).map(toDeMinimisDeclaration);
}

/** The SME classification (R6) of a stored company, with the reason shown to users. */
export async function companySmeStatus(db: Reader, companyId: number): Promise<SmeResult> {
  const c = await loadCompany(db, companyId);
  return classifySme({
    staffHeadcount: c.staffHeadcount, turnoverCents: c.turnoverCents, balanceSheetCents: c.balanceSheetCents,
    relations: await currentRelatedEnterprises(db, companyId),
  });
}

type ProfileRow = CompaniesRow & { region_name: RegionsRow["name"] | null; sector_name: SectorsRow["name"] | null };

/** The signed-in applicant's company as its profile page shows it. */
export async function companyProfile(ctx: ServiceContext) {
  const companyId = ctx.actor?.role === "applicant" ? ctx.actor.companyId : null;
  if (!companyId) throw new NotFoundError();
  const row = await ctx.db("companies as c").leftJoin("regions as r", "r.id", "c.region_id").leftJoin("sectors as s", "s.id", "c.sector_id")
    .where("c.id", companyId).first<ProfileRow | undefined>("c.*", "r.name as region_name", "s.name as sector_name");
  if (!row) throw new NotFoundError();
  const c = toCompany(row);
  // A stored declaration the classifier cannot read (e.g. an odd share) shows no status rather than a 500.
  const sme: SmeResult | null = await companySmeStatus(ctx.db, companyId).catch(() => null);
  return {
    company: {
      id: c.id, legalName: c.legalName, vatNumber: c.vatNumber, address: c.address, country: c.country,
      regionId: c.regionId, regionName: row.region_name, sectorId: c.sectorId, sectorName: row.sector_name,
      staffHeadcount: c.staffHeadcount, turnoverCents: c.turnoverCents, balanceSheetCents: c.balanceSheetCents,
      iban: c.iban, accountHolder: c.accountHolder, euroAccountConfirmed: c.euroAccountConfirmed,
    },
    relations: await currentRelatedEnterprises(ctx.db, companyId),
    deMinimis: await deMinimisDeclarations(ctx.db, companyId),
    sme,
  };
}
