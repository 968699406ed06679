import type { Db } from "../../db/connection";
import type { DbBigint } from "../../db/tables/rows";
import { dbCents, dbInt } from "../../db/tables/values";
import type { Cents } from "../../domain/money";
import { MIN_PUBLIC_GROUP, publishAmount, suppressSmallGroups, type Published } from "../../domain/results";
import { cooperationMatrix, ledgerTotalsByKind, regions, snapshotRead, voucherTypes, type RegionRef } from "./queries";

/*
 * The public results page: programme-wide aggregates only, no names, and every group smaller than
 * MIN_PUBLIC_GROUP withheld (with a second cell where one withheld cell would follow from a
 * published total).
 */

export interface PublicResults {
  minGroup: number;
  approvedVouchers: Published;
  grantedCents: Cents | null;
  paidCents: Cents | null;
  regions: RegionRef[];
  types: { code: string; name: string }[];
  /** [regionIndex][typeIndex] approved vouchers, withheld cells null. */
  byRegionType: Published[][];
  /** [applicantRegionIndex][counterpartRegionIndex] approved vouchers, withheld cells null. */
  matrix: Published[][];
  crossBorder: Published;
}

function reshape(flat: Published[], cols: number): Published[][] {
  const out: Published[][] = [];
  for (let i = 0; i < flat.length; i += cols) out.push(flat.slice(i, i + cols));
  return out;
}

export async function publicResults(db: Db): Promise<PublicResults> {
  return snapshotRead(db, compute);
}

async function compute(db: Db): Promise<PublicResults> {
  const [regionList, types, totals, cells] = await Promise.all([regions(db), voucherTypes(db), ledgerTotalsByKind(db, {}), cooperationMatrix(db, {})]);
  const counts = await db("applications as a").join("partners as p", "p.id", "a.partner_id").join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .whereNotNull("a.approved_on").groupBy("p.region_id", "vt.code")
    .select<{ region_id: number; code: string; n: DbBigint }[]>("p.region_id", "vt.code", db.raw("count(*) as n"));
  const ri = new Map(regionList.map((r, i) => [r.id, i]));
  const ti = new Map(types.map((t, i) => [t.code, i]));
  const grid = regionList.map(() => types.map(() => 0));
  let approved = 0;
  for (const c of counts) {
    const row = grid[ri.get(Number(c.region_id)) ?? -1];
    const j = ti.get(c.code);
    if (row && j !== undefined) row[j] = (row[j] ?? 0) + dbInt(c.n);
    approved += dbInt(c.n);
  }
  const matrix = regionList.map(() => regionList.map(() => 0));
  let crossBorder = 0;
  for (const c of cells) {
    const row = matrix[ri.get(c.fromRegionId) ?? -1];
    const j = ri.get(c.toRegionId);
    if (row && j !== undefined) row[j] = (row[j] ?? 0) + c.count;
    if (c.fromRegionId !== c.toRegionId) crossBorder += c.count;
  }
  const shown = (n: number): Published => (n >= MIN_PUBLIC_GROUP || n === 0 ? n : null);
  return {
    minGroup: MIN_PUBLIC_GROUP,
    approvedVouchers: shown(approved),
    grantedCents: publishAmount(dbCents(totals.committed - totals.released), approved),
    paidCents: publishAmount(dbCents(totals.paid), approved),
    regions: regionList, types,
    byRegionType: reshape(suppressSmallGroups(grid.flat()), types.length),
    matrix: reshape(suppressSmallGroups(matrix.flat()), regionList.length),
    crossBorder: shown(crossBorder),
  };
}
