import { createHmac, timingSafeEqual } from "node:crypto";
import { DateTime } from "luxon";
import { assertCents, type Cents } from "../../domain/money";
import { msg } from "../../domain/message";
import { BadRequestError } from "../../errors";
import { LEDGER_KINDS, type LedgerKind } from "../../exports/ledger-row";

/*
 * What the ledger page, its exports and the reconciliation are asked for: the filter (from, to,
 * call, region, type, kind) read from a query string or the command line, and the position of a
 * ledger page (a keyset cursor). Both are input, checked here once and refused with a 400 that
 * says why.
 */

export interface LedgerFilter {
  /** As the user typed them (YYYY-MM-DD, programme zone), for echoing back in forms and links. */
  from?: string;
  to?: string;
  /** UTC bounds: from inclusive, to exclusive (start of the day after `to`, local). */
  fromUtc?: string;
  toUtcExclusive?: string;
  callId?: number;
  /** Region code, e.g. "DK". */
  region?: string;
  /** Voucher type code, e.g. "MG". */
  type?: string;
  kind?: LedgerKind;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function one(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string") throw new BadRequestError(msg("errors:finance.filterRepeated", { name }), "bad_filter");
  const t = v.trim();
  return t === "" ? undefined : t;
}

/** The UTC instant a local calendar day starts, `days` days after `value`. */
function localDayStartUtc(value: string, name: string, timeZone: string, days: number): string {
  const dt = DATE_RE.test(value) ? DateTime.fromISO(value, { zone: timeZone }) : null;
  const utc = dt?.isValid && dt.toISODate() === value ? dt.startOf("day").plus({ days }).toUTC().toISO() : null;
  if (!utc) {
    throw new BadRequestError(msg("errors:finance.filterDate", { name, got: value.slice(0, 40) }), "bad_filter");
  }
  return utc;
}

/**
 * Parses the query parameters from, to, call, region, type and kind. Dates are calendar days in
 * the programme's zone, both inclusive: an entry at 23:59 local on the `to` day is in, one at
 * 00:00 the next day is out, whatever UTC offset applies that day.
 */
export function parseLedgerFilter(q: Record<string, unknown>, timeZone: string): LedgerFilter {
  const f: LedgerFilter = {};
  const from = one(q, "from");
  const to = one(q, "to");
  if (from) {
    f.from = from;
    f.fromUtc = localDayStartUtc(from, "from", timeZone, 0);
  }
  if (to) {
    f.to = to;
    f.toUtcExclusive = localDayStartUtc(to, "to", timeZone, 1);
  }
  if (f.fromUtc && f.toUtcExclusive && f.fromUtc >= f.toUtcExclusive) {
    throw new BadRequestError(msg("errors:finance.periodEmpty", { from: from ?? "", to: to ?? "" }), "bad_filter");
  }
  const call = one(q, "call");
  if (call) {
    if (!/^[1-9]\d{0,9}$/.test(call)) throw new BadRequestError(msg("errors:finance.filterCall", { got: call.slice(0, 40) }), "bad_filter");
    f.callId = Number(call);
  }
  const region = one(q, "region");
  if (region) {
    if (!/^[A-Za-z0-9]{1,10}$/.test(region)) throw new BadRequestError(msg("errors:finance.filterRegion", { got: region.slice(0, 40) }), "bad_filter");
    f.region = region.toUpperCase();
  }
  const type = one(q, "type");
  if (type) {
    if (!/^[A-Za-z]{1,10}$/.test(type)) throw new BadRequestError(msg("errors:finance.filterType", { got: type.slice(0, 40) }), "bad_filter");
    f.type = type.toUpperCase();
  }
  const kind = one(q, "kind");
  if (kind) {
    const k = LEDGER_KINDS.find((x) => x === kind);
    if (!k) throw new BadRequestError(msg("errors:finance.filterKind", { kinds: LEDGER_KINDS.join(", ") }), "bad_filter");
    f.kind = k;
  }
  return f;
}

/** The filter as query-string pairs, for links and export URLs. */
export function filterQuery(f: LedgerFilter): string {
  const p = new URLSearchParams();
  if (f.from) p.set("from", f.from);
  if (f.to) p.set("to", f.to);
  if (f.callId) p.set("call", String(f.callId));
  if (f.region) p.set("region", f.region);
  if (f.type) p.set("type", f.type);
  if (f.kind) p.set("kind", f.kind);
  return p.toString();
}

// -------------------------------------------------------------------------------------------
// Page position
// -------------------------------------------------------------------------------------------

export interface RunningTotals { committed: Cents; released: Cents; paid: Cents }

/**
 * Where a ledger page starts: the entries after `afterId` (next page) or the ones before
 * `beforeId` (previous page), with the running totals of the filtered entries at that boundary.
 * Entries are never changed or deleted and new ones get higher ids, so the totals at a boundary
 * stay true for ever and a page does not shift when entries are added meanwhile.
 */
export type LedgerPosition =
  | { direction: "after"; id: number; page: number; running: RunningTotals }
  | { direction: "before"; id: number; page: number; running: RunningTotals };

/*
 * The cursor carries the running totals so that a page costs the same at any depth (no sum over
 * every earlier entry). It is signed, with the filter it belongs to, so a hand-edited link cannot
 * make the page show totals the ledger does not have.
 */
function signature(payload: string, f: LedgerFilter, secret: string): Buffer {
  return createHmac("sha256", secret).update(`ledger-cursor\n${payload}\n${filterQuery(f)}`).digest().subarray(0, 16);
}

export function ledgerCursor(p: LedgerPosition, f: LedgerFilter, secret: string): string {
  const payload = [p.direction === "after" ? "a" : "b", p.id, p.page, p.running.committed, p.running.released, p.running.paid].join(".");
  return `${payload}.${signature(payload, f, secret).toString("base64url")}`;
}

const CURSOR_RE = /^([ab])\.(\d{1,15})\.(\d{1,9})\.(-?\d{1,16})\.(-?\d{1,16})\.(-?\d{1,16})\.([A-Za-z0-9_-]{22})$/;

function badCursor(): BadRequestError {
  return new BadRequestError(msg("errors:finance.badCursor"), "bad_cursor");
}

/** Reads an `after` or `before` cursor of the ledger page; anything not made by ledgerCursor for this filter is a 400. */
export function parseLedgerCursor(q: Record<string, unknown>, f: LedgerFilter, secret: string): LedgerPosition | null {
  const after = q.after;
  const before = q.before;
  if (after === undefined && before === undefined) return null;
  const token = after ?? before;
  if (typeof token !== "string" || (after !== undefined && before !== undefined)) throw badCursor();
  const m = CURSOR_RE.exec(token);
  if (!m) throw badCursor();
  const [, dir, id, page, c, r, pd, sig] = m;
  if (!dir || !id || !page || !c || !r || !pd || !sig) throw badCursor();
  const expected = signature(token.slice(0, token.length - sig.length - 1), f, secret);
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw badCursor();
  if ((dir === "a") !== (after !== undefined)) throw badCursor();
  const running = { committed: assertCents(c), released: assertCents(r), paid: assertCents(pd) };
  return { direction: dir === "a" ? "after" : "before", id: Number(id), page: Number(page), running };
}
