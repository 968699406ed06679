import { storedFileName } from "../../domain/file-names";
import type { AttachmentsRow } from "./rows";

// Names are cleaned when stored; cleaning them again on reading covers rows stored before that.

/** An attachment without its bytes, as lists show it. */
export interface AttachmentInfo { id: number; name: string; mime: string; sizeBytes: number; purpose: string; claimId: number | null }

export const ATTACHMENT_INFO_COLUMNS = ["id", "original_name", "mime", "size_bytes", "purpose", "claim_id"] as const;
export type AttachmentInfoRow = Pick<AttachmentsRow, (typeof ATTACHMENT_INFO_COLUMNS)[number]>;

export function toAttachmentInfo(r: AttachmentInfoRow): AttachmentInfo {
  return { id: r.id, name: storedFileName(r.original_name, r.mime), mime: r.mime, sizeBytes: r.size_bytes, purpose: r.purpose, claimId: r.claim_id };
}

export interface AttachmentFile { applicationId: number; name: string; mime: string; content: Buffer }

export function toAttachmentFile(r: AttachmentsRow): AttachmentFile {
  return { applicationId: r.application_id, name: storedFileName(r.original_name, r.mime), mime: r.mime, content: Buffer.from(r.content) };
}
