import type { ExchangeRatesRow } from "./rows";

/** One revision of a month's rate (R2); a correction is the next revision, never an update. */
export interface ExchangeRate {
  id: number;
  currency: string;
  /** YYYY-MM */
  month: string;
  /** Exactly as entered, e.g. "7.4604"; read with decimal.js, never as a float. */
  rate: string;
  revision: number;
  note: string | null;
  enteredBy: number;
  enteredAt: string;
}

export function toExchangeRate(r: ExchangeRatesRow): ExchangeRate {
  return {
    id: r.id, currency: r.currency, month: r.month, rate: r.rate, revision: r.revision, note: r.note,
    enteredBy: r.entered_by, enteredAt: r.entered_at,
  };
}
