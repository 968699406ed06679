import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { ServiceContext } from "../platform/context";

/*
 * TOTP keys are stored encrypted (AES-256-GCM), so a copy of the database alone does not let
 * anyone compute a user's codes. The key is derived with HKDF from VOUCHERDESK_SECRET_KEY, or from
 * the session secret when that is not set (then rotating the session secret means every user
 * enrols again: see README). GCM's tag also refuses a stored value that was altered.
 */

const VERSION = "v1";

function encryptionKey(ctx: Pick<ServiceContext, "config">): Buffer {
  const material = ctx.config.secretKey ?? ctx.config.sessionSecret;
  return Buffer.from(hkdfSync("sha256", material, "voucherdesk", "totp-key-encryption-v1", 32));
}

export function sealKey(ctx: Pick<ServiceContext, "config">, base32Key: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", encryptionKey(ctx), iv);
  const sealed = Buffer.concat([cipher.update(base32Key, "utf8"), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url")}`;
}

/** The base32 key, or null when it cannot be read with the configured secret. */
export function openKey(ctx: Pick<ServiceContext, "config">, stored: string): string | null {
  const [version, body] = stored.split(".");
  if (version !== VERSION || !body) return null;
  const raw = Buffer.from(body, "base64url");
  if (raw.length < 29) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", encryptionKey(ctx), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
