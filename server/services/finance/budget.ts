/**
 * Budget ceilings and the commitment ledger in the database (R4, R5).
 *
 * The rules (what fits, what an entry does to the totals, which invariants must hold) live in
 * server/domain/budget.ts; this file only reads the current state, serialises writers and
 * persists what the domain decided:
 * - every movement is one inserted row of ledger_entries (never updated or deleted) plus an
 *   update of the running totals in budget_ceilings, in the caller's transaction;
 * - writers of one call are serialised: on PostgreSQL by `select ... for update` on the involved
 *   budget_ceilings rows (always locked in key order, so two writers cannot deadlock); a use case
 *   that books for several claims (of several calls) locks all their ceilings up front in one
 *   global order, call id then key (lockCeilingsOfCalls); on SQLite this process already runs
 *   one transaction at a time (server/db/connection.ts);
 * - the running sums (ledger_sums, ledger_totals) shared by every call are written once per
 *   transaction, just before the commit and after every ceiling lock, each row once and all rows
 *   in one fixed order (flushLedgerSums), so two transactions never take them in opposite orders;
 * - the idempotency key is looked up only after the lock is held, so a retried request (double
 *   click, network retry, job re-run) that races its first attempt still books exactly once.
 */
import type { Db } from "../../db/connection";
import { isPostgres } from "../../db/connection";
import {
  BudgetExceededError,
  type CeilingState,
  type EntryKind,
  LedgerInvariantError,
  applyEntry,
  canCommit,
  ceilingFromEntries,
  ceilingName,
  checkInvariants,
  netCommittedCents,
} from "../../domain/budget";
import { type Cents, assertCents } from "../../domain/money";
import { toCeilingState } from "../../db/tables/budget-ceilings";
import { toEntryKind, toLedgerEntry, type LedgerEntry } from "../../db/tables/ledger-entries";
import { dbCents, dbInt, type DbBigint } from "../../db/tables";
import { msg, money, type Text } from "../../domain/message";
import { ConflictError, NotFoundError, ValidationError, type FieldTexts } from "../../errors";
import { sentences } from "../../domain/message";
import { audit } from "../platform/audit";
import type { ServiceContext, Trx } from "../platform/context";
import { beforeCommit, insertedId, nowIso } from "../platform/context";

export interface CeilingInput {
  key: string;
  label: string;
  ceilingCents: Cents;
}

export interface EntryResult {
  entryId: number;
  /** True when an entry with this idempotency key already existed and nothing was booked. */
  replayed: boolean;
}

export interface MovementInput {
  callId: number;
  applicationId: number;
  /** Positive; corrections go through reverseEntry. */
  amountCents: Cents;
  ceilingKeys: string[];
  idempotencyKey: string;
  note?: string | null;
}

export interface PaymentMovementInput extends MovementInput {
  paymentId: number | null;
}

/** What an application currently holds against the budget. */
export interface Commitment {
  callId: number;
  ceilingKeys: string[];
  committedCents: Cents;
  releasedCents: Cents;
  paidCents: Cents;
}

export interface LedgerCheck {
  key: string;
  /** The running totals equal the totals rebuilt from the ledger, and the invariants hold. */
  ok: boolean;
  ledger: CeilingState;
  running: CeilingState;
}

const KEY_PATTERN = /^(total|type:[A-Z]{1,10}|partner:\d{1,9})$/;
const APPLICATION_KEY = "application";

// ---------------------------------------------------------------------------------------------
// Ceilings
// ---------------------------------------------------------------------------------------------

