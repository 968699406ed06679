import type { Cents } from "../../domain/money";
import type { SepaBatchItemsRow } from "./rows";
import { dbCentsOrNull } from "./values";

/** A claim in a batch, with the account and amount written into the file. */
export interface SepaBatchItem {
  batchId: number;
  claimId: number;
  iban: string | null;
  amountCents: Cents | null;
}

export function toSepaBatchItem(r: SepaBatchItemsRow): SepaBatchItem {
  return { batchId: r.batch_id, claimId: r.claim_id, iban: r.iban, amountCents: dbCentsOrNull(r.amount_cents) };
}
