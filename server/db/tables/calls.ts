import type { CallStatus } from "../../domain/calls";
import { dbCallStatus } from "./enums";
import type { CallsRow } from "./rows";

/** A call as stored; its effective status (closed once the closing moment passed) is the domain's. */
export interface CallRecord { id: number; schemeId: number; title: string; description: string; opensAt: string; closesAt: string; storedStatus: CallStatus }

export function toCallRecord(r: CallsRow): CallRecord {
  return {
    id: r.id, schemeId: r.scheme_id, title: r.title, description: r.description, opensAt: r.opens_at, closesAt: r.closes_at,
    storedStatus: dbCallStatus(r.status),
  };
}
