import type { Db } from "../../db/connection";
import { dbCents, dbInt, type DbBigint } from "../../db/tables";
import { toEntryKind } from "../../db/tables/ledger-entries";
import type { EntryKind } from "../../domain/budget";
import type { Cents } from "../../domain/money";
import type { Trx } from "../platform/context";
import { levelTotals, sumEntries, type TotalsLevel } from "./budget";

/*
 * Reading ledger_totals: the ledger summed per call, per partner and per voucher type, booked with
 * every entry (budget.ts). A page that wants the programme's totals at one level reads that
 * level's few dozen rows; a page filtered across levels (a region within a call) reads ledger_sums.
 */

export interface LevelSum { levelId: number; kind: EntryKind; amountCents: Cents; entries: number }

type LevelRow = { level_id: number; kind: string; amount_cents: DbBigint; entries: DbBigint };

const toLevelSum = (r: LevelRow): LevelSum => ({ levelId: dbInt(r.level_id), kind: toEntryKind(r.kind), amountCents: dbCents(r.amount_cents), entries: dbInt(r.entries) });

/** One level's totals, of every id or of the given ones, optionally of one kind. */
export async function readLevelTotals(db: Db | Trx, level: TotalsLevel, opts: { kind?: EntryKind; ids?: readonly number[] } = {}): Promise<LevelSum[]> {
  const q = db("ledger_totals").where({ level }).select<LevelRow[]>("level_id", "kind", "amount_cents", "entries");
  if (opts.kind) q.where("kind", opts.kind);
  if (opts.ids) q.whereIn("level_id", [...opts.ids]);
  return (await q).map(toLevelSum);
}

/** Every level's totals in one read (a few dozen rows each), optionally of one kind. */
export async function readAllLevelTotals(db: Db | Trx, opts: { kind?: EntryKind } = {}): Promise<Record<TotalsLevel, LevelSum[]>> {
  const q = db("ledger_totals").select<(LevelRow & { level: string })[]>("level", "level_id", "kind", "amount_cents", "entries");
  if (opts.kind) q.where("kind", opts.kind);
  const byLevel: Record<TotalsLevel, LevelSum[]> = { call: [], partner: [], type: [] };
  for (const r of await q) if (r.level === "call" || r.level === "partner" || r.level === "type") byLevel[r.level].push(toLevelSum(r));
  return byLevel;
}

/** ledger_totals equal every entry summed again per level: part of the daily ledger check. */
export async function ledgerTotalsAgree(db: Db | Trx): Promise<boolean> {
  const line = (t: { level: string; levelId: number; kind: string; amountCents: number; entries: number }) => `${t.level}/${t.levelId}/${t.kind}=${t.amountCents}/${t.entries}`;
  const kept = (await db("ledger_totals").select<(LevelRow & { level: string })[]>("level", "level_id", "kind", "amount_cents", "entries"))
    .map((r) => ({ level: r.level, levelId: dbInt(r.level_id), kind: r.kind, amountCents: dbInt(r.amount_cents), entries: dbInt(r.entries) }))
    .filter((t) => t.entries > 0).map(line).sort();
  const summed = levelTotals(await sumEntries(db)).map(line).sort();
  return kept.join() === summed.join();
}
