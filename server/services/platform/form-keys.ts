import { createHash } from "node:crypto";
import { msg } from "../../domain/message";
import { ConflictError, ForbiddenError } from "../../errors";
import type { FormSubmissionsRow } from "../../db/tables";
import { inTransaction, nowIso, type ServiceContext, type Trx } from "./context";

/*
 * Creating forms sent twice. A form that creates a record carries a key made when the form was
 * shown (server/web/form-keys.ts); the use case claims the key in its transaction before creating
 * anything (createOnce). The request that claims it first creates the record and writes its id beside the
 * key; one that finds the key taken gets that id back and creates nothing. On PostgreSQL the
 * second insert waits for the first transaction and then sees its row; SQLite runs one writing
 * transaction at a time. A request refused for its content rolls back, key and all, so the form
 * can be corrected and sent again with the same key.
 */

/** What a keyed form creates; the kind is stored with the key, so one form's key cannot create another's record. */
export type FormKind = "application" | "call" | "organisation" | "referral" | "rejection-template" | "user" | "invitation";

/**
 * How long a used key is kept: longer than a form stays open in a tab and is sent again from the
 * browser's history, short enough that the table holds a month's creations, not all of them.
 */
export const FORM_KEY_DAYS = 30;

/** The refusal of a key someone else (or another kind of form) used. */
export const FORM_KEY_USED = "form_key_used";

/** Null when the key is new and now claimed (create, then call recordFormKey), else the id created with it earlier. */
async function claimFormKey(trx: Trx, ctx: ServiceContext, key: string | null, kind: FormKind, inputSha256: string): Promise<number | null> {
  if (key === null) return null;
  if (!ctx.actor) throw new ForbiddenError();
  const claimed = await trx("form_submissions").insert({ key, user_id: ctx.actor.id, kind, input_sha256: inputSha256, created_at: nowIso(ctx) })
    .onConflict("key").ignore().returning("key");
  if (claimed.length) return null;
  const earlier = await trx("form_submissions").where({ key })
    .first<Pick<FormSubmissionsRow, "user_id" | "kind" | "entity_id" | "input_sha256"> | undefined>("user_id", "kind", "entity_id", "input_sha256");
  // Another person's key or kind cannot come from a form this person was shown.
  if (!earlier || earlier.user_id !== ctx.actor.id || earlier.kind !== kind || earlier.entity_id === null) {
    throw new ConflictError(msg("errors:input.formKeyUsed"), FORM_KEY_USED);
  }
  // The sent form brought back (the browser's Back button) and changed: the first answers were
  // saved, these were not, and saying "saved" would be untrue.
  if (earlier.input_sha256 !== null && earlier.input_sha256 !== inputSha256) {
    throw new ConflictError(msg("errors:input.formResentChanged"), FORM_KEY_USED);
  }
  return earlier.entity_id;
}

/** Writes what the claimed key created. */
async function recordFormKey(trx: Trx, key: string | null, entityId: number): Promise<void> {
  if (key !== null) await trx("form_submissions").where({ key }).update({ entity_id: entityId });
}

/**
 * Creates once per key, inside the caller's transaction: the first sending runs `create` and
 * records the id it returns; a later one with the same `answers` gets that id back and creates
 * nothing, one with other answers is refused. `answers` is what the form sent as the use case
 * reads it, never a password (its fingerprint is stored).
 */
export async function createOnce(trx: Trx, ctx: ServiceContext, key: string | null, kind: FormKind, answers: unknown, create: () => Promise<number>): Promise<number> {
  const earlier = await claimFormKey(trx, ctx, key, kind, createHash("sha256").update(JSON.stringify(answers) ?? "").digest("hex"));
  if (earlier !== null) return earlier;
  const id = await create();
  await recordFormKey(trx, key, id);
  return id;
}

/** Daily job: forgets the keys of forms sent more than FORM_KEY_DAYS ago; returns how many. */
export async function forgetOldFormKeys(ctx: ServiceContext): Promise<number> {
  const before = new Date(ctx.now().getTime() - FORM_KEY_DAYS * 24 * 60 * 60 * 1000).toISOString();
  return inTransaction(ctx, (trx) => trx("form_submissions").where("created_at", "<", before).delete());
}
