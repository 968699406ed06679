import { randomBytes } from "node:crypto";
import { FORM_KEY_USED } from "../services/platform/form-keys";

/*
 * The web side of creating forms sent twice (services/platform/form-keys.ts claims the key): a
 * new key for each form shown, the key a form sent, and the key a refused form is shown with.
 */

const KEY = /^[A-Za-z0-9_-]{22}$/;

/** A new key for a creating form: 128 random bits. */
export function newFormKey(): string {
  return randomBytes(16).toString("base64url");
}

/**
 * The key a form sent, or null when it sent none or something that is not a key (the record is
 * then created without the double-send check, as by a form from before keys).
 */
export function formKeyOf(body: unknown): string | null {
  const v = typeof body === "object" && body !== null ? (body as Record<string, unknown>)._form : undefined;
  return typeof v === "string" && KEY.test(v) ? v : null;
}

/**
 * The key a refused form is shown again with: its own, since nothing was created with it, unless
 * the key itself was refused (used by someone else), when the form gets a new one.
 */
export function keyForRefusedForm(req: { body?: unknown }, err: { code: string }): string {
  return (err.code === FORM_KEY_USED ? null : formKeyOf(req.body)) ?? newFormKey();
}
