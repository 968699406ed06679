import { AppError, ConflictError, type FieldTexts, NotFoundError, ValidationError } from "../../errors";
import { day, money, msg, type Text } from "../../domain/message";
import type { CallStatus } from "../../domain/calls";
import { assertCents, type Cents } from "../../domain/money";
import { EARLIEST_DATE, instantMillis, LATEST_DATE, zonedLocalToInstant } from "../../domain/time";
import { audit } from "../platform/audit";
import { createCeilings, setCeilings } from "../finance/budget";
import { isPostgres } from "../../db/connection";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction, insertedId, nowIso } from "../platform/context";
import { createOnce } from "../platform/form-keys";
import { callVoucherTypes, getScheme, listPartners, listVoucherTypes } from "../scheme/reference";
import { takeCallTypeSettings } from "../scheme/settings";
import { actingUser } from "../applications/records";
import { getCall } from "./queries";

/*
 * Calls (R3), the writes: a draft is edited freely, then opened; it closes by hand or at its
 * closing moment. A call whose closing moment has passed counts as closed everywhere
 * (effectiveStatus, in the domain) even before the daily job has written "closed" to its row.
 * The calls' pages read through queries.ts.
 */

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

/** A typed local moment ("YYYY-MM-DDTHH:mm") on a day the scheme's dates may take. */
const withinScheme = (local: string) => local.slice(0, 10) >= EARLIEST_DATE && local.slice(0, 10) <= LATEST_DATE;

/** Checks the input and turns it into rows; field names match the form. */
async function prepare(ctx: ServiceContext, input: CallInput) {
  const { timeZone } = ctx.config;
  const fields: FieldTexts = {};
  // A typed moment that cannot stand is refused with the time rules' own words.
  const reason = (e: unknown): Text => (e instanceof AppError ? e.text : (e as Error).message);
  let opensAt = "";
  let closesAt = "";
  try { opensAt = zonedLocalToInstant(input.opensLocal, timeZone); } catch (e) { fields.opensAt = reason(e); }
  try { closesAt = zonedLocalToInstant(input.closesLocal, timeZone); } catch (e) { fields.closesAt = reason(e); }
  const outOfRange = msg("errors:calls.momentOutOfRange", { min: day(EARLIEST_DATE), max: day(LATEST_DATE) });
  if (opensAt && !withinScheme(input.opensLocal)) { fields.opensAt = outOfRange; opensAt = ""; }
  if (closesAt && !withinScheme(input.closesLocal)) { fields.closesAt = outOfRange; closesAt = ""; }
  if (opensAt && closesAt && instantMillis(closesAt) <= instantMillis(opensAt)) fields.closesAt = msg("errors:calls.closesBeforeOpens");
  const allTypes = await listVoucherTypes(ctx.db);
  const offered = input.types.filter((t) => allTypes.some((v) => v.id === t.voucherTypeId));
  if (offered.length === 0) fields.types = msg("errors:calls.noTypes");
  for (const t of offered) {
    if (!Number.isInteger(t.completionDays) || t.completionDays < 1 || t.completionDays > 3650) {
      fields[`completion_${t.voucherTypeId}`] = msg("errors:calls.completionDays");
    }
  }
  if (!(input.totalCents > 0)) fields.total = msg("errors:calls.total");
  const ceilings: CeilingInput[] = [{ key: "total", label: "Total budget", ceilingCents: assertCents(input.totalCents) }];
  for (const [typeId, c] of Object.entries(input.perTypeCents)) {
    const t = allTypes.find((v) => v.id === Number(typeId));
    if (!t || !offered.some((o) => o.voucherTypeId === t.id)) continue;
    if (c > input.totalCents) fields[`type_${t.id}`] = msg("errors:calls.ceilingAboveTotal", { name: t.name, ceiling: money(c), total: money(input.totalCents) });
    ceilings.push({ key: `type:${t.code}`, label: `${t.name} vouchers`, ceilingCents: assertCents(c) });
  }
  const partners = await listPartners(ctx.db);
  for (const [partnerId, c] of Object.entries(input.perPartnerCents)) {
    const p = partners.find((x) => x.id === Number(partnerId));
    if (!p) continue;
    if (c > input.totalCents) fields[`partner_${p.id}`] = msg("errors:calls.ceilingAboveTotal", { name: `${p.shortName} (${p.regionName})`, ceiling: money(c), total: money(input.totalCents) });
    ceilings.push({ key: `partner:${p.id}`, label: `${p.shortName} (${p.regionName})`, ceilingCents: assertCents(c) });
  }
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:calls.notSaved"), fields);
  return { opensAt, closesAt, offered, ceilings };
}

