import type { Knex } from "knex";
import { searchKey } from "../../domain/text-folding";

/** LIKE treats % and _ as wildcards; typed ones are meant literally. */
export function likeLiteral(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Narrows `q` to the rows whose search key column (see server/domain/text-folding.ts) holds the
 * typed text folded the same way; text that folds to nothing narrows nothing.
 */
export function whereSearchKeyHolds<Q extends Knex.QueryBuilder>(q: Q, column: string, typed: string | undefined): Q {
  const key = searchKey(typed);
  if (key) void q.whereRaw(`${column} like ? escape '\\'`, [`%${likeLiteral(key)}%`]);
  return q;
}
