import { NotFoundError } from "../../errors";
import type { Db } from "../../db/connection";
import type { ApplicationsRow, CompaniesRow } from "../../db/tables";
import { toCallRecord, type CallRecord } from "../../db/tables/calls";
import { dbCents, dbInt } from "../../db/tables/values";
import { effectiveStatus, type CallStatus } from "../../domain/calls";
import { APP_STATES, STATE_LABELS, type AppState } from "../../domain/lifecycle";
import type { Cents } from "../../domain/money";
import { ceilingKeysFor, remainingCents, type CeilingState } from "../../domain/budget";
import { earliestFitting, fitsBudget, inSubmissionOrder, type ReserveEntry } from "../../domain/reserve-list";
import { readCeilings } from "../finance/budget";
import type { ServiceContext, Trx } from "../platform/context";
import { keysetPage, timeCursor, timeKeyOf, type KeysetPage, type PageKeys } from "../platform/keyset";
import { callVoucherTypes, callVoucherTypesOf } from "../scheme/reference";
import { amountToApprove } from "../../domain/scheme";
import { lastLedgerCheck } from "./ledger-check";

/* The calls' pages: the list, one call with its budget, counts per state and reserve list. */

export type { CallStatus };

export interface CallTypeOffer { voucherTypeId: number; code: string; name: string; completionDays: number; claimDays: number; settingsTaken: boolean }

export interface Call {
  id: number;
  title: string;
  description: string;
  opensAt: string;
  closesAt: string;
  storedStatus: CallStatus;
  status: CallStatus;
  types: CallTypeOffer[];
}

/** The offers of these calls with whether each has taken its settings yet: two queries, whatever the number of calls. */
async function callTypes(db: Db | Trx, callIds: readonly number[]): Promise<Map<number, CallTypeOffer[]>> {
  const out = new Map<number, CallTypeOffer[]>();
  if (callIds.length === 0) return out;
  const takenRows = await db("call_voucher_types").whereIn("call_id", callIds).whereNotNull("settings_taken_at").select("call_id", "voucher_type_id");
  const taken = new Set(takenRows.map((r) => `${r.call_id}:${r.voucher_type_id}`));
  for (const [callId, types] of await callVoucherTypesOf(db, callIds)) {
    out.set(callId, types.map((t) => ({
      voucherTypeId: t.id, code: t.code, name: t.name, completionDays: t.completionDays, claimDays: t.claimDays, settingsTaken: taken.has(`${callId}:${t.id}`),
    })));
  }
  return out;
}

function toCall(r: CallRecord, types: CallTypeOffer[], now: Date): Call {
  return {
    id: r.id, title: r.title, description: r.description, opensAt: r.opensAt, closesAt: r.closesAt,
    storedStatus: r.storedStatus, status: effectiveStatus(r.storedStatus, r.closesAt, now), types,
  };
}

export async function getCall(ctx: ServiceContext, id: number, trx?: Trx): Promise<Call> {
  const db = trx ?? ctx.db;
  const r = await db("calls").where({ id }).first();
  if (!r) throw new NotFoundError();
  return toCall(toCallRecord(r), (await callTypes(db, [id])).get(id) ?? [], ctx.now());
}

/** Calls a page of the call list shows. */
export const CALLS_PER_PAGE = 25;

export interface CallListPage extends KeysetPage<Call> { total: number }

/** Calls, the latest opening first, a page at a time from a key (opens_at, id): a programme opens calls for years. */
export async function listCalls(ctx: ServiceContext, keys: PageKeys = {}, pageSize = CALLS_PER_PAGE): Promise<CallListPage> {
  const counted = await ctx.db("calls").count<{ n: number | string }[]>({ n: "*" });
  const page = await keysetPage(ctx.db("calls").select("*"), ["opens_at", "id"], timeCursor(keys), pageSize, toCallRecord,
    (r) => timeKeyOf(r.opensAt, r.id), "desc");
  const types = await callTypes(ctx.db, page.rows.map((r) => r.id));
  return { ...page, rows: page.rows.map((r) => toCall(r, types.get(r.id) ?? [], ctx.now())), total: dbInt(counted[0]?.n) };
}

/** Calls as filter options (id and title), newest first: one query, for pages that only name them. */
export async function callOptions(ctx: ServiceContext): Promise<{ value: number; label: string }[]> {
  return (await ctx.db("calls").orderBy("opens_at", "desc").select("id", "title")).map((c) => ({ value: c.id, label: c.title }));
}

