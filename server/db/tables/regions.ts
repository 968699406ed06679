import type { RegionsRow } from "./rows";

export interface Region { id: number; code: string; name: string; country: string }

export function toRegion(r: RegionsRow): Region {
  return { id: r.id, code: r.code, name: r.name, country: r.country };
}
