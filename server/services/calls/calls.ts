import { ConflictError, NotFoundError, ValidationError } from "../../errors";
import type { Db } from "../../db/connection";
import { APP_STATES, STATE_LABELS, type AppState } from "../../domain/lifecycle";
import { assertCents, type Cents } from "../../domain/money";
import { ceilingKeysFor, remainingCents, type CeilingState } from "../../domain/budget";
import { earliestFitting, fitsBudget, inSubmissionOrder, type ReserveEntry } from "../../domain/reserve-list";
import { instantMillis, zonedLocalToInstant } from "../../domain/time";
import { audit } from "../platform/audit";
import { createCeilings, readCeilings, setCeilings, verifyLedgerTotals } from "../finance/budget";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction, insertedId, nowIso } from "../platform/context";
import { callVoucherTypes, getScheme, listPartners, listVoucherTypes, takeCallTypeSettings } from "../scheme/reference";

/*
 * Calls (R3): a draft is edited freely, then opened; it closes by hand or at its closing moment.
 * A call whose closing moment has passed counts as closed everywhere (effectiveStatus) even
 * before the daily job has written "closed" to its row, so a late submission never slips in.
 */
export type CallStatus = "draft" | "open" | "closed";

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

export interface CeilingInput { key: string; label: string; ceilingCents: Cents }

export interface CallInput {
  title: string;
  description: string;
  /** "YYYY-MM-DDTHH:mm" in the programme zone */
  opensLocal: string;
  closesLocal: string;
  types: { voucherTypeId: number; completionDays: number }[];
  totalCents: Cents;
  perTypeCents: Record<number, Cents>;
  perPartnerCents: Record<number, Cents>;
}

export function effectiveStatus(stored: CallStatus, closesAt: string, now: Date): CallStatus {
  if (stored === "open" && now.getTime() >= instantMillis(closesAt)) return "closed";
  return stored;
}

async function callTypes(db: Db | Trx, callId: number): Promise<CallTypeOffer[]> {
  const rows = await db("call_voucher_types").where({ call_id: callId }).select("voucher_type_id", "settings_taken_at");
  const taken = new Set(rows.filter((r) => r.settings_taken_at).map((r) => Number(r.voucher_type_id)));
  return (await callVoucherTypes(db, callId)).map((t) => ({
    voucherTypeId: t.id, code: t.code, name: t.name, completionDays: t.completionDays, claimDays: t.claimDays, settingsTaken: taken.has(t.id),
  }));
}

function toCall(r: Record<string, unknown>, types: CallTypeOffer[], now: Date): Call {
  const stored = r.status as CallStatus;
  return {
    id: Number(r.id), title: String(r.title), description: String(r.description ?? ""), opensAt: String(r.opens_at),
    closesAt: String(r.closes_at), storedStatus: stored, status: effectiveStatus(stored, String(r.closes_at), now), types,
  };
}

export async function getCall(ctx: ServiceContext, id: number, trx?: Trx): Promise<Call> {
  const db = trx ?? ctx.db;
  const r = await db("calls").where({ id }).first();
  if (!r) throw new NotFoundError();
  return toCall(r, await callTypes(db, id), ctx.now());
}

export async function listCalls(ctx: ServiceContext): Promise<Call[]> {
  const rows = await ctx.db("calls").orderBy("opens_at", "desc");
  const out: Call[] = [];
  for (const r of rows) out.push(toCall(r, await callTypes(ctx.db, Number(r.id)), ctx.now()));
  return out;
}