export interface CeilingView extends CeilingState { remainingCents: Cents }
export interface ReserveOffer {
  id: number; reference: string | null; companyName: string; typeName: string; requestedCents: Cents; submittedAt: string | null;
  partnerId: number; fits: boolean;
  /** The earliest reserve-listed application that fits: the one released budget goes to (R4). */
  offered: boolean;
}
export interface ReserveListed extends ReserveEntry { reference: string | null; companyName: string; typeName: string; partnerId: number }

type ReserveRow = Pick<ApplicationsRow, "id" | "reference" | "partner_id" | "requested_cents" | "submitted_at" | "voucher_type_id">
  & Pick<CompaniesRow, "legal_name">;

/**
 * The call's reserve-listed applications in submission order, with what each would commit and
 * where: the amount as the call offers the type (the settings it opened with, R14), which is what
 * an approval commits, not the scheme's settings of today.
 */
export async function reserveList(db: Db | Trx, callId: number, ceilings: readonly CeilingState[]): Promise<ReserveListed[]> {
  const [rows, offered] = await Promise.all([
    db("applications as a").join("companies as co", "co.id", "a.company_id")
      .where({ "a.call_id": callId, "a.state": "reserve-listed" })
      .select<ReserveRow[]>("a.id", "a.reference", "a.partner_id", "a.requested_cents", "a.submitted_at", "a.voucher_type_id", "co.legal_name"),
    callVoucherTypes(db, callId),
  ]);
  const typeOf = new Map(offered.map((t) => [t.id, t]));
  const defined = ceilings.map((c) => c.key);
  return inSubmissionOrder(rows.map((r) => {
    const type = typeOf.get(dbInt(r.voucher_type_id));
    if (!type) throw new Error(`reserve-listed application ${r.id} is of a type its call does not offer`);
    return {
      id: r.id, reference: r.reference, companyName: r.legal_name, typeName: type.name, partnerId: r.partner_id,
      submittedAt: r.submitted_at,
      amountCents: amountToApprove(type, r.requested_cents === null ? null : dbCents(r.requested_cents)),
      ceilingKeys: ceilingKeysFor({ voucherTypeCode: type.code, partnerId: r.partner_id }, defined),
    };
  }));
}

export interface CallBudget {
  ceilings: CeilingView[];
  counts: { state: AppState; label: string; n: number }[];
  reserve: ReserveOffer[];
  releasedAny: boolean;
  /** The daily check found the running totals differ from the ledger (null: no difference found). */
  ledgerDifference: { since: string; keys: string[] } | null;
}

/**
 * Budget figures of a call from the ceilings' running totals (kept equal to the ledger by the
 * budget service, which books both in one transaction; rebuilding them from the ledger is the
 * reconciliation page's job, not every view's), application counts per state (one grouped query
 * on the call's index) and the reserve list in order of submission,
 * each marked whether it now fits in every ceiling it falls under; the earliest that fits (in the
 * whole call, since the total ceiling is shared) is the one offered for released budget.
 */
export async function callBudget(ctx: ServiceContext, callId: number, partnerId?: number | null): Promise<CallBudget> {
  const ceilings = await readCeilings(ctx.db, callId);
  const countRows = await ctx.db("applications").where({ call_id: callId }).groupBy("state").select("state").count<{ state: string; n: number | string }[]>({ n: "*" });
  const byState = new Map(countRows.map((r) => [r.state, dbInt(r.n)]));
  const counts = APP_STATES.flatMap((s) => {
    const n = byState.get(s);
    return n === undefined ? [] : [{ state: s, label: STATE_LABELS[s], n }];
  });
  const all = await reserveList(ctx.db, callId, ceilings);
  const offered = earliestFitting(all, ceilings);
  const reserve = all.filter((r) => !partnerId || r.partnerId === partnerId).map((r) => ({
    id: r.id, reference: r.reference, companyName: r.companyName, typeName: r.typeName, requestedCents: r.amountCents, submittedAt: r.submittedAt,
    partnerId: r.partnerId, fits: fitsBudget(r, ceilings), offered: offered?.id === r.id,
  }));
  const released = await ctx.db("ledger_entries").where({ call_id: callId, kind: "release" }).first("id");
  const check = await lastLedgerCheck(ctx.db, callId);
  return {
    ceilings: ceilings.map((c) => ({ ...c, remainingCents: remainingCents(c) })), counts, reserve, releasedAny: !!released,
    ledgerDifference: check && !check.ok ? { since: check.at, keys: check.differing } : null,
  };
}
