import type { CompanyFacts } from "./companies";
import type { CompanyVersionsRow } from "./rows";

export interface CompanyVersion { version: number; validFrom: string; validTo: string | null; facts: CompanyFacts }

export function toCompanyVersion(row: CompanyVersionsRow): CompanyVersion {
  // Written only by saveCompanyVersion/insertCompany from a CompanyFacts value.
  const facts = JSON.parse(row.facts_json) as CompanyFacts;
  return { version: row.version, validFrom: row.valid_from, validTo: row.valid_to, facts };
}