function validateCeilingInputs(ceilings: readonly CeilingInput[]): CeilingInput[] {
  const seen = new Set<string>();
  const fields: FieldTexts = {};
  const out: CeilingInput[] = [];
  for (const c of ceilings) {
    const key = typeof c.key === "string" ? c.key.trim() : "";
    const label = typeof c.label === "string" ? c.label.trim() : "";
    if (!KEY_PATTERN.test(key)) {
      fields[key || "key"] = msg("errors:finance.ceilingKeyInvalid", { key });
      continue;
    }
    if (seen.has(key)) fields[key] = msg("errors:finance.ceilingListedTwice", { key });
    seen.add(key);
    if (label === "" || label.length > 200) fields[key] = msg("errors:finance.ceilingLabel", { key, max: 200 });
    const cents = assertCents(c.ceilingCents);
    if (cents < 0) fields[key] = msg("errors:finance.ceilingNegative", { label: label || key });
    out.push({ key, label, ceilingCents: cents });
  }
  const problems = Object.values(fields);
  if (problems.length > 0) throw new ValidationError(sentences(problems), fields);
  return out;
}

/** Locks (PostgreSQL) and reads the named ceilings of a call, or all of them, in key order. */
async function lockCeilings(trx: Trx, callId: number, keys?: readonly string[]): Promise<CeilingState[]> {
  const q = trx("budget_ceilings").where({ call_id: callId }).orderBy("key", "asc").select("*");
  if (keys) q.whereIn("key", [...keys]);
  // SQLite has no row locks (knex would only warn); its transactions take turns (db/connection.ts).
  if (isPostgres(trx)) q.forUpdate();
  return (await q).map(toCeilingState);
}

/**
 * Locks (PostgreSQL) the given ceilings of every given call up front, in one global order: call id
 * ascending, then key. A use case that books entries for claims of several calls (a SEPA batch)
 * calls this before booking any of them; otherwise each booking would lock its own call's
 * ceilings in claim order, and two batches holding claims of two calls in opposite orders would
 * each wait for the other. Taking a ceiling again later in the same transaction does not wait.
 */
export async function lockCeilingsOfCalls(trx: Trx, sets: readonly { callId: number; ceilingKeys: readonly string[] }[]): Promise<void> {
  if (!isPostgres(trx)) return;
  const byCall = new Map<number, Set<string>>();
  for (const s of sets) {
    const keys = byCall.get(s.callId) ?? new Set<string>();
    for (const k of s.ceilingKeys) keys.add(k);
    byCall.set(s.callId, keys);
  }
  for (const callId of [...byCall.keys()].sort((a, b) => a - b)) {
    const keys = [...(byCall.get(callId) ?? [])];
    if (keys.length > 0) await lockCeilings(trx, callId, keys);
  }
}

/** The ceilings of a new call. */
export async function createCeilings(trx: Trx, ctx: ServiceContext, callId: number, ceilings: CeilingInput[]): Promise<void> {
  const list = validateCeilingInputs(ceilings);
  if (list.length === 0) return;
  await trx("budget_ceilings").insert(
    list.map((c) => ({ call_id: callId, key: c.key, label: c.label, ceiling_cents: c.ceilingCents })),
  );
  await audit(trx, ctx, { action: "budget.ceilings", entityType: "call", entityId: callId, after: list });
}

/**
 * Inserts new ceilings and changes existing ones (a call being edited). Ceilings not listed are
 * kept: once money is booked against a ceiling it cannot disappear. A ceiling may not go below
 * what is already committed under it (net of releases).
 */
