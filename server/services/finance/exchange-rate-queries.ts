import type { ExchangeRatesRow, UsersRow } from "../../db/tables";
import { toExchangeRate, type ExchangeRate } from "../../db/tables/exchange-rates";
import type { ServiceContext } from "../platform/context";
import { requireFinance } from "./exchange-rates";

/* The exchange-rate page's data: the current rate of every month and the corrections behind it. */

export interface RateTableRow extends ExchangeRate {
  enteredByName: string;
}

export interface RateTable {
  current: RateTableRow[];
  /** Earlier revisions, newest first, for the history shown under the table. */
  history: RateTableRow[];
  /** The newest entry's id (0 for an empty table): the form sends it back, so a change made meanwhile is seen (setRate). */
  lastEntryId: number;
}

type RateWithName = ExchangeRatesRow & { entered_by_name: UsersRow["name"] | null };

export async function rateTable(ctx: ServiceContext): Promise<RateTable> {
  requireFinance(ctx);
  const rows = await ctx.db("exchange_rates as x").leftJoin("users as u", "u.id", "x.entered_by")
    .orderBy([{ column: "x.month", order: "desc" }, { column: "x.currency" }, { column: "x.revision", order: "desc" }])
    .select<RateWithName[]>("x.*", "u.name as entered_by_name");
  const current: RateTableRow[] = [];
  const history: RateTableRow[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const rate = { ...toExchangeRate(r), enteredByName: r.entered_by_name ?? `user ${r.entered_by}` };
    const key = `${rate.currency} ${rate.month}`;
    if (seen.has(key)) history.push(rate);
    else { seen.add(key); current.push(rate); }
  }
  history.sort((a, b) => b.id - a.id);
  return { current, history, lastEntryId: Math.max(0, ...current.map((r) => r.id)) };
}
