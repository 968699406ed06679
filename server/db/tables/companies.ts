import type { Cents } from "../../domain/money";
import type { RelatedEnterprise } from "../../domain/eligibility";
import type { CompaniesRow } from "./rows";
import { dbBool, dbCents } from "./values";

/**
 * The facts of a company that R6-R8 and payments read; one version of them is valid at a time
 * (the company row with its current relations, and a copy in company_versions).
 */
export interface CompanyFacts {
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
  relations: RelatedEnterprise[];
}

export interface Company extends Omit<CompanyFacts, "relations" | "euroAccountConfirmed"> {
  id: number;
  euroAccountConfirmed: boolean;
  createdAt: string;
  updatedAt: string;
}

export function toCompany(row: CompaniesRow): Company {
  return {
    id: row.id, legalName: row.legal_name, vatNumber: row.vat_number, address: row.address, country: row.country,
    regionId: row.region_id, sectorId: row.sector_id, staffHeadcount: row.staff_headcount,
    turnoverCents: dbCents(row.turnover_cents), balanceSheetCents: dbCents(row.balance_sheet_cents),
    iban: row.iban, accountHolder: row.account_holder, euroAccountConfirmed: dbBool(row.euro_account_confirmed),
    createdAt: row.created_at, updatedAt: row.updated_at,
  };
}