export async function setCeilings(trx: Trx, ctx: ServiceContext, callId: number, ceilings: CeilingInput[]): Promise<void> {
  const list = validateCeilingInputs(ceilings);
  const current = new Map((await lockCeilings(trx, callId)).map((c) => [c.key, c]));

  const fields: FieldTexts = {};
  for (const c of list) {
    const existing = current.get(c.key);
    if (existing && c.ceilingCents < netCommittedCents(existing)) {
      fields[c.key] = msg("errors:finance.ceilingBelowCommitment", { label: ceilingName(c), ceiling: money(c.ceilingCents), committed: money(netCommittedCents(existing)) });
    }
  }
  const problems = Object.values(fields);
  if (problems.length > 0) throw new ValidationError(sentences(problems), fields, "ceiling_below_commitment");

  const before: CeilingInput[] = [];
  const after: CeilingInput[] = [];
  for (const c of list) {
    const existing = current.get(c.key);
    if (!existing) {
      await trx("budget_ceilings").insert({ call_id: callId, key: c.key, label: c.label, ceiling_cents: c.ceilingCents });
      after.push(c);
    } else if (existing.ceilingCents !== c.ceilingCents || existing.label !== c.label) {
      await trx("budget_ceilings")
        .where({ call_id: callId, key: c.key })
        .update({ label: c.label, ceiling_cents: c.ceilingCents });
      before.push({ key: existing.key, label: existing.label, ceilingCents: existing.ceilingCents });
      after.push(c);
    }
  }
  if (after.length > 0) await audit(trx, ctx, { action: "budget.ceilings", entityType: "call", entityId: callId, before, after });
}

/** The running totals of a call's ceilings, in the order they were created (total first). */
export async function readCeilings(db: Db | Trx, callId: number): Promise<CeilingState[]> {
  return (await db("budget_ceilings").where({ call_id: callId }).orderBy("id", "asc").select("*")).map(toCeilingState);
}

// ---------------------------------------------------------------------------------------------
// Ledger
// ---------------------------------------------------------------------------------------------

export async function entriesForApplication(db: Db | Trx, applicationId: number): Promise<LedgerEntry[]> {
  return (await db("ledger_entries").where({ application_id: applicationId }).orderBy("id", "asc")).map(toLedgerEntry);
}

/** One application's entries summed as if it were a ceiling of its own (committed = its award). */
function applicationState(applicationId: number, entries: readonly LedgerEntry[]): CeilingState {
  const totals = ceilingFromEntries(
    { key: APPLICATION_KEY, label: `application ${applicationId}`, ceilingCents: 0 },
    entries.map((e) => ({ kind: e.kind, amountCents: e.amountCents, ceilingKeys: [APPLICATION_KEY] })),
  );
  return { ...totals, ceilingCents: totals.committedCents };
}

function commitmentKeys(entries: readonly LedgerEntry[]): string[] {
  const keys: string[] = [];
  for (const e of entries) for (const k of e.ceilingKeys) if (!keys.includes(k)) keys.push(k);
  return keys;
}

/**
 * What an application holds: committed, released and paid (each gross), and the ceilings its
 * entries are booked against. Outstanding = committed - released - paid is what a cancellation or
 * expiry releases.
 */
export async function commitmentOf(db: Db | Trx, applicationId: number): Promise<Commitment> {
  const app = await db("applications").where({ id: applicationId }).first("call_id");
  if (!app) throw new NotFoundError();
  const entries = await entriesForApplication(db, applicationId);
  return { callId: app.call_id, ceilingKeys: commitmentKeys(entries), ...held(applicationId, entries) };
}

type Holdings = Pick<Commitment, "committedCents" | "releasedCents" | "paidCents">;

function held(applicationId: number, entries: readonly LedgerEntry[]): Holdings {
  const s = applicationState(applicationId, entries);
  return { committedCents: s.committedCents, releasedCents: s.releasedCents, paidCents: s.paidCents };
}

/** What an application holds (as commitmentOf), or null while no entry was booked for it. */
export async function holdingsOf(db: Db | Trx, applicationId: number): Promise<Holdings | null> {
  const entries = await entriesForApplication(db, applicationId);
  return entries.length === 0 ? null : held(applicationId, entries);
}

interface AppendInput {
  kind: EntryKind;
  callId: number;
  applicationId: number;
  amountCents: Cents;
  ceilingKeys: readonly string[];
  idempotencyKey: string;
  note?: string | null;
  paymentId?: number | null;
  reversesEntryId?: number | null;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((k) => sa.has(k));
}

