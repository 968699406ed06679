import type { Db } from "../../db/connection";
import { APP_STATES, type AppState } from "../../domain/lifecycle";
import type { Cents } from "../../domain/money";
import { approvalRate, resultStateOf, RESULT_STATES, serviceLevel, targetProgress, type ResultState, type ServiceLevel } from "../../domain/results";
import type { ResultsFilter } from "./filter";
import {
  addKind, budgetPerCall, budgetPerPartner, cooperationMatrix, cooperationTarget, decisionDays, ledgerByMonth, ledgerTotalsBefore,
  ledgerTotalsByKind, paymentDays, referralCounts, regions, snapshotRead, submittedByState, submittedByTypeAndRegion, transnationalCooperations,
  verificationDays, voucherTypes, type CallBudget, type KindTotals, type PartnerBudget, type RegionRef,
} from "./queries";

/*
 * The results dashboard: every figure for the chosen period and call, counted in SQL (see
 * queries.ts). Amounts are the ledger's own entries with the same period, so they equal the
 * disbursement ledger's totals for the same dates and call to the cent.
 */

export interface BurnPoint { month: string; committedNet: Cents; paid: Cents }

export interface Dashboard {
  regions: RegionRef[];
  types: { code: string; name: string }[];
  /** [regionIndex][typeIndex] submitted applications. */
  byRegionType: number[][];
  byState: Record<ResultState, number>;
  submittedCount: number;
  approvedEver: number;
  rejected: number;
  approvalRate: string | null;
  amounts: KindTotals & { committedNet: Cents; outstanding: Cents };
  burn: BurnPoint[];
  totalCeiling: Cents;
  calls: CallBudget[];
  partners: PartnerBudget[];
  /** [applicantRegionIndex][counterpartRegionIndex] approved vouchers. */
  matrix: number[][];
  crossBorderVouchers: number;
  cooperations: { reached: number; target: number; percent: string | null };
  referrals: { referrals: number; becameApplications: number };
  serviceLevels: { decision: ServiceLevel; verification: ServiceLevel; payment: ServiceLevel };
}

function isState(s: string): s is AppState {
  return (APP_STATES as readonly string[]).includes(s);
}

export async function dashboard(db: Db, f: ResultsFilter): Promise<Dashboard> {
  return snapshotRead(db, (snap) => compute(snap, f));
}

async function compute(db: Db, f: ResultsFilter): Promise<Dashboard> {
  const [regionList, types, typeRegion, states, totals, before, months, calls, partners, matrixCells, coop, target, referrals, dd, vd, pd] = await Promise.all([
    regions(db), voucherTypes(db), submittedByTypeAndRegion(db, f), submittedByState(db, f), ledgerTotalsByKind(db, f), ledgerTotalsBefore(db, f),
    ledgerByMonth(db, f), budgetPerCall(db, f), budgetPerPartner(db, f), cooperationMatrix(db, f), transnationalCooperations(db, f),
    cooperationTarget(db), referralCounts(db, f), decisionDays(db, f), verificationDays(db, f), paymentDays(db, f),
  ]);
  const regionIndex = new Map(regionList.map((r, i) => [r.id, i]));
  const typeIndex = new Map(types.map((t, i) => [t.code, i]));

  const byRegionType = regionList.map(() => types.map(() => 0));
  for (const c of typeRegion) {
    const ri = regionIndex.get(c.regionId);
    const ti = typeIndex.get(c.typeCode);
    const row = ri === undefined ? undefined : byRegionType[ri];
    if (row && ti !== undefined) row[ti] = (row[ti] ?? 0) + c.count;
  }

  const byState = Object.fromEntries(RESULT_STATES.map((s) => [s, 0])) as Record<ResultState, number>;
  let approvedEver = 0;
  let rejected = 0;
  let submittedCount = 0;
  for (const s of states) {
    const group = isState(s.state) ? resultStateOf(s.state) : null;
    if (group) byState[group] += s.count;
    submittedCount += s.count;
    if (s.everApproved) approvedEver += s.count;
    if (s.state === "rejected") rejected += s.count;
  }

  // Burn lines start from what was booked before the period, so they can be read against the ceilings.
  const running = { ...before };
  const burn: BurnPoint[] = [];
  for (const m of months) {
    let point = burn[burn.length - 1];
    if (!point || point.month !== m.month) {
      point = { month: m.month, committedNet: 0, paid: 0 };
      burn.push(point);
    }
    addKind(running, m.kind, m.cents);
    point.committedNet = running.committed - running.released;
    point.paid = running.paid;
  }

  const matrix = regionList.map(() => regionList.map(() => 0));
  let crossBorderVouchers = 0;
  for (const c of matrixCells) {
    const i = regionIndex.get(c.fromRegionId);
    const j = regionIndex.get(c.toRegionId);
    const row = i === undefined ? undefined : matrix[i];
    if (row && j !== undefined) row[j] = (row[j] ?? 0) + c.count;
    if (c.fromRegionId !== c.toRegionId) crossBorderVouchers += c.count;
  }

  return {
    regions: regionList, types, byRegionType, byState, submittedCount, approvedEver, rejected,
    approvalRate: approvalRate(approvedEver, rejected),
    amounts: { ...totals, committedNet: totals.committed - totals.released, outstanding: totals.committed - totals.released - totals.paid },
    burn,
    totalCeiling: calls.reduce((s, c) => s + (c.ceiling ?? 0), 0),
    calls, partners, matrix, crossBorderVouchers,
    cooperations: targetProgress(coop, target),
    referrals,
    serviceLevels: { decision: serviceLevel(dd), verification: serviceLevel(vd), payment: serviceLevel(pd) },
  };
}

