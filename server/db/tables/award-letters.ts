import type { AwardLettersRow } from "./rows";

/** Bytes from the driver: Buffer (pg bytea, sqlite3 blob), or in odd setups a Uint8Array or a "\x..." hex string. */
export function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === "string" && v.startsWith("\\x")) return Buffer.from(v.slice(2), "hex");
  throw new Error("the stored award letter is not binary data");
}

export interface StoredLetterFile {
  reference: string;
  pdf: Buffer;
  sha256: string;
}

export function toStoredLetterFile(row: Pick<AwardLettersRow, "reference" | "pdf" | "sha256">): StoredLetterFile {
  return { reference: row.reference, pdf: toBuffer(row.pdf), sha256: row.sha256 };
}