async function appendEntry(trx: Trx, ctx: ServiceContext, input: AppendInput): Promise<EntryResult> {
  const amount = assertCents(input.amountCents);
  const keys = [...new Set(input.ceilingKeys)].sort();
  const idem = typeof input.idempotencyKey === "string" ? input.idempotencyKey.trim() : "";
  if (idem === "" || idem.length > 120) throw new Error("A ledger entry needs an idempotency key of 1 to 120 characters.");
  if (keys.length === 0) throw new LedgerInvariantError(msg("errors:finance.entryNeedsCeiling"));
  const note = input.note === undefined || input.note === null ? null : input.note.slice(0, 300);

  const ceilings = await lockCeilings(trx, input.callId, keys);

  // Under the lock: a concurrent first attempt with the same key has committed or rolled back.
  const existing = await trx("ledger_entries").where({ idempotency_key: idem }).first();
  if (existing) {
    const e = toLedgerEntry(existing);
    const same =
      e.kind === input.kind &&
      e.callId === input.callId &&
      e.applicationId === input.applicationId &&
      e.amountCents === amount &&
      sameKeys(e.ceilingKeys, keys) &&
      e.reversesEntryId === (input.reversesEntryId ?? null);
    if (!same) throw new ConflictError(msg("errors:finance.idempotencyKeyReused"), "idempotency_key_reused");
    return { entryId: e.id, replayed: true };
  }

  if (input.reversesEntryId) {
    const already = await trx("ledger_entries").where({ reverses_entry_id: input.reversesEntryId }).first("id");
    if (already) throw new ConflictError(msg("errors:finance.alreadyReversed", { id: already.id }), "already_reversed");
  }

  const missing = keys.filter((k) => !ceilings.some((c) => c.key === k));
  if (missing.length > 0) {
    throw new ValidationError(msg("errors:finance.unknownCeiling", { keys: missing.join(", ") }), {}, "unknown_ceiling");
  }

  const app = await trx("applications").where({ id: input.applicationId }).first("call_id", "partner_id", "voucher_type_id");
  if (!app || app.call_id !== input.callId) throw new NotFoundError(msg("errors:finance.applicationNotInCall"));

  // The application's own entries: a release or payment may only use what this application holds,
  // against the same ceilings it was committed under.
  const appEntries = await entriesForApplication(trx, input.applicationId);
  const heldKeys = commitmentKeys(appEntries);
  if (heldKeys.length > 0 && !sameKeys(heldKeys, keys)) {
    throw new LedgerInvariantError(msg("errors:finance.keysMismatch", { held: heldKeys.join(", "), keys: keys.join(", ") }), "ledger_keys_mismatch");
  }
  if (input.kind !== "commit" || amount < 0) {
    applyEntry([applicationState(input.applicationId, appEntries)], { kind: input.kind, amountCents: amount, ceilingKeys: [APPLICATION_KEY] });
  }

  if (input.kind === "commit" && amount > 0) {
    const fits = canCommit(ceilings, amount);
    if (!fits.ok) throw new BudgetExceededError(amount, fits.exceeded);
  }
  const next = applyEntry(ceilings, { kind: input.kind, amountCents: amount, ceilingKeys: keys });

  const at = nowIso(ctx);
  const [row] = await trx("ledger_entries")
    .insert({
      call_id: input.callId,
      application_id: input.applicationId,
      kind: input.kind,
      amount_cents: amount,
      ceiling_keys: JSON.stringify(keys),
      payment_id: input.paymentId ?? null,
      reverses_entry_id: input.reversesEntryId ?? null,
      idempotency_key: idem,
      note,
      actor_user_id: ctx.actor?.id ?? null,
      at,
    })
    .returning("id");
  const entryId = insertedId(row);
  await addToLedgerSums(trx, { callId: input.callId, partnerId: app.partner_id, voucherTypeId: app.voucher_type_id, kind: input.kind }, amount);

  for (const n of next) {
    await trx("budget_ceilings").where({ call_id: input.callId, key: n.key }).update({
      committed_cents: n.committedCents,
      released_cents: n.releasedCents,
      paid_cents: n.paidCents,
    });
  }

  await audit(trx, ctx, {
    action: input.reversesEntryId ? "budget.reverse" : `budget.${input.kind}`,
    entityType: "application",
    entityId: input.applicationId,
    before: ceilings,
    after: {
      entry: { id: entryId, kind: input.kind, amountCents: amount, ceilingKeys: keys, reversesEntryId: input.reversesEntryId ?? null, note },
      ceilings: next,
    },
  });
  return { entryId, replayed: false };
}

