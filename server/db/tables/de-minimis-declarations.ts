import type { Cents } from "../../domain/money";
import type { DeMinimisDeclarationsRow } from "./rows";
import { dbCents } from "./values";

/** Earlier de minimis aid a company declared (R9); declarations are only ever added. */
export interface DeMinimisDeclaration { grantingBody: string; grantedOn: string; amountCents: Cents }

export function toDeMinimisDeclaration(row: Pick<DeMinimisDeclarationsRow, "granting_body" | "granted_on" | "amount_cents">): DeMinimisDeclaration {
  return { grantingBody: row.granting_body, grantedOn: row.granted_on, amountCents: dbCents(row.amount_cents) };
}
