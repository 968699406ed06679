import type { RelatedEnterprise } from "../../domain/eligibility";
import type { CompanyRelationsRow } from "./rows";
import { dbCents } from "./values";

function toRelationKind(value: string): RelatedEnterprise["kind"] {
  if (value === "partner" || value === "linked") return value;
  throw new Error(`company_relations.kind holds an unknown kind: ${value}`);
}

/** A declared partner or linked enterprise, exactly as the SME rule (R6) reads it. */
export function toCompanyRelation(row: Omit<CompanyRelationsRow, "id" | "company_id" | "valid_from" | "valid_to">): RelatedEnterprise {
  return {
    name: row.name, kind: toRelationKind(row.kind), sharePercent: row.share_percent, staffHeadcount: row.staff_headcount,
    turnoverCents: dbCents(row.turnover_cents), balanceSheetCents: dbCents(row.balance_sheet_cents),
  };
}