/** Checks the input and turns it into rows; field names match the form. */
async function prepare(ctx: ServiceContext, input: CallInput) {
  const { timeZone } = ctx.config;
  const fields: Record<string, string> = {};
  let opensAt = "";
  let closesAt = "";
  try { opensAt = zonedLocalToInstant(input.opensLocal, timeZone); } catch (e) { fields.opensAt = (e as Error).message; }
  try { closesAt = zonedLocalToInstant(input.closesLocal, timeZone); } catch (e) { fields.closesAt = (e as Error).message; }
  if (opensAt && closesAt && instantMillis(closesAt) <= instantMillis(opensAt)) fields.closesAt = "The closing moment must be after the opening moment.";
  const allTypes = await listVoucherTypes(ctx.db);
  const offered = input.types.filter((t) => allTypes.some((v) => v.id === t.voucherTypeId));
  if (offered.length === 0) fields.types = "Choose at least one voucher type.";
  for (const t of offered) {
    if (!Number.isInteger(t.completionDays) || t.completionDays < 1 || t.completionDays > 3650) {
      fields[`completion_${t.voucherTypeId}`] = "Enter a whole number of days between 1 and 3650.";
    }
  }
  if (!(input.totalCents > 0)) fields.total = "Enter the total budget of the call.";
  const ceilings: CeilingInput[] = [{ key: "total", label: "Total budget", ceilingCents: assertCents(input.totalCents) }];
  for (const [typeId, c] of Object.entries(input.perTypeCents)) {
    const t = allTypes.find((v) => v.id === Number(typeId));
    if (!t || !offered.some((o) => o.voucherTypeId === t.id)) continue;
    if (c > input.totalCents) fields[`type_${t.id}`] = "A ceiling per type cannot be more than the total budget.";
    ceilings.push({ key: `type:${t.code}`, label: `${t.name} vouchers`, ceilingCents: assertCents(c) });
  }
  const partners = await listPartners(ctx.db);
  for (const [partnerId, c] of Object.entries(input.perPartnerCents)) {
    const p = partners.find((x) => x.id === Number(partnerId));
    if (!p) continue;
    if (c > input.totalCents) fields[`partner_${p.id}`] = "A ceiling per partner cannot be more than the total budget.";
    ceilings.push({ key: `partner:${p.id}`, label: `${p.shortName} (${p.regionName})`, ceilingCents: assertCents(c) });
  }
  if (Object.keys(fields).length) throw new ValidationError("The call could not be saved.", fields);
  return { opensAt, closesAt, offered, ceilings };
}

export async function createCall(ctx: ServiceContext, input: CallInput): Promise<number> {
  const p = await prepare(ctx, input);
  const scheme = await getScheme(ctx.db);
  return inTransaction(ctx, async (trx) => {
    const row = {
      scheme_id: scheme.id, title: input.title, description: input.description, opens_at: p.opensAt, closes_at: p.closesAt,
      status: "draft", created_by: ctx.actor!.id, created_at: nowIso(ctx), updated_at: nowIso(ctx),
    };
    const [ins] = await trx("calls").insert(row).returning("id");
    const id = insertedId(ins);
    for (const t of p.offered) await trx("call_voucher_types").insert({ call_id: id, voucher_type_id: t.voucherTypeId, completion_days: t.completionDays });
    await createCeilings(trx, ctx, id, p.ceilings);
    await audit(trx, ctx, { action: "call.created", entityType: "call", entityId: id, after: { ...row, types: p.offered, ceilings: p.ceilings } });
    return id;
  });
}

export async function updateDraftCall(ctx: ServiceContext, id: number, input: CallInput): Promise<void> {
  const p = await prepare(ctx, input);
  await inTransaction(ctx, async (trx) => {
    const before = await trx("calls").where({ id }).first();
    if (!before) throw new NotFoundError();
    if (before.status !== "draft") throw new ConflictError("Only a draft call can be edited; this call has been opened.", "call_not_draft");
    const patch = { title: input.title, description: input.description, opens_at: p.opensAt, closes_at: p.closesAt, updated_at: nowIso(ctx) };
    await trx("calls").where({ id }).update(patch);
    await trx("call_voucher_types").where({ call_id: id }).delete();
    for (const t of p.offered) await trx("call_voucher_types").insert({ call_id: id, voucher_type_id: t.voucherTypeId, completion_days: t.completionDays });
    await setCeilings(trx, ctx, id, p.ceilings);
    await audit(trx, ctx, { action: "call.updated", entityType: "call", entityId: id, before, after: { ...patch, types: p.offered, ceilings: p.ceilings } });
  });
}

async function setStatus(ctx: ServiceContext, id: number, from: CallStatus, to: CallStatus, trx: Trx): Promise<void> {
  const n = await trx("calls").where({ id, status: from }).update({ status: to, updated_at: nowIso(ctx) });
  if (n !== 1) throw new ConflictError(`The call is not ${from}, so it cannot be ${to === "open" ? "opened" : "closed"}.`, "call_state");
  await audit(trx, ctx, { action: `call.${to === "open" ? "opened" : "closed"}`, entityType: "call", entityId: id, before: { status: from }, after: { status: to } });
}

export async function openCall(ctx: ServiceContext, id: number): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    const call = await getCall(ctx, id, trx);
    if (call.storedStatus === "draft" && ctx.now().getTime() >= instantMillis(call.closesAt)) {
      throw new ConflictError("The closing moment of this call has passed; change it before opening the call.", "call_closes_in_past");
    }
    await setStatus(ctx, id, "draft", "open", trx);
    await takeCallTypeSettings(trx, id, nowIso(ctx));
    await audit(trx, ctx, {
      action: "call.type-settings-taken", entityType: "call", entityId: id,
      after: { types: (await callVoucherTypes(trx, id)).map(({ id: _id, ...t }) => t) },
    });
  });
}

