import type { TFunction } from "i18next";
import { z } from "zod";
import { msg } from "../domain/message";
import { AUDIT_CSV_COLUMNS } from "../exports/audit-csv";
import { LEDGER_COLUMNS, type LedgerHeader } from "../exports/ledger-row";
import { ENGLISH_LEDGER_WORDS, type LedgerXlsxWords } from "../exports/ledger-xlsx";
import { check } from "./input";

/*
 * The header row of a CSV or XLSX download. A person reads the columns in the page's language;
 * a script asks for `?headers=keys` and gets the columns' keys, the same in every language and
 * documented in docs/exports.md, so a change of wording never breaks an import.
 */

/** Each ledger column's stable key and the catalogue key of its label, by the column's English header. */
const LEDGER_HEADERS: Record<LedgerHeader, { key: string; label: string }> = {
  "Entry ID": { key: "entry_id", label: "exports:ledger.entryId" },
  "Date": { key: "date", label: "exports:ledger.date" },
  "Kind": { key: "kind", label: "exports:ledger.kind" },
  "Voucher reference": { key: "voucher_reference", label: "exports:ledger.voucherReference" },
  "Company": { key: "company", label: "exports:ledger.company" },
  "VAT number": { key: "vat_number", label: "exports:ledger.vatNumber" },
  "Region": { key: "region", label: "exports:ledger.region" },
  "Partner": { key: "partner", label: "exports:ledger.partner" },
  "Call": { key: "call", label: "exports:ledger.call" },
  "Voucher type": { key: "voucher_type", label: "exports:ledger.voucherType" },
  "Amount EUR": { key: "amount_eur", label: "exports:ledger.amountEur" },
  "Original currency": { key: "original_currency", label: "exports:ledger.originalCurrency" },
  "Original amount": { key: "original_amount", label: "exports:ledger.originalAmount" },
  "Rate": { key: "rate", label: "exports:ledger.rate" },
  "Payment reference": { key: "payment_reference", label: "exports:ledger.paymentReference" },
  "Paid on": { key: "paid_on", label: "exports:ledger.paidOn" },
  "Recorded by": { key: "recorded_by", label: "exports:ledger.recordedBy" },
  "Rate month": { key: "rate_month", label: "exports:ledger.rateMonth" },
};

type AuditColumn = (typeof AUDIT_CSV_COLUMNS)[number];

/** The audit columns' names were keys from the start; each has a label for people. */
const AUDIT_LABELS: Record<AuditColumn, string> = {
  id: "exports:audit.id",
  at: "exports:audit.at",
  actor: "exports:audit.actor",
  action: "exports:audit.action",
  action_label: "exports:audit.actionLabel",
  entity_type: "exports:audit.entityType",
  entity_id: "exports:audit.entityId",
  before: "exports:audit.before",
  after: "exports:audit.after",
  request_id: "exports:audit.requestId",
  prev_id: "exports:audit.prevId",
  prev_hash: "exports:audit.prevHash",
  hash: "exports:audit.hash",
};

/** The ledger's column keys in file order, as `?headers=keys` writes them. */
export const LEDGER_COLUMN_KEYS: readonly string[] = LEDGER_COLUMNS.map((h) => LEDGER_HEADERS[h].key);

/** `headers` on an export's address: absent for the reader's language, "keys" for the stable keys. */
export const headersQuery = {
  headers: z.enum(["keys"], {
    error: check(msg("errors:input.headersChoice")),
  }).optional(),
};

export type HeaderChoice = "keys" | undefined;

export function ledgerHeaders(choice: HeaderChoice, t: TFunction): string[] {
  return LEDGER_COLUMNS.map((h) => (choice === "keys" ? LEDGER_HEADERS[h].key : t(LEDGER_HEADERS[h].label)));
}

export function auditHeaders(choice: HeaderChoice, t: TFunction): string[] {
  return AUDIT_CSV_COLUMNS.map((c) => (choice === "keys" ? c : t(AUDIT_LABELS[c])));
}

/**
 * The ledger workbook's title, sheet names and totals labels: in the reader's language, or with
 * `headers=keys` the English ones, which are the stable names a script finds the sheets by.
 */
export function ledgerXlsxWords(choice: HeaderChoice, t: TFunction): { title: string; words: LedgerXlsxWords } {
  if (choice === "keys") return { title: "Disbursement ledger", words: ENGLISH_LEDGER_WORDS };
  return {
    title: t("finance:ledger.title"),
    words: {
      ledgerSheet: t("exports:ledgerBook.ledgerSheet"), totalsSheet: t("exports:ledgerBook.totalsSheet"), total: t("exports:ledgerBook.total"),
      call: t("exports:ledger.call"), region: t("exports:ledger.region"), voucherType: t("exports:ledger.voucherType"), all: t("exports:ledgerBook.all"),
      totalsHeader: [t("exports:ledgerBook.commitEur"), t("exports:ledgerBook.releaseEur"), t("exports:ledgerBook.paymentEur"), t("exports:ledgerBook.outstandingEur")],
    },
  };
}
