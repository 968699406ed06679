import { parse } from "csv-parse/sync";
import { msg } from "../../domain/message";
import { ConflictError, ForbiddenError, ValidationError, type FieldTexts } from "../../errors";
import { checkRateEntry, checkRateRecords, type RateEntry } from "../../domain/exchange-rates";
import { audit } from "../platform/audit";
import { inTransaction, nowIso, type ServiceContext, type Trx } from "../platform/context";
import type { Db } from "../../db/connection";
import { toExchangeRate, type ExchangeRate } from "../../db/tables/exchange-rates";

/*
 * The monthly exchange-rate table finance keeps (R2): adding and correcting rates, and the
 * current rate of a month for claim verification (currentRates). Rows are never changed or
 * deleted: a correction is the next revision of the same currency and month. The page that lists
 * the table reads it through exchange-rate-queries.ts.
 */

/** A rate as verification uses it. */
export type RateRow = ExchangeRate;

export function requireFinance(ctx: ServiceContext) {
  const a = ctx.actor;
  if (!a || a.role !== "finance") throw new ForbiddenError(msg("errors:finance.ratesFinanceOnly"));
  return a;
}

async function latest(db: Db | Trx, currency: string, month: string): Promise<RateRow | null> {
  const r = await db("exchange_rates").where({ currency, month }).orderBy("revision", "desc").first();
  return r ? toExchangeRate(r) : null;
}

/** The current rate of each requested currency and month; a pair finance has not entered is absent. */
export async function currentRates(db: Db | Trx, pairs: { currency: string; month: string }[]): Promise<Map<string, RateRow>> {
  const out = new Map<string, RateRow>();
  for (const p of pairs) {
    const key = `${p.currency} ${p.month}`;
    if (out.has(key)) continue;
    const r = await latest(db, p.currency, p.month);
    if (r) out.set(key, r);
  }
  return out;
}

export type SetOutcome = "added" | "corrected" | "unchanged";

const rateChangedMeanwhile = (e: RateEntry) =>
  new ConflictError(msg("errors:finance.rateChangedMeanwhile", { currency: e.currency, month: e.month }), "rate_changed_meanwhile");

/**
 * Writes one rate inside the caller's transaction. `seenUpTo` is the newest entry of the table the
 * person looked at (RateTable.lastEntryId): a rate of the month entered after it is refused, not
 * silently corrected again. The unique revision key refuses two writes at the same moment.
 */
async function writeRate(trx: Trx, ctx: ServiceContext, actorId: number, e: RateEntry, note: string | null, seenUpTo?: number): Promise<SetOutcome> {
  const before = await latest(trx, e.currency, e.month);
  if (before && before.rate === e.rate) return "unchanged";
  if (before && seenUpTo !== undefined && before.id > seenUpTo) throw rateChangedMeanwhile(e);
  const revision = before ? before.revision + 1 : 1;
  try {
    await trx("exchange_rates").insert({
      currency: e.currency, month: e.month, rate: e.rate, revision, note, entered_by: actorId, entered_at: nowIso(ctx),
    });
  } catch (err) {
    if (/unique|duplicate/i.test(String((err as Error).message))) throw rateChangedMeanwhile(e);
    throw err;
  }
  await audit(trx, ctx, {
    action: before ? "exchange-rate.corrected" : "exchange-rate.added", entityType: "exchange-rate", entityId: `${e.currency}/${e.month}`,
    before: before ? { currency: before.currency, month: before.month, rate: before.rate, revision: before.revision } : null,
    after: { currency: e.currency, month: e.month, rate: e.rate, revision, note },
  });
  return before ? "corrected" : "added";
}

/** Adds a month's rate or corrects it (the earlier value stays in the history). */
export async function setRate(ctx: ServiceContext, input: { currency: string; month: string; rate: string; note?: string; seenUpTo?: number }): Promise<SetOutcome> {
  const actor = requireFinance(ctx);
  const checked = checkRateEntry(input.currency, input.month, input.rate);
  if (!checked.ok) {
    const fields: FieldTexts = {};
    for (const [field, value] of [["currency", input.currency], ["month", input.month], ["rate", input.rate]] as const) {
      const one = checkRateEntry(field === "currency" ? value : "DKK", field === "month" ? value : "2026-01", field === "rate" ? value : "1");
      const reason = one.ok ? undefined : one.errors[0];
      if (reason !== undefined) fields[field] = reason;
    }
    throw new ValidationError(msg("errors:finance.rateNotSaved"), fields);
  }
  const note = input.note?.trim() ? input.note.trim().slice(0, 300) : null;
  return inTransaction(ctx, (trx) => writeRate(trx, ctx, actor.id, checked.entry, note, input.seenUpTo));
}

/** How many of a refused file's line problems the page lists. */
const LISTED_LINE_PROBLEMS = 50;

export interface ImportResult { added: number; corrected: number; unchanged: number }

/** Splits the file into records with their line numbers; a semicolon file (Excel in DK/DE) is read as such. */
function records(text: string): { line: number; cells: string[] }[] {
  const firstLine = text.replace(/^\uFEFF/, "").split(/\r?\n/).find((l) => l.trim() !== "") ?? "";
  const delimiter = firstLine.includes(";") ? ";" : ",";
  try {
    const parsed = parse(text, { bom: true, delimiter, relax_column_count: true, skip_empty_lines: false, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
    return parsed.map((p) => ({ line: p.info.lines, cells: p.record }));
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    // The parser's own words say what is wrong; they stay as the parser wrote them.
    const detail = String((err as Error).message).replace(/:.*$/, "");
    throw new ValidationError(msg("errors:finance.csvUnreadable"), {
      file: line ? msg("errors:finance.csvInvalidOnLine", { line, detail }) : msg("errors:finance.csvInvalid", { detail }),
    });
  }
}

/**
 * Imports a CSV file of rates (currency, month, rate per line). Every line is checked first and
 * every problem is reported with its line number; if any line is wrong nothing is written, so a
 * half-imported file never leaves the table in a state nobody chose. `seenUpTo` as for setRate:
 * a file made before a colleague's correction does not overwrite it unseen.
 */
export async function importRates(ctx: ServiceContext, text: string, seenUpTo?: number): Promise<ImportResult> {
  const actor = requireFinance(ctx);
  if (!text.trim()) throw new ValidationError(msg("errors:finance.fileEmpty"), { file: msg("errors:finance.chooseRatesFile") });
  const { entries, errors } = checkRateRecords(records(text));
  if (errors.length) {
    const fields: FieldTexts = { file: msg("errors:finance.linesHaveProblems", { count: errors.length }) };
    // A file that is not a rates file at all can have a problem on every one of thousands of lines.
    for (const e of errors.slice(0, LISTED_LINE_PROBLEMS)) fields[`line-${e.line}`] = msg("errors:finance.lineProblem", { line: e.line, problem: e.message });
    if (errors.length > LISTED_LINE_PROBLEMS) fields["line-more"] = msg("errors:finance.moreLineProblems", { shown: LISTED_LINE_PROBLEMS });
    throw new ValidationError(msg("errors:finance.fileHasProblems"), fields, "rates_file_invalid");
  }
  if (!entries.length) throw new ValidationError(msg("errors:finance.fileNoRates"), { file: msg("errors:finance.addRateLines") });
  return inTransaction(ctx, async (trx) => {
    const result: ImportResult = { added: 0, corrected: 0, unchanged: 0 };
    for (const e of entries) result[await writeRate(trx, ctx, actor.id, e, "imported from a file", seenUpTo)]++;
    return result;
  });
}
