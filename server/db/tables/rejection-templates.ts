import type { RejectionTemplatesRow } from "./rows";

export interface RejectionTemplate { id: number; title: string; text: string }

export function toRejectionTemplate(r: RejectionTemplatesRow): RejectionTemplate {
  return { id: r.id, title: r.title, text: r.text };
}
