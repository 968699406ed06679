import type { DirectoryOrganisationsRow, RegionsRow } from "./rows";

export const ORG_KINDS = [
  { value: "expert", label: "Expert" },
  { value: "facility", label: "Facility" },
  { value: "company", label: "Company" },
  { value: "knowledge-institution", label: "Knowledge institution" },
] as const;

export interface Organisation {
  id: number; name: string; regionId: number; regionName: string; regionCode: string; kind: string;
  competences: string[]; contactName: string | null; contactEmail: string | null; website: string | null; description: string;
}

/** Competences are stored as one comma-separated text; read and written as a set of lower-case tags. */
export const competenceTags = (s: string) => [...new Set(s.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))];

/** An organisation row joined with its region's name and code. */
export type OrganisationRow = DirectoryOrganisationsRow & { region_name: RegionsRow["name"]; region_code: RegionsRow["code"] };

export function toOrganisation(r: OrganisationRow): Organisation {
  return {
    id: r.id, name: r.name, regionId: r.region_id, regionName: r.region_name, regionCode: r.region_code,
    kind: r.kind, competences: competenceTags(r.competences),
    contactName: r.contact_name || null, contactEmail: r.contact_email || null, website: r.website || null,
    description: r.description,
  };
}
