import type { Knex } from "knex";
import { msg } from "../../domain/message";
import { ValidationError } from "../../errors";

/*
 * Long lists are read a page at a time from a key, never with OFFSET: the hundredth page costs
 * what the first does, and a row leaving the list meanwhile moves no other row off its page. Work
 * queues (applications to review, claims to verify) are keyed by the time a row joined the queue
 * and its id, which their page links carry as "<ISO time>~<id>"; the user list by e-mail address.
 */

export interface TimeKey { at: string; id: number }

/** How long a page link's time key may be: an instant and an id take at most 35 characters. */
export const TIME_KEY_LENGTH = 60;

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

/** A row's place in a list's order: the values of the columns the list is ordered by. */
export type KeyValues = readonly (string | number)[];

/** Where a page starts, as the values of the list's key columns. */
export interface Cursor { after: KeyValues | null; before: KeyValues | null }

/** The cursor of page links that carry a time key (after wins when a link has both). */
export function timeCursor(keys: PageKeys): Cursor {
  const after = parseTimeKey(keys.after);
  const before = after ? null : parseTimeKey(keys.before);
  return { after: after && [after.at, after.id], before: before && [before.at, before.id] };
}

/** The cursor of a list keyed by one column, whose page links carry its value (after wins when a link has both). */
export function columnCursor(after: string | number | null | undefined, before: string | number | null | undefined): Cursor {
  if (after !== undefined && after !== null && after !== "") return { after: [after], before: null };
  return { after: null, before: before !== undefined && before !== null && before !== "" ? [before] : null };
}

/** A text key and the row's id, "<text>~<id>"; the text (a name) may itself hold a ~. */
const TEXT_KEY = /^([\s\S]{1,300})~(\d{1,10})$/;

/** The cursor of page links that carry a text key (after wins when a link has both); a link that is not one is refused. */
export function textCursor(keys: PageKeys): Cursor {
  const parse = (key: string | undefined): KeyValues | null => {
    if (!key) return null;
    const m = TEXT_KEY.exec(key);
    if (!m?.[1] || !m[2]) throw new ValidationError(msg("errors:input.pageLinkInvalid"), { page: msg("errors:review.queueLinkFirstPage") });
    return [m[1], Number(m[2])];
  };
  const after = parse(keys.after);
  return { after, before: after ? null : parse(keys.before) };
}

export const textKeyOf = (text: string, id: number): string => `${text}~${id}`;

export interface KeysetPage<T> {
  rows: T[];
  hasMore: boolean; hasPrevious: boolean;
  /** Keys for the links to the next and previous pages. */
  nextKey: string | null; prevKey: string | null;
}

/**
 * One page of the query, ordered by its key columns (an index on them gives the page directly),
 * ascending or, for lists whose newest rows come first, descending: from the start, after
 * cursor.after, or the page that ends before cursor.before.
 */
export async function keysetPage<Row, T>(
  q: Knex.QueryBuilder, columns: readonly string[], cursor: Cursor, pageSize: number,
  toItem: (row: Row) => T, keyOf: (item: T) => string | null, order: "asc" | "desc" = "asc",
): Promise<KeysetPage<T>> {
  const { after } = cursor;
  const before = after ? null : cursor.before;
  const descending = order === "desc";
  // Row values compare the key's columns as one value.
  const compare = (op: ">" | "<") => `(${columns.map(() => "??").join(", ")}) ${op} (${columns.map(() => "?").join(", ")})`;
  if (after) void q.whereRaw(compare(descending ? "<" : ">"), [...columns, ...after]);
  if (before) void q.whereRaw(compare(descending ? ">" : "<"), [...columns, ...before]);
  // The page before a key is read backwards from it, then turned round.
  const dir = (before ? !descending : descending) ? "desc" : "asc";
  const fetched = ((await q.orderBy(columns.map((column) => ({ column, order: dir }))).limit(pageSize + 1)) as Row[]).map(toItem);
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
