import type { Knex } from "knex";
import { msg } from "../../domain/message";
import { ValidationError } from "../../errors";

/*
 * Work queues (applications to review, claims to verify) are read a page at a time from a key,
 * the time a row joined the queue and its id, never with OFFSET: the hundredth page costs what
 * the first does, and a row leaving the queue meanwhile moves no other row off its page. The
 * page links carry the key as "<ISO time>~<id>".
 */

export interface TimeKey { at: string; id: number }

const KEY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z)~(\d{1,10})$/;

/** The key in a page link; a link that is not one is refused with the way back to the first page. */
export function parseTimeKey(key: string | undefined): TimeKey | null {
  if (!key) return null;
  const m = KEY.exec(key);
  if (!m?.[1] || !m[2]) throw new ValidationError(msg("errors:review.queueLinkInvalid"), { page: msg("errors:review.queueLinkFirstPage") });
  return { at: m[1], id: Number(m[2]) };
}

export const timeKeyOf = (at: string | null, id: number): string | null => (at ? `${at}~${id}` : null);

/** Where a page starts: after the key of the page before's last row, or before the key of the page after's first row. */
export interface PageKeys { after?: string; before?: string }

export interface KeysetPage<T> {
  rows: T[];
  hasMore: boolean; hasPrevious: boolean;
  /** Keys for the links to the next and previous pages. */
  nextKey: string | null; prevKey: string | null;
}

/**
 * One page of the query, ordered by the two columns of its key (an index on them gives the page
 * directly): from the start, after keys.after, or the page that ends before keys.before.
 */
export async function keysetPage<Row, T>(
  q: Knex.QueryBuilder, key: { at: string; id: string }, keys: PageKeys, pageSize: number,
  toItem: (row: Row) => T, keyOf: (item: T) => string | null,
): Promise<KeysetPage<T>> {
  const after = parseTimeKey(keys.after);
  const before = after ? null : parseTimeKey(keys.before);
  // Row values compare (time, id) as one key.
  if (after) void q.whereRaw("(??, ??) > (?, ?)", [key.at, key.id, after.at, after.id]);
  if (before) void q.whereRaw("(??, ??) < (?, ?)", [key.at, key.id, before.at, before.id]);
  const dir = before ? "desc" : "asc";
  const fetched = ((await q.orderBy([{ column: key.at, order: dir }, { column: key.id, order: dir }]).limit(pageSize + 1)) as Row[]).map(toItem);
  const more = fetched.length > pageSize;
  const rows = fetched.slice(0, pageSize);
  if (before) rows.reverse();
  const hasMore = before ? true : more;
  const hasPrevious = before ? more : after !== null;
  const first = rows[0];
  const last = rows[rows.length - 1];
  return {
    rows, hasMore: hasMore && !!last, hasPrevious: hasPrevious && !!first,
    nextKey: hasMore && last ? keyOf(last) : null, prevKey: hasPrevious && first ? keyOf(first) : null,
  };
}
