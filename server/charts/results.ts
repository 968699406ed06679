import { formatMoney, type Cents } from "../domain/money";
import { percentOf, RESULT_STATE_LABELS, RESULT_STATES } from "../domain/results";
import type { Dashboard } from "../services/results/dashboard";
import { barChart, describe, heatMap, lineChart } from "./svg";

/*
 * The dashboard's charts: for each, the title, a one-line summary that states the main figure in
 * words, the SVG, and the same numbers as a table (the accessible and printable form).
 */

export interface DataTable { head: string[]; rows: { cells: string[]; highlight?: boolean }[] }

export interface ChartView { id: string; title: string; summary: string; svg: string; table: DataTable }

const money = (c: Cents) => formatMoney(Math.round(c));
const axisMoney = (c: number) => formatMoney(Math.round(c)).replace(/\.00$/, "");
const count = (n: number) => String(Math.round(n));
const orDash = (n: number | null, unit = "") => (n === null ? "–" : `${n}${unit}`);

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The charts of the dashboard; `ownRegionId` highlights a cluster manager's region. */
export function dashboardCharts(d: Dashboard, ownRegionId: number | null): ChartView[] {
  const own = ownRegionId === null ? null : d.regions.findIndex((r) => r.id === ownRegionId);
  const ownIndex = own !== null && own >= 0 ? own : null;
  const regionLabels = d.regions.map((r) => `${r.name} (${r.code})`);
  const charts: ChartView[] = [];

  // Vouchers by region and type
  const regionTotals = d.byRegionType.map(sum);
  const topIndex = regionTotals.indexOf(Math.max(...regionTotals, 0));
  const ownText = ownIndex !== null ? ` Your region, ${d.regions[ownIndex]?.name ?? ""}: ${regionTotals[ownIndex] ?? 0}.` : "";
  charts.push({
    id: "by-region-type",
    title: "Vouchers applied for, by region and type",
    summary: d.submittedCount === 0 ? "No applications were submitted in this period." :
      `${d.submittedCount} applications submitted; most from ${d.regions[topIndex]?.name ?? "–"} (${regionTotals[topIndex] ?? 0}).${ownText}`,
    svg: barChart({
      title: "Vouchers applied for, by region and type", summary: "", categories: regionLabels, stacked: true, highlight: ownIndex, format: count,
      series: d.types.map((t, ti) => ({ name: t.name, values: d.byRegionType.map((row) => row[ti] ?? 0) })),
    }),
    table: {
      head: ["Region", ...d.types.map((t) => t.name), "Total"],
      rows: d.regions.map((r, i) => ({ cells: [regionLabels[i] ?? r.code, ...d.types.map((_, ti) => String(d.byRegionType[i]?.[ti] ?? 0)), String(regionTotals[i] ?? 0)], highlight: i === ownIndex })),
    },
  });

  // Vouchers by state
  charts.push({
    id: "by-state",
    title: "Vouchers by state",
    summary: `${d.approvedEver} of ${d.approvedEver + d.rejected} decided applications were approved (approval rate ${d.approvalRate === null ? "not yet known" : d.approvalRate + " %"}); ${d.byState.paid} paid, ${d.byState.expired} expired.`,
    svg: barChart({
      title: "Vouchers by state", summary: "", categories: RESULT_STATES.map((s) => RESULT_STATE_LABELS[s]), format: count,
      series: [{ name: "Applications", values: RESULT_STATES.map((s) => d.byState[s]) }],
    }),
    table: { head: ["State", "Applications"], rows: RESULT_STATES.map((s) => ({ cells: [RESULT_STATE_LABELS[s], String(d.byState[s])] })) },
  });

  // Budget burn over time
  const last = d.burn[d.burn.length - 1];
  charts.push({
    id: "burn",
    title: "Budget burn over time",
    summary: last ? `By ${last.month}, ${money(last.committedNet)} committed and ${money(last.paid)} paid of ${money(d.totalCeiling)} in call budgets (${percentOf(last.committedNet, d.totalCeiling) ?? "–"} % committed).`
      : "No budget was committed or paid in this period.",
    svg: lineChart({
      title: "Budget burn over time", summary: "", x: d.burn.map((b) => b.month), format: axisMoney,
      series: [
        { name: "Committed (less releases)", values: d.burn.map((b) => b.committedNet) },
        { name: "Paid", values: d.burn.map((b) => b.paid) },
        { name: "Call budgets", values: d.burn.map(() => d.totalCeiling), dashed: true },
      ],
    }),
    table: { head: ["Month", "Committed (cumulative, less releases)", "Paid (cumulative)", "Call budgets"], rows: d.burn.map((b) => ({ cells: [b.month, money(b.committedNet), money(b.paid), money(d.totalCeiling)] })) },
  });

  // Budget per call
  charts.push({
    id: "per-call",
    title: "Budget per call: committed and paid against the ceiling",
    summary: d.calls.length ? d.calls.map((c) => `${c.title}: ${percentOf(c.totals.committed - c.totals.released, c.ceiling ?? 0) ?? "–"} % committed`).join("; ") + "." : "No calls.",
    svg: barChart({
      title: "Budget per call", summary: "", categories: d.calls.map((c) => c.title), format: axisMoney, markers: d.calls.map((c) => c.ceiling), markerLabel: "Ceiling",
      series: [
        { name: "Committed (less releases)", values: d.calls.map((c) => c.totals.committed - c.totals.released) },
        { name: "Paid", values: d.calls.map((c) => c.totals.paid) },
      ],
    }),
    table: {
      head: ["Call", "Ceiling", "Committed", "Released", "Paid", "Remaining"],
      rows: d.calls.map((c) => ({ cells: [c.title, c.ceiling === null ? "–" : money(c.ceiling), money(c.totals.committed), money(c.totals.released), money(c.totals.paid),
        c.ceiling === null ? "–" : money(c.ceiling - (c.totals.committed - c.totals.released))] })),
    },
  });

  // Budget per partner
  const partnerOwn = ownRegionId === null ? -1 : d.partners.findIndex((p) => p.regionId === ownRegionId);
  const busiest = d.partners.slice().sort((a, b) => (b.totals.committed - b.totals.released) - (a.totals.committed - a.totals.released))[0];
  charts.push({
    id: "per-partner",
    title: "Budget per partner: committed and paid against the partner ceilings",
    summary: busiest ? `${busiest.shortName} has committed the most: ${money(busiest.totals.committed - busiest.totals.released)}, of which ${money(busiest.totals.paid)} paid.` : "No partners.",
    svg: barChart({
      title: "Budget per partner", summary: "", categories: d.partners.map((p) => `${p.shortName} (${p.regionCode})`), format: axisMoney,
      markers: d.partners.map((p) => p.ceiling), markerLabel: "Partner ceiling", highlight: partnerOwn >= 0 ? partnerOwn : null,
      series: [
        { name: "Committed (less releases)", values: d.partners.map((p) => p.totals.committed - p.totals.released) },
        { name: "Paid", values: d.partners.map((p) => p.totals.paid) },
      ],
    }),
    table: {
      head: ["Partner", "Region", "Ceiling (sum over calls)", "Committed", "Released", "Paid"],
      rows: d.partners.map((p, i) => ({ cells: [p.name, p.regionCode, p.ceiling === null ? "–" : money(p.ceiling), money(p.totals.committed), money(p.totals.released), money(p.totals.paid)], highlight: i === partnerOwn })),
    },
  });

  // Cooperation matrix
  const codes = d.regions.map((r) => r.code);
  charts.push({
    id: "matrix",
    title: "Cross-border cooperation: applicant region × counterpart region",
    summary: `${d.crossBorderVouchers} approved vouchers connect an SME with a counterpart in another region.`,
    svg: heatMap({ title: "Cross-border cooperation", summary: "", rows: regionLabels, cols: codes, values: d.matrix, rowAxis: "Applicant region", colAxis: "counterpart region", highlightRow: ownIndex }),
    table: {
      head: ["Applicant region \\ counterpart region", ...codes],
      rows: d.regions.map((_, i) => ({ cells: [regionLabels[i] ?? "", ...d.matrix[i]?.map(String) ?? []], highlight: i === ownIndex })),
    },
  });

  // Cooperations against the target, and referrals
  charts.push({
    id: "target",
    title: "Distinct international cooperations against the target",
    summary: `${d.cooperations.reached} distinct international cooperations started, ${d.cooperations.percent ?? "–"} % of the target of ${d.cooperations.target} (the FASILIS reference). ${d.referrals.becameApplications} of ${d.referrals.referrals} directory referrals became applications.`,
    svg: barChart({
      title: "International cooperations and referrals", summary: "", format: count,
      categories: ["International cooperations", "Directory referrals"],
      series: [{ name: "Reached", values: [d.cooperations.reached, d.referrals.referrals] }, { name: "Became applications", values: [0, d.referrals.becameApplications] }],
      markers: [d.cooperations.target, null], markerLabel: "Target",
    }),
    table: {
      head: ["Figure", "Value", "Target or base"],
      rows: [
        { cells: ["Distinct international cooperations started", String(d.cooperations.reached), `${d.cooperations.target} (${d.cooperations.percent ?? "–"} % reached)`] },
        { cells: ["Directory referrals that became applications", String(d.referrals.becameApplications), `${d.referrals.referrals} referrals`] },
      ],
    },
  });

  // Service levels
  const sl = d.serviceLevels;
  const levels = [
    { name: "Submission to decision", l: sl.decision },
    { name: "Claim to verification", l: sl.verification },
    { name: "Verification to payment", l: sl.payment },
  ];
  charts.push({
    id: "service-levels",
    title: "Service levels in days (median and 90th percentile)",
    summary: levels.map((x) => `${x.name}: median ${orDash(x.l.median, " days")}, 90 % within ${orDash(x.l.p90, " days")} (${x.l.count} cases)`).join("; ") + ".",
    svg: barChart({
      title: "Service levels in days", summary: "", categories: levels.map((x) => x.name), format: count,
      series: [{ name: "Median", values: levels.map((x) => x.l.median ?? 0) }, { name: "90th percentile", values: levels.map((x) => x.l.p90 ?? 0) }],
    }),
    table: { head: ["Step", "Cases", "Median (days)", "90th percentile (days)"], rows: levels.map((x) => ({ cells: [x.name, String(x.l.count), orDash(x.l.median), orDash(x.l.p90)] })) },
  });

  return charts.map((c) => ({ ...c, svg: describe(c.svg, c.title, c.summary) }));
}
