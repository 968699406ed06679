import type { TFunction } from "i18next";
import { formatMoney, type Cents } from "../domain/money";
import { percentOf, RESULT_STATES } from "../domain/results";
import type { Language } from "../languages";
import type { Dashboard } from "../services/results/dashboard";
import { barChart, describe, heatMap, lineChart } from "./svg";

/*
 * The dashboard's charts: for each, the title, a one-line summary that states the main figure in
 * words, the SVG, and the same numbers as a table (the accessible and printable form). Every word
 * comes from the "results" catalogue in the reader's language, amounts in the reader's conventions.
 */

export interface DataTable { head: string[]; rows: { cells: string[]; highlight?: boolean }[] }

export interface ChartView { id: string; title: string; summary: string; svg: string; table: DataTable }

/** A decimal such as a percentage ("12.5") with the reader's decimal comma. */
export function decimalIn(language: Language, value: string): string {
  return language === "en" ? value : value.replace(".", ",");
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The charts of the dashboard in `language`; `ownRegionId` highlights a cluster manager's region. */
export function dashboardCharts(d: Dashboard, ownRegionId: number | null, t: TFunction, language: Language): ChartView[] {
  const money = (c: Cents) => formatMoney(Math.round(c), language);
  // Axis ticks drop the cents: ",00" or ".00" before or after the currency.
  const axisMoney = (c: number) => formatMoney(Math.round(c), language).replace(/[.,]00(?= EUR$|$)/, "");
  const count = (n: number) => String(Math.round(n));
  const num = (n: number) => decimalIn(language, String(n));
  const pct = (p: string | null) => (p === null ? "–" : decimalIn(language, p));
  const dash = "–";
  const own = ownRegionId === null ? null : d.regions.findIndex((r) => r.id === ownRegionId);
  const ownIndex = own !== null && own >= 0 ? own : null;
  const regionLabels = d.regions.map((r) => `${r.name} (${r.code})`);
  const charts: ChartView[] = [];
  const committedLess = t("results:charts.series.committedNet");
  const paidName = t("results:charts.series.paid");

  // Vouchers by region and type
  const regionTotals = d.byRegionType.map(sum);
  const topIndex = regionTotals.indexOf(Math.max(...regionTotals, 0));
  const ownText = ownIndex !== null ? " " + t("results:charts.byRegionType.ownRegion", { region: d.regions[ownIndex]?.name ?? "", count: regionTotals[ownIndex] ?? 0 }) : "";
  const byRegionTitle = t("results:charts.byRegionType.title");
  charts.push({
    id: "by-region-type",
    title: byRegionTitle,
    summary: d.submittedCount === 0 ? t("results:charts.byRegionType.none") :
      t("results:charts.byRegionType.summary", { count: d.submittedCount, region: d.regions[topIndex]?.name ?? dash, regionCount: regionTotals[topIndex] ?? 0 }) + ownText,
    svg: barChart({
      title: byRegionTitle, summary: "", categories: regionLabels, stacked: true, highlight: ownIndex, format: count,
      series: d.types.map((ty, ti) => ({ name: ty.name, values: d.byRegionType.map((row) => row[ti] ?? 0) })),
    }),
    table: {
      head: [t("results:charts.head.region"), ...d.types.map((ty) => ty.name), t("results:charts.head.total")],
      rows: d.regions.map((r, i) => ({ cells: [regionLabels[i] ?? r.code, ...d.types.map((_, ti) => String(d.byRegionType[i]?.[ti] ?? 0)), String(regionTotals[i] ?? 0)], highlight: i === ownIndex })),
    },
  });

  // Vouchers by state
  const stateLabel = (s: string) => t("results:state." + s);
  const byStateTitle = t("results:charts.byState.title");
  const applications = t("results:charts.byState.applications");
  charts.push({
    id: "by-state",
    title: byStateTitle,
    summary: t("results:charts.byState.summary", {
      approved: d.approvedEver, decided: d.approvedEver + d.rejected, paid: d.byState.paid, expired: d.byState.expired,
      rate: d.approvalRate === null ? t("results:charts.byState.rateUnknown") : t("results:charts.percent", { value: pct(d.approvalRate) }),
    }),
    svg: barChart({
      title: byStateTitle, summary: "", categories: RESULT_STATES.map(stateLabel), format: count,
      series: [{ name: applications, values: RESULT_STATES.map((s) => d.byState[s]) }],
    }),
    table: { head: [t("results:charts.head.state"), applications], rows: RESULT_STATES.map((s) => ({ cells: [stateLabel(s), String(d.byState[s])] })) },
  });

  // Budget burn over time
  const last = d.burn[d.burn.length - 1];
  const burnTitle = t("results:charts.burn.title");
  const budgets = t("results:charts.burn.budgets");
  charts.push({
    id: "burn",
    title: burnTitle,
    summary: last ? t("results:charts.burn.summary", { month: last.month, committed: money(last.committedNet), paid: money(last.paid), budgets: money(d.totalCeiling), percent: pct(percentOf(last.committedNet, d.totalCeiling)) })
      : t("results:charts.burn.none"),
    svg: lineChart({
      title: burnTitle, summary: "", x: d.burn.map((b) => b.month), format: axisMoney,
      series: [
        { name: committedLess, values: d.burn.map((b) => b.committedNet) },
        { name: paidName, values: d.burn.map((b) => b.paid) },
        { name: budgets, values: d.burn.map(() => d.totalCeiling), dashed: true },
      ],
    }),
    table: {
      head: [t("results:charts.burn.month"), t("results:charts.burn.committedCumulative"), t("results:charts.burn.paidCumulative"), budgets],
      rows: d.burn.map((b) => ({ cells: [b.month, money(b.committedNet), money(b.paid), money(d.totalCeiling)] })),
    },
  });

  // Budget per call
  charts.push({
    id: "per-call",
    title: t("results:charts.perCall.title"),
    summary: d.calls.length ? d.calls.map((c) => t("results:charts.perCall.item", { call: c.title, percent: pct(percentOf(c.totals.committed - c.totals.released, c.ceiling ?? 0)) })).join("; ") + "." : t("results:charts.perCall.none"),
    svg: barChart({
      title: t("results:charts.perCall.chartTitle"), summary: "", categories: d.calls.map((c) => c.title), format: axisMoney, markers: d.calls.map((c) => c.ceiling), markerLabel: t("results:charts.head.ceiling"),
      series: [
        { name: committedLess, values: d.calls.map((c) => c.totals.committed - c.totals.released) },
        { name: paidName, values: d.calls.map((c) => c.totals.paid) },
      ],
    }),
    table: {
      head: [t("results:charts.head.call"), t("results:charts.head.ceiling"), t("results:charts.head.committed"), t("results:charts.head.released"), t("results:charts.head.paid"), t("results:charts.head.remaining")],
      rows: d.calls.map((c) => ({ cells: [c.title, c.ceiling === null ? dash : money(c.ceiling), money(c.totals.committed), money(c.totals.released), money(c.totals.paid),
        c.ceiling === null ? dash : money(c.ceiling - (c.totals.committed - c.totals.released))] })),
    },
  });

  // Budget per partner
  const partnerOwn = ownRegionId === null ? -1 : d.partners.findIndex((p) => p.regionId === ownRegionId);
  const busiest = d.partners.slice().sort((a, b) => (b.totals.committed - b.totals.released) - (a.totals.committed - a.totals.released))[0];
  charts.push({
    id: "per-partner",
    title: t("results:charts.perPartner.title"),
    summary: busiest ? t("results:charts.perPartner.summary", { partner: busiest.shortName, committed: money(busiest.totals.committed - busiest.totals.released), paid: money(busiest.totals.paid) }) : t("results:charts.perPartner.none"),
    svg: barChart({
      title: t("results:charts.perPartner.chartTitle"), summary: "", categories: d.partners.map((p) => `${p.shortName} (${p.regionCode})`), format: axisMoney,
      markers: d.partners.map((p) => p.ceiling), markerLabel: t("results:charts.perPartner.marker"), highlight: partnerOwn >= 0 ? partnerOwn : null,
      series: [
        { name: committedLess, values: d.partners.map((p) => p.totals.committed - p.totals.released) },
        { name: paidName, values: d.partners.map((p) => p.totals.paid) },
      ],
    }),
    table: {
      head: [t("results:charts.head.partner"), t("results:charts.head.region"), t("results:charts.perPartner.ceiling"), t("results:charts.head.committed"), t("results:charts.head.released"), t("results:charts.head.paid")],
      rows: d.partners.map((p, i) => ({ cells: [p.name, p.regionCode, p.ceiling === null ? dash : money(p.ceiling), money(p.totals.committed), money(p.totals.released), money(p.totals.paid)], highlight: i === partnerOwn })),
    },
  });

  // Cooperation matrix
  const codes = d.regions.map((r) => r.code);
  charts.push({
    id: "matrix",
    title: t("results:charts.matrix.title"),
    summary: t("results:charts.matrix.summary", { count: d.crossBorderVouchers }),
    svg: heatMap({ title: t("results:charts.matrix.chartTitle"), summary: "", rows: regionLabels, cols: codes, values: d.matrix, axes: t("results:charts.matrix.axes"), highlightRow: ownIndex }),
    table: {
      head: [t("results:charts.matrix.corner"), ...codes],
      rows: d.regions.map((_, i) => ({ cells: [regionLabels[i] ?? "", ...d.matrix[i]?.map(String) ?? []], highlight: i === ownIndex })),
    },
  });

  // Cooperations against the target, and referrals
  const reached = pct(d.cooperations.percent);
  charts.push({
    id: "target",
    title: t("results:charts.target.title"),
    summary: t("results:charts.target.summary", { count: d.cooperations.reached, percent: reached, target: d.cooperations.target })
      + " " + t("results:charts.target.referrals", { became: d.referrals.becameApplications, count: d.referrals.referrals }),
    svg: barChart({
      title: t("results:charts.target.chartTitle"), summary: "", format: count,
      categories: [t("results:charts.target.cooperations"), t("results:charts.target.directoryReferrals")],
      series: [{ name: t("results:charts.target.reached"), values: [d.cooperations.reached, d.referrals.referrals] }, { name: t("results:charts.target.became"), values: [0, d.referrals.becameApplications] }],
      markers: [d.cooperations.target, null], markerLabel: t("results:charts.target.marker"),
    }),
    table: {
      head: [t("results:charts.target.figure"), t("results:charts.target.value"), t("results:charts.target.base")],
      rows: [
        { cells: [t("results:charts.target.cooperationsRow"), String(d.cooperations.reached), t("results:charts.target.targetCell", { target: d.cooperations.target, percent: reached })] },
        { cells: [t("results:charts.target.referralsRow"), String(d.referrals.becameApplications), t("results:charts.target.referralsCell", { count: d.referrals.referrals })] },
      ],
    },
  });

  // Service levels
  const sl = d.serviceLevels;
  const levels = [
    { name: t("results:charts.serviceLevels.decision"), l: sl.decision },
    { name: t("results:charts.serviceLevels.verification"), l: sl.verification },
    { name: t("results:charts.serviceLevels.payment"), l: sl.payment },
  ];
  const days = (n: number | null) => (n === null ? dash : t("results:charts.serviceLevels.days", { count: n, days: num(n) }));
  charts.push({
    id: "service-levels",
    title: t("results:charts.serviceLevels.title"),
    summary: levels.map((x) => t("results:charts.serviceLevels.item", { step: x.name, median: days(x.l.median), p90: days(x.l.p90), count: x.l.count })).join("; ") + ".",
    svg: barChart({
      title: t("results:charts.serviceLevels.chartTitle"), summary: "", categories: levels.map((x) => x.name), format: count,
      series: [{ name: t("results:charts.serviceLevels.median"), values: levels.map((x) => x.l.median ?? 0) }, { name: t("results:charts.serviceLevels.p90"), values: levels.map((x) => x.l.p90 ?? 0) }],
    }),
    table: {
      head: [t("results:charts.serviceLevels.step"), t("results:charts.serviceLevels.cases"), t("results:charts.serviceLevels.medianDays"), t("results:charts.serviceLevels.p90Days")],
      rows: levels.map((x) => ({ cells: [x.name, String(x.l.count), x.l.median === null ? dash : num(x.l.median), x.l.p90 === null ? dash : num(x.l.p90)] })),
    },
  });

  return charts.map((c) => ({ ...c, svg: describe(c.svg, c.title, c.summary) }));
}
