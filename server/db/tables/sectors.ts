import type { SectorsRow } from "./rows";

export interface Sector { id: number; code: string; name: string }

export function toSector(r: SectorsRow): Sector {
  return { id: r.id, code: r.code, name: r.name };
}
