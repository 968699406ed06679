import type { ConflictsOfInterestRow, UsersRow } from "./rows";

export interface Conflict { reason: string; declaredAt: string }

export function toConflict(r: Pick<ConflictsOfInterestRow, "reason" | "declared_at">): Conflict {
  return { reason: r.reason, declaredAt: r.declared_at };
}

/** A declared conflict as listed on the review page: who declared it and to whom it went. */
export interface ConflictListed extends Conflict { userName: string; handedToName: string | null }
export type ConflictListedRow = Pick<ConflictsOfInterestRow, "reason" | "declared_at"> & { name: UsersRow["name"]; handed_to_name: UsersRow["name"] | null };

export function toConflictListed(r: ConflictListedRow): ConflictListed {
  return { userName: r.name, reason: r.reason, declaredAt: r.declared_at, handedToName: r.handed_to_name };
}
