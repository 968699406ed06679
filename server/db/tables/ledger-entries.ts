import { type Cents } from "../../domain/money";
import { type EntryKind } from "../../domain/budget";
import type { LedgerEntriesRow } from "./rows";
import { dbCents } from "./values";

/** One budget movement (R5): never updated or deleted; a correction is a new reversing entry. */
export interface LedgerEntry {
  id: number;
  callId: number;
  applicationId: number;
  kind: EntryKind;
  amountCents: Cents;
  ceilingKeys: string[];
  paymentId: number | null;
  reversesEntryId: number | null;
  idempotencyKey: string;
  note: string | null;
  actorUserId: number | null;
  at: string;
}

const KINDS: readonly string[] = ["commit", "release", "payment"] satisfies EntryKind[];

export function toEntryKind(value: string): EntryKind {
  if (!KINDS.includes(value)) throw new Error(`unknown ledger entry kind: ${value}`);
  return value as EntryKind;
}

/** The ceiling keys column: a JSON array of keys such as ["partner:3","total"]. */
export function parseCeilingKeys(text: string): string[] {
  const v: unknown = JSON.parse(text);
  if (!Array.isArray(v) || !v.every((k): k is string => typeof k === "string")) throw new Error(`corrupt ceiling_keys: ${text}`);
  return v;
}

export function toLedgerEntry(r: LedgerEntriesRow): LedgerEntry {
  return {
    id: r.id,
    callId: r.call_id,
    applicationId: r.application_id,
    kind: toEntryKind(r.kind),
    amountCents: dbCents(r.amount_cents),
    ceilingKeys: parseCeilingKeys(r.ceiling_keys),
    paymentId: r.payment_id,
    reversesEntryId: r.reverses_entry_id,
    idempotencyKey: r.idempotency_key,
    note: r.note,
    actorUserId: r.actor_user_id,
    at: r.at,
  };
}