/** Creates a draft call; `formKey` (formKeyOf) makes the form's second sending return the call the first one created. */
export async function createCall(ctx: ServiceContext, input: CallInput, formKey: string | null = null): Promise<number> {
  const p = await prepare(ctx, input);
  const scheme = await getScheme(ctx.db);
  return inTransaction(ctx, (trx) => createOnce(trx, ctx, formKey, "call", input, async () => {
    const row = {
      scheme_id: scheme.id, title: input.title, description: input.description, opens_at: p.opensAt, closes_at: p.closesAt,
      status: "draft", created_by: actingUser(ctx).id, created_at: nowIso(ctx), updated_at: nowIso(ctx),
    };
    const [ins] = await trx("calls").insert(row).returning("id");
    const id = insertedId(ins);
    for (const t of p.offered) await trx("call_voucher_types").insert({ call_id: id, voucher_type_id: t.voucherTypeId, completion_days: t.completionDays });
    await createCeilings(trx, ctx, id, p.ceilings);
    await audit(trx, ctx, { action: "call.created", entityType: "call", entityId: id, after: { ...row, types: p.offered, ceilings: p.ceilings } });
    return id;
  }));
}

/**
 * Locks a call's row (PostgreSQL) before its status is read, in every use case that changes the
 * call: an edit and the opening at the same moment would otherwise both find a draft, and the
 * edit would change the ceilings and offered types of a call already open and wipe the
 * voucher-type settings taken at its opening. "No key update" leaves the foreign-key checks of
 * rows referring to the call (applications, ceilings) free. SQLite runs one writing transaction
 * at a time.
 */
async function lockCall(trx: Trx, id: number): Promise<void> {
  if (isPostgres(trx)) await trx.raw("select id from calls where id = ? for no key update", [id]);
}

export async function updateDraftCall(ctx: ServiceContext, id: number, input: CallInput): Promise<void> {
  const p = await prepare(ctx, input);
  await inTransaction(ctx, async (trx) => {
    await lockCall(trx, id);
    const before = await trx("calls").where({ id }).first();
    if (!before) throw new NotFoundError();
    if (before.status !== "draft") throw new ConflictError(msg("errors:calls.notDraft"), "call_not_draft");
    const patch = { title: input.title, description: input.description, opens_at: p.opensAt, closes_at: p.closesAt, updated_at: nowIso(ctx) };
    // Only a draft is edited, whatever happened since the read above.
    const n = await trx("calls").where({ id, status: "draft" }).update(patch);
    if (n !== 1) throw new ConflictError(msg("errors:calls.notDraft"), "call_not_draft");
    await trx("call_voucher_types").where({ call_id: id }).delete();
    for (const t of p.offered) await trx("call_voucher_types").insert({ call_id: id, voucher_type_id: t.voucherTypeId, completion_days: t.completionDays });
    await setCeilings(trx, ctx, id, p.ceilings);
    await audit(trx, ctx, { action: "call.updated", entityType: "call", entityId: id, before, after: { ...patch, types: p.offered, ceilings: p.ceilings } });
  });
}

async function setStatus(ctx: ServiceContext, id: number, from: CallStatus, to: CallStatus, trx: Trx): Promise<void> {
  const n = await trx("calls").where({ id, status: from }).update({ status: to, updated_at: nowIso(ctx) });
  // A call is only opened from draft and closed from open.
  if (n !== 1) throw new ConflictError(to === "open" ? msg("errors:calls.cannotOpen") : msg("errors:calls.cannotClose"), "call_state");
  await audit(trx, ctx, { action: `call.${to === "open" ? "opened" : "closed"}`, entityType: "call", entityId: id, before: { status: from }, after: { status: to } });
}

export async function openCall(ctx: ServiceContext, id: number): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    await lockCall(trx, id);
    const call = await getCall(ctx, id, trx);
    if (call.storedStatus === "draft" && ctx.now().getTime() >= instantMillis(call.closesAt)) {
      throw new ConflictError(msg("errors:calls.closesInPast"), "call_closes_in_past");
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
    await lockCall(trx, id);
    await getCall(ctx, id, trx);
    await setStatus(ctx, id, "open", "closed", trx);
  });
}

/** Daily job: writes "closed" on open calls whose closing moment has passed (ctx.actor null = system). */
export async function closeDueCalls(ctx: ServiceContext): Promise<number> {
  const due = await ctx.db("calls").where({ status: "open" }).where("closes_at", "<=", nowIso(ctx)).select("id");
  for (const r of due) await inTransaction(ctx, async (trx) => {
    await lockCall(trx, r.id);
    await setStatus(ctx, r.id, "open", "closed", trx);
  });
  return due.length;
}