export async function closeCall(ctx: ServiceContext, id: number): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    await getCall(ctx, id, trx);
    await setStatus(ctx, id, "open", "closed", trx);
  });
}

/** Daily job: writes "closed" on open calls whose closing moment has passed (ctx.actor null = system). */
export async function closeDueCalls(ctx: ServiceContext): Promise<number> {
  const due = await ctx.db("calls").where({ status: "open" }).where("closes_at", "<=", nowIso(ctx)).select("id");
  for (const r of due) await inTransaction(ctx, (trx) => setStatus(ctx, Number(r.id), "open", "closed", trx));
  return due.length;
}

export interface CeilingView extends CeilingState { remainingCents: Cents }
export interface ReserveOffer {
  id: number; reference: string | null; companyName: string; typeName: string; requestedCents: Cents; submittedAt: string | null;
  partnerId: number; fits: boolean;
  /** The earliest reserve-listed application that fits: the one released budget goes to (R4). */
  offered: boolean;
}
export interface ReserveListed extends ReserveEntry { reference: string | null; companyName: string; typeName: string; partnerId: number }

/** The call's reserve-listed applications in submission order, with what each would commit and where. */
export async function reserveList(db: Db | Trx, callId: number, ceilings: readonly CeilingState[]): Promise<ReserveListed[]> {
  const rows = await db("applications as a").join("companies as co", "co.id", "a.company_id").join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .where({ "a.call_id": callId, "a.state": "reserve-listed" })
    .select("a.id", "a.reference", "a.partner_id", "a.requested_cents", "a.submitted_at", "co.legal_name", "vt.code", "vt.name", "vt.amount_rule", "vt.max_cents");
  const defined = ceilings.map((c) => c.key);
  return inSubmissionOrder(rows.map((r) => ({
    id: Number(r.id), reference: r.reference ?? null, companyName: r.legal_name, typeName: r.name, partnerId: Number(r.partner_id),
    submittedAt: r.submitted_at ?? null,
    // What approval would commit: the fixed amount, or the amount requested for a capped type.
    amountCents: r.amount_rule === "fixed" ? assertCents(r.max_cents) : assertCents(r.requested_cents ?? 0),
    ceilingKeys: ceilingKeysFor({ voucherTypeCode: r.code, partnerId: Number(r.partner_id) }, defined),
  })));
}

export interface CallBudget {
  ceilings: CeilingView[];
  counts: { state: AppState; label: string; n: number }[];
  reserve: ReserveOffer[];
  releasedAny: boolean;
  /** The running totals shown equal the totals rebuilt from the ledger entries, for every ceiling. */
  reconciled: boolean;
}

/**
 * Budget figures of a call from the ceilings' running totals (kept equal to the ledger by the
 * budget service), application counts per state and the reserve list in order of submission,
 * each marked whether it now fits in every ceiling it falls under; the earliest that fits (in the
 * whole call, since the total ceiling is shared) is the one offered for released budget.
 */
export async function callBudget(ctx: ServiceContext, callId: number, partnerId?: number | null): Promise<CallBudget> {
  const ceilings = await readCeilings(ctx.db, callId);
  const countRows: { state: string; n: unknown }[] = await ctx.db("applications").where({ call_id: callId }).groupBy("state").select("state").count({ n: "*" }) as never;
  const byState = new Map(countRows.map((r) => [String(r.state), Number(r.n)]));
  const counts = APP_STATES.filter((s) => byState.has(s)).map((s) => ({ state: s, label: STATE_LABELS[s], n: byState.get(s)! }));
  const all = await reserveList(ctx.db, callId, ceilings);
  const offered = earliestFitting(all, ceilings);
  const reserve = all.filter((r) => !partnerId || r.partnerId === partnerId).map((r) => ({
    id: r.id, reference: r.reference, companyName: r.companyName, typeName: r.typeName, requestedCents: r.amountCents, submittedAt: r.submittedAt,
    partnerId: r.partnerId, fits: fitsBudget(r, ceilings), offered: offered?.id === r.id,
  }));
  const released = await ctx.db("ledger_entries").where({ call_id: callId, kind: "release" }).first("id");
  const reconciled = (await verifyLedgerTotals(ctx.db, callId)).every((c) => c.ok);
  return { ceilings: ceilings.map((c) => ({ ...c, remainingCents: remainingCents(c) })), counts, reserve, releasedAny: !!released, reconciled };
}
