/**
 * Programme results: what each figure on the results dashboard, the indicator report and the
 * public page means, and the arithmetic done on aggregates the database has already counted
 * (percentiles from day histograms, rates, suppression of small groups). No database here: the
 * services count in SQL and hand these functions a few rows per group.
 */
import { Decimal } from "decimal.js";
import type { AppState } from "./lifecycle";

// ---------------------------------------------------------------------------------------------
// Voucher states as reported
// ---------------------------------------------------------------------------------------------

export type ResultState = "applied" | "approved" | "paid" | "expired" | "rejected" | "withdrawn";

export const RESULT_STATES: readonly ResultState[] = ["applied", "approved", "paid", "expired", "rejected", "withdrawn"];

export const RESULT_STATE_LABELS: Record<ResultState, string> = {
  applied: "Applied, awaiting decision",
  approved: "Approved, not yet paid",
  paid: "Paid",
  expired: "Expired",
  rejected: "Rejected",
  withdrawn: "Withdrawn or cancelled",
};

/**
 * The reporting state of a submitted application. Drafts were never applied for and are not
 * reported (null). An approved voucher stays "approved" through acceptance and its claim until it
 * is paid, expires or is cancelled.
 */
export function resultStateOf(state: AppState): ResultState | null {
  switch (state) {
    case "draft": return null;
    case "submitted": case "more-info-requested": case "reserve-listed": return "applied";
    case "approved": case "accepted": case "claim-submitted": case "claim-verified": case "claim-rejected": return "approved";
    case "paid": case "closed": return "paid";
    case "expired": return "expired";
    case "rejected": return "rejected";
    case "withdrawn": case "cancelled": return "withdrawn";
  }
}

/** The application states that make up each reporting state (for SQL `in (...)` lists). */
export function statesOf(group: ResultState, all: readonly AppState[]): AppState[] {
  return all.filter((s) => resultStateOf(s) === group);
}

// ---------------------------------------------------------------------------------------------
// Rates and percentiles
// ---------------------------------------------------------------------------------------------

/**
 * Approved as a share of decided applications, in percent with one decimal (half up), or null
 * when nothing was decided. Decided means approved (at any time, even if later cancelled,
 * expired or paid) or rejected; applications still waiting, withdrawn before a decision or on
 * the reserve list are not decided.
 */
export function approvalRate(approved: number, rejected: number): string | null {
  const decided = approved + rejected;
  if (decided === 0) return null;
  return new Decimal(approved).mul(100).div(decided).toDecimalPlaces(1, Decimal.ROUND_HALF_UP).toFixed(1);
}

/** A share in percent with one decimal (half up), null when the whole is zero. */
export function percentOf(part: number, whole: number): string | null {
  if (whole === 0) return null;
  return new Decimal(part).mul(100).div(whole).toDecimalPlaces(1, Decimal.ROUND_HALF_UP).toFixed(1);
}

export interface DayCount { days: number; count: number }

/**
 * The p-th percentile (0 < p <= 100) by the nearest-rank method over a histogram of whole days,
 * as the database returns it (one row per distinct number of days). Nearest rank always answers a
 * value that was observed, which is what "90 % of claims were verified within N days" promises.
 * Null for an empty histogram.
 */
export function percentileFromHistogram(histogram: readonly DayCount[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rows = histogram.filter((h) => h.count > 0).slice().sort((a, b) => a.days - b.days);
  const n = rows.reduce((s, h) => s + h.count, 0);
  if (n === 0) return null;
  // Rank ceil(p/100 * n) computed on integers: p is given in tenths at most.
  const rank = Math.max(1, Math.ceil((Math.round(p * 10) * n) / 1000));
  let seen = 0;
  for (const h of rows) {
    seen += h.count;
    if (seen >= rank) return h.days;
  }
  return rows[rows.length - 1]?.days ?? null;
}

export interface ServiceLevel { count: number; median: number | null; p90: number | null }

export function serviceLevel(histogram: readonly DayCount[]): ServiceLevel {
  return {
    count: histogram.reduce((s, h) => s + h.count, 0),
    median: percentileFromHistogram(histogram, 50),
    p90: percentileFromHistogram(histogram, 90),
  };
}

// ---------------------------------------------------------------------------------------------
// Small groups on the public page
// ---------------------------------------------------------------------------------------------

/** Groups smaller than this are not shown on the public page: a count of 1 or 2 can name a company. */
export const MIN_PUBLIC_GROUP = 3;

/** A published cell: its value, or null when it is withheld. */
export type Published = number | null;

/**
 * Withholds every cell with fewer than `min` (but more than zero) members. When a total over the
 * cells is published too and exactly one cell is withheld, that cell would follow from the total
 * by subtraction, so the smallest shown non-zero cell is withheld as well (complementary
 * suppression). Zero cells stay shown: "nobody" identifies no one.
 */
export function suppressSmallGroups(counts: readonly number[], min = MIN_PUBLIC_GROUP, totalShown = true): Published[] {
  const out: Published[] = counts.map((c) => (c > 0 && c < min ? null : c));
  const hidden = out.filter((c) => c === null).length;
  if (totalShown && hidden === 1) {
    let smallest = -1;
    out.forEach((c, i) => {
      if (c !== null && c > 0 && (smallest < 0 || c < (out[smallest] ?? Infinity))) smallest = i;
    });
    if (smallest >= 0) out[smallest] = null;
  }
  return out;
}

/**
 * An amount published only when the group behind it has at least `min` members; a single
 * company's grant is personal data.
 */
export function publishAmount(cents: number, members: number, min = MIN_PUBLIC_GROUP): number | null {
  return members >= min ? cents : null;
}

// ---------------------------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------------------------

export type IndicatorKey = "grants" | "brokerage" | "research" | "transnational" | "partners";

export interface IndicatorDefinition { key: IndicatorKey; title: string; unit: string; definition: string }

/** The indicators the partners report to the funder, each with the definition printed beside it. */
export const INDICATORS: readonly IndicatorDefinition[] = [
  {
    key: "grants", title: "Enterprises receiving grants", unit: "enterprises",
    definition: "Distinct enterprises with at least one voucher approved in the period (the approval commits the grant). A voucher later cancelled or expired still counts: the grant was awarded.",
  },
  {
    key: "brokerage", title: "Enterprises receiving non-financial support", unit: "enterprises",
    definition: "Distinct enterprises a cluster manager referred to an organisation of the directory (brokerage) in the period, whether or not the referral led to an application.",
  },
  {
    key: "research", title: "Enterprises cooperating with research institutions", unit: "enterprises",
    definition: "Distinct enterprises with a voucher approved in the period whose counterpart is a knowledge institution (university or research institute).",
  },
  {
    key: "transnational", title: "Transnational cooperations started", unit: "cooperations",
    definition: "Distinct pairs of enterprise and counterpart organisation in another country, counted once at the first voucher approved in the period for that pair.",
  },
  {
    key: "partners", title: "Grants committed and paid per partner", unit: "EUR",
    definition: "Per regional partner: commitments less releases, and payments, booked in the ledger in the period (the same entries as the disbursement ledger).",
  },
];

/** Cooperation progress against the target: reached, target, share reached (null target 0). */
export function targetProgress(reached: number, target: number): { reached: number; target: number; percent: string | null } {
  return { reached, target, percent: percentOf(reached, target) };
}
