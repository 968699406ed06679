import type { Db } from "../../db/connection";
import { dbInt } from "../../db/tables";
import type { Trx } from "../platform/context";

/**
 * The programme's calls, regions, partners and voucher types: what the ledger's entries are named
 * with, what the reconciliation groups by, and what both pages offer as filters. A page reads them
 * once, in one round of parallel reads, and every part of the page uses that; they are a few dozen
 * rows that administrators may change at any time, so they are not kept between requests.
 */
export interface LedgerReference {
  calls: { id: number; title: string }[];
  /** Every region, those without a partner included (the filter offers them). */
  regions: { code: string; name: string }[];
  types: { id: number; code: string; name: string }[];
  partners: { id: number; name: string; regionCode: string; regionName: string }[];
}

export async function readLedgerReference(db: Db | Trx): Promise<LedgerReference> {
  const [calls, regions, types, partners] = await Promise.all([
    db("calls").orderBy("id").select<{ id: number; title: string }[]>("id", "title"),
    db("regions").orderBy("code").select<{ code: string; name: string }[]>("code", "name"),
    db("voucher_types").orderBy("id").select<{ id: number; code: string; name: string }[]>("id", "code", "name"),
    db("partners as p").join("regions as r", "r.id", "p.region_id").orderBy("p.id")
      .select<{ id: number; name: string; region_code: string; region_name: string }[]>("p.id", "p.name", "r.code as region_code", "r.name as region_name"),
  ]);
  return {
    calls: calls.map((c) => ({ id: dbInt(c.id), title: c.title })),
    regions,
    types: types.map((t) => ({ id: dbInt(t.id), code: t.code, name: t.name })),
    partners: partners.map((p) => ({ id: dbInt(p.id), name: p.name, regionCode: p.region_code, regionName: p.region_name })),
  };
}

/** The choices of the ledger's and the reconciliation's filter form. */
export interface LedgerFilterOptions {
  calls: { value: number; label: string }[];
  regions: { value: string; label: string }[];
  types: { value: string; label: string }[];
}

export function filterOptionsOf(ref: LedgerReference): LedgerFilterOptions {
  return {
    calls: ref.calls.map((c) => ({ value: c.id, label: c.title })),
    regions: ref.regions.map((r) => ({ value: r.code, label: `${r.name} (${r.code})` })),
    types: ref.types.map((t) => ({ value: t.code, label: t.name })),
  };
}
