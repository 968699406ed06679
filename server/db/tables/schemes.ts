import type { Cents } from "../../domain/money";
import type { SchemesRow } from "./rows";
import { dbBool, dbCents } from "./values";

export interface SchemeSettings { id: number; code: string; name: string; timeZone: string; deMinimisCeilingCents: Cents; blockWhileClaimOpen: boolean }

export function toScheme(r: SchemesRow): SchemeSettings {
  return {
    id: r.id, code: r.code, name: r.name, timeZone: r.time_zone,
    deMinimisCeilingCents: dbCents(r.de_minimis_ceiling_cents), blockWhileClaimOpen: dbBool(r.block_while_claim_open),
  };
}
