import type { CompaniesRow, DbBoolean, DirectoryOrganisationsRow, ReferralsRow, RegionsRow, UsersRow } from "./rows";
import { dbBool } from "./values";

export interface Referral {
  id: number; companyId: number; companyName: string; organisationId: number; organisationName: string; organisationRegion: string;
  managerName: string; note: string; createdAt: string; becameApplication: boolean;
}

/** A referral joined with the names it is shown with, and whether the company applied with that organisation. */
export type ReferralRow = ReferralsRow & {
  legal_name: CompaniesRow["legal_name"]; org_name: DirectoryOrganisationsRow["name"]; org_region: RegionsRow["name"];
  manager_name: UsersRow["name"]; became: DbBoolean;
};

export function toReferral(r: ReferralRow): Referral {
  return {
    id: r.id, companyId: r.company_id, companyName: r.legal_name, organisationId: r.organisation_id, organisationName: r.org_name,
    organisationRegion: r.org_region, managerName: r.manager_name, note: r.note, createdAt: r.created_at,
    becameApplication: dbBool(r.became),
  };
}
