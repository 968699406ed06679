import { type Language, SOURCE_LANGUAGE, toLanguage } from "../../languages";
import type { PartnersRow, RegionsRow } from "./rows";

export interface Partner { id: number; regionId: number; name: string; shortName: string; address: string; email: string | null; regionCode: string; regionName: string; country: string; defaultLanguage: Language }

/** A partner read with its region (`regions.code as region_code`, `regions.name as region_name`, `regions.country`). */
export type PartnerWithRegionRow = PartnersRow & { region_code: RegionsRow["code"]; region_name: RegionsRow["name"]; country: RegionsRow["country"] };

export function toPartner(r: PartnerWithRegionRow): Partner {
  return {
    id: r.id, regionId: r.region_id, name: r.name, shortName: r.short_name, address: r.address, email: r.email,
    regionCode: r.region_code, regionName: r.region_name, country: r.country,
    defaultLanguage: toLanguage(r.default_language) ?? SOURCE_LANGUAGE,
  };
}