interface SumKey { callId: number; partnerId: number; voucherTypeId: number; kind: EntryKind }

interface SumDelta { amountCents: number; entries: number }

/** What a transaction's entries add to ledger_sums, per row, until flushLedgerSums writes it. */
interface PendingSums { sums: Map<string, SumKey & SumDelta> }

const pendingSums = new WeakMap<Trx, PendingSums>();

/**
 * Books an entry into ledger_sums and ledger_totals, which the reconciliation and ledger pages read
 * instead of every entry. A partner's and a type's totals are shared by every call, so a
 * transaction booking several entries (a SEPA batch: a payment and a release per claim) would
 * take those rows in the order of its claims, and two such transactions could take them in
 * opposite orders and deadlock on PostgreSQL. So inside inTransaction the amounts are added up
 * here and written once, just before the commit (before the audit chain's lock), by
 * flushLedgerSums in one fixed order; outside it (a caller's own transaction) they are written now.
 */
async function addToLedgerSums(trx: Trx, k: SumKey, amount: Cents): Promise<void> {
  let pending = pendingSums.get(trx);
  if (!pending) {
    const fresh: PendingSums = { sums: new Map() };
    if (!beforeCommit(trx, () => flushLedgerSums(trx, fresh), { early: true })) {
      fresh.sums.set(sumKeyOf(k), { ...k, amountCents: amount, entries: 1 });
      await flushLedgerSums(trx, fresh);
      return;
    }
    pendingSums.set(trx, fresh);
    pending = fresh;
  }
  const key = sumKeyOf(k);
  const s = pending.sums.get(key) ?? { ...k, amountCents: 0, entries: 0 };
  s.amountCents += amount;
  s.entries += 1;
  pending.sums.set(key, s);
}

const sumKeyOf = (k: SumKey) => `${k.callId}/${k.partnerId}/${k.voucherTypeId}/${k.kind}`;

function compareSumKeys(a: SumKey, b: SumKey): number {
  return a.callId - b.callId || a.partnerId - b.partnerId || a.voucherTypeId - b.voucherTypeId || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0);
}

const LEVEL_ORDER: Record<TotalsLevel, number> = { call: 0, partner: 1, type: 2 };

/**
 * Writes a transaction's additions to ledger_sums, then to ledger_totals, each row once and the
 * rows in one fixed order (by call, partner, type and kind; by level, id and kind), the same in
 * every transaction, so two transactions wait for each other here instead of deadlocking.
 */
async function flushLedgerSums(trx: Trx, pending: PendingSums): Promise<void> {
  pendingSums.delete(trx);
  const sums = [...pending.sums.values()].sort(compareSumKeys);
  for (const s of sums) {
    await trx("ledger_sums")
      .insert({ call_id: s.callId, partner_id: s.partnerId, voucher_type_id: s.voucherTypeId, kind: s.kind, amount_cents: assertCents(s.amountCents), entries: s.entries })
      .onConflict(["call_id", "partner_id", "voucher_type_id", "kind"])
      .merge({ amount_cents: trx.raw("ledger_sums.amount_cents + excluded.amount_cents"), entries: trx.raw("ledger_sums.entries + excluded.entries") });
  }
  const ordered = levelTotals(sums).sort((a, b) =>
    LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || a.levelId - b.levelId || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  for (const t of ordered) {
    await trx("ledger_totals")
      .insert({ level: t.level, level_id: t.levelId, kind: t.kind, amount_cents: assertCents(t.amountCents), entries: t.entries })
      .onConflict(["level", "level_id", "kind"])
      .merge({ amount_cents: trx.raw("ledger_totals.amount_cents + excluded.amount_cents"), entries: trx.raw("ledger_totals.entries + excluded.entries") });
  }
}

/** The levels ledger_totals sums the ledger at: per call, per partner and per voucher type. */
export type TotalsLevel = "call" | "partner" | "type";

function levelsOf(k: Omit<SumKey, "kind">): [TotalsLevel, number][] {
  return [["call", k.callId], ["partner", k.partnerId], ["type", k.voucherTypeId]];
}

export interface LevelTotal { level: TotalsLevel; levelId: number; kind: EntryKind; amountCents: Cents; entries: number }

/** ledger_sums (or the entries summed the same way) summed again per level: what ledger_totals keeps. */
export function levelTotals(sums: readonly LedgerSum[]): LevelTotal[] {
  const out = new Map<string, LevelTotal>();
  for (const s of sums) {
    for (const [level, levelId] of levelsOf(s)) {
      const key = `${level}/${levelId}/${s.kind}`;
      const t = out.get(key) ?? { level, levelId, kind: s.kind, amountCents: 0, entries: 0 };
      t.amountCents += s.amountCents;
      t.entries += s.entries;
      out.set(key, t);
    }
  }
  return [...out.values()];
}

function assertPositive(amountCents: Cents, notPositive: Text): Cents {
  const amount = assertCents(amountCents);
  if (amount <= 0) throw new ValidationError(notPositive);
  return amount;
}

/** Approval: reserves the award under every ceiling the application falls under (R4). */
export async function commit(trx: Trx, ctx: ServiceContext, input: MovementInput): Promise<EntryResult> {
  return appendEntry(trx, ctx, { ...input, kind: "commit", amountCents: assertPositive(input.amountCents, msg("errors:finance.notPositive.commitment")) });
}

/** Cancellation, expiry or a payment below the award: gives (part of) the commitment back. */
export async function release(trx: Trx, ctx: ServiceContext, input: MovementInput): Promise<EntryResult> {
  return appendEntry(trx, ctx, { ...input, kind: "release", amountCents: assertPositive(input.amountCents, msg("errors:finance.notPositive.release")) });
}

/** Money paid out of the application's commitment. */
export async function recordPayment(trx: Trx, ctx: ServiceContext, input: PaymentMovementInput): Promise<EntryResult> {
  return appendEntry(trx, ctx, { ...input, kind: "payment", amountCents: assertPositive(input.amountCents, msg("errors:finance.notPositive.payment")) });
}

/**
 * A correction (R5): a new entry of the same kind, ceilings and payment with the negated amount.
 * The original stays as it is. An entry is reversed at most once, and a reversal is not itself
 * reversed (book the right movement again instead), so the history reads plainly.
 */
export async function reverseEntry(trx: Trx, ctx: ServiceContext, entryId: number, reason: string, idempotencyKey: string): Promise<EntryResult> {
  const row = await trx("ledger_entries").where({ id: entryId }).first();
  if (!row) throw new NotFoundError(msg("errors:finance.entryNotFound"));
  const original = toLedgerEntry(row);
  const why = typeof reason === "string" ? reason.trim() : "";
  if (why === "") throw new ValidationError(msg("errors:finance.correctionReason"), { reason: msg("errors:finance.correctionReason") });

  if (original.reversesEntryId !== null) {
    throw new ConflictError(msg("errors:finance.reversalOfReversal"), "reversal_of_reversal");
  }

  return appendEntry(trx, ctx, {
    kind: original.kind,
    callId: original.callId,
    applicationId: original.applicationId,
    amountCents: -original.amountCents,
    ceilingKeys: original.ceilingKeys,
    idempotencyKey,
    note: why,
    paymentId: original.paymentId,
    reversesEntryId: original.id,
  });
}

/**
 * Rebuilds every ceiling of a call from the ledger and compares it with the running totals; `ok`
 * is false when they differ or when the ledger itself breaks paid <= committed - released <= ceiling.
 */
export async function verifyLedgerTotals(db: Db | Trx, callId: number): Promise<LedgerCheck[]> {
  const running = await readCeilings(db, callId);
  const entries = (await db("ledger_entries").where({ call_id: callId }).orderBy("id", "asc")).map(toLedgerEntry);
  return running.map((r) => {
    const ledger = ceilingFromEntries({ key: r.key, label: r.label, ceilingCents: r.ceilingCents }, entries);
    const ok =
      ledger.committedCents === r.committedCents &&
      ledger.releasedCents === r.releasedCents &&
      ledger.paidCents === r.paidCents &&
      checkInvariants(ledger) === null;
    return { key: r.key, ok, ledger, running: r };
  });
}

/** The ledger's entries summed per call, partner, voucher type and kind: what ledger_sums keeps. */
export async function sumEntries(db: Db | Trx, callId?: number): Promise<LedgerSum[]> {
  const q = db("ledger_entries as le").join("applications as a", "a.id", "le.application_id")
    .groupBy("le.call_id", "a.partner_id", "a.voucher_type_id", "le.kind")
    .select("le.call_id", "a.partner_id", "a.voucher_type_id", "le.kind")
    .sum({ amount_cents: "le.amount_cents" }).count({ entries: "*" });
  if (callId !== undefined) q.where("le.call_id", callId);
  return toLedgerSums(await q.select<LedgerSumRow[]>());
}

export interface LedgerSum { callId: number; partnerId: number; voucherTypeId: number; kind: EntryKind; amountCents: Cents; entries: number }

type LedgerSumRow = { call_id: number; partner_id: number; voucher_type_id: number; kind: string; amount_cents: DbBigint; entries: DbBigint };

function toLedgerSums(rows: readonly LedgerSumRow[]): LedgerSum[] {
  return rows.map((r) => ({
    callId: dbInt(r.call_id), partnerId: dbInt(r.partner_id), voucherTypeId: dbInt(r.voucher_type_id),
    kind: toEntryKind(r.kind), amountCents: dbCents(r.amount_cents), entries: dbInt(r.entries),
  }));
}

const sumKey = (s: LedgerSum) => `${s.callId}/${s.partnerId}/${s.voucherTypeId}/${s.kind}`;

/** ledger_sums of a call equal its entries summed again: part of the daily ledger check. */
export async function ledgerSumsAgree(db: Db | Trx, callId: number): Promise<boolean> {
  const kept = toLedgerSums(await db("ledger_sums").where({ call_id: callId }).select("*"))
    .filter((s) => s.entries > 0).map((s) => `${sumKey(s)}=${s.amountCents}/${s.entries}`).sort();
  const summed = (await sumEntries(db, callId)).map((s) => `${sumKey(s)}=${s.amountCents}/${s.entries}`).sort();
  return kept.join() === summed.join();
}

/** Rebuilds ledger_sums and ledger_totals from the entries, for a ledger loaded in bulk rather than booked entry by entry. */
export async function rebuildLedgerSums(trx: Trx): Promise<void> {
  const sums = await sumEntries(trx);
  await trx("ledger_sums").del();
  const rows = sums.map((s) => ({
    call_id: s.callId, partner_id: s.partnerId, voucher_type_id: s.voucherTypeId, kind: s.kind, amount_cents: s.amountCents, entries: s.entries,
  }));
  for (let i = 0; i < rows.length; i += 100) await trx("ledger_sums").insert(rows.slice(i, i + 100));
  await trx("ledger_totals").del();
  const totals = levelTotals(sums).map((t) => ({ level: t.level, level_id: t.levelId, kind: t.kind, amount_cents: t.amountCents, entries: t.entries }));
  for (let i = 0; i < totals.length; i += 100) await trx("ledger_totals").insert(totals.slice(i, i + 100));
}
