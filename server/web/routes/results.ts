import { Router, type Request } from "express";
import type { TFunction } from "i18next";
import { z } from "zod";
import { dashboardCharts, decimalIn } from "../../charts/results";
import { type ReportWords, reportPdf, reportXlsx, UNIT_LABELS } from "../../charts/report-files";
import { msg } from "../../domain/message";
import { dashboard } from "../../services/results/dashboard";
import { resultsFilter, resultsQuery, type ResultsFilter } from "../../services/results/filter";
import { dayInWords, formatLongDay } from "../../domain/date-format";
import { DATE_LOCALES, type Language } from "../../languages";
import { publicResults } from "../../services/results/public";
import { callOptions } from "../../services/results/queries";
import { downloadIndicatorReport, downloadIndicatorReportPdf, type Indicator, indicatorReport } from "../../services/results/report";
import { setCooperationTarget } from "../../services/results/target";
import { canSee } from "../../services/applications/records";
import { formRoute } from "../forms";
import { field, parseBody, parseQuery } from "../input";
import { translator } from "../../i18n";
import { formatMoney } from "../../domain/money";
import { type HeaderChoice, headersQuery } from "../export-headers";
import { codeText, pageLanguage, pageTranslator, requestLanguage } from "../language";
import { flash, requireRole } from "../middleware";

/*
 * Programme results: the dashboard and the indicator report for administrators (the whole
 * programme) and cluster managers (the programme, their own region highlighted), and a public page
 * with aggregates only. Authorization is per route, as this router is mounted at the root.
 */
export const resultsRoutes = Router();
const staff = requireRole("admin", "manager");
const admin = requireRole("admin");

const filterSchema = z.object({
  from: field.optionalDate(msg("errors:fields.periodStart")),
  to: field.optionalDate(msg("errors:fields.periodEnd")),
  call: field.optionalId(msg("errors:fields.aCall")),
});

function filterOf(req: Request): ResultsFilter {
  const q = parseQuery(filterSchema, { from: req.query.from, to: req.query.to, call: req.query.call });
  return resultsFilter({ from: q.from, to: q.to, callId: q.call }, req.ctx.config.timeZone);
}

/** The period of a filter in words, in the reader's language ("1 May 2026 to 31 May 2026"). */
function periodText(f: ResultsFilter, t: TFunction, language: Language): string {
  const day = (iso: string) => (language === "en" ? dayInWords(iso) : formatLongDay(iso, "UTC", DATE_LOCALES[language]) ?? iso);
  if (f.from && f.to) return t("results:period.between", { from: day(f.from), to: day(f.to) });
  if (f.from) return t("results:period.from", { from: day(f.from) });
  if (f.to) return t("results:period.upTo", { to: day(f.to) });
  return t("results:period.all");
}

/** The page's language and translator from the request (a form page re-rendered after a refusal has only the request). */
function reader(req: Request): { t: TFunction; language: Language } {
  const language = req.res ? pageLanguage(req.res) : requestLanguage(req);
  return { t: translator(language), language };
}

async function filterLocals(req: Request, f: ResultsFilter) {
  const qs = resultsQuery(f);
  const { t, language } = reader(req);
  return {
    values: { from: f.from ?? "", to: f.to ?? "", call: f.callId ? String(f.callId) : "" },
    callOptions: (await callOptions(req.ctx.db)).map((c) => ({ value: String(c.id), label: c.title })),
    period: periodText(f, t, language),
    qs: qs ? `?${qs}` : "",
  };
}

async function dashboardLocals(req: Request, f: ResultsFilter) {
  const d = await dashboard(req.ctx.db, f);
  const ownRegionId = req.user?.role === "manager" ? req.user.regionId : null;
  const { t, language } = reader(req);
  return {
    pageTitle: t("results:dashboard.pageTitle"),
    d,
    approvalRate: d.approvalRate === null ? null : decimalIn(language, d.approvalRate),
    charts: dashboardCharts(d, ownRegionId, t, language),
    ownRegion: ownRegionId === null ? null : d.regions.find((r) => r.id === ownRegionId) ?? null,
    isAdmin: req.user?.role === "admin",
    targetValue: String(d.cooperations.target),
    ...(await filterLocals(req, f)),
  };
}

resultsRoutes.get("/results", staff, async (req, res) => {
  res.render("pages/results/dashboard", await dashboardLocals(req, filterOf(req)));
});

resultsRoutes.post("/results/target", admin, formRoute({
  view: "pages/results/dashboard",
  locals: async (req) => {
    const typed: unknown = (req.body as Record<string, unknown> | undefined)?.target;
    return { ...(await dashboardLocals(req, {})), targetValue: typeof typed === "string" ? typed : "" };
  },
}, async (req, res) => {
  const input = parseBody(z.object({ target: field.wholeNumber(msg("errors:fields.target"), { min: 1, max: 100_000 }) }), req.body, msg("errors:fieldChecks.targetNotSaved"));
  await setCooperationTarget(req.ctx, input.target);
  flash(req, "success", pageTranslator(res)("results:dashboard.targetSaved", { target: input.target }));
  res.redirect(303, "/results");
}));

resultsRoutes.get("/results/report", staff, async (req, res) => {
  const f = filterOf(req);
  const report = await indicatorReport(req.ctx.db, f);
  const t = pageTranslator(res);
  res.render("pages/results/report", {
    pageTitle: t("results:report.pageTitle"),
    indicators: report.indicators.map((i) => ({
      ...i,
      ...indicatorWords(i, t),
      // A voucher opens for whoever may see it (canSee): a manager sees the other regions' vouchers listed, not opened.
      shown: (i.vouchers ?? []).slice(0, DRILL_DOWN_ON_PAGE).map((v) => ({ ...v, openable: canSee(req.ctx.actor, { id: v.applicationId, companyId: v.companyId, partnerId: v.partnerId, state: v.state }) })),
      shownReferrals: (i.referrals ?? []).slice(0, DRILL_DOWN_ON_PAGE),
      shownPartnerVouchers: (i.partnerVouchers ?? []).slice(0, DRILL_DOWN_ON_PAGE),
      total: i.vouchers?.length ?? i.referrals?.length ?? i.partnerVouchers?.length ?? 0,
      truncated: (i.vouchers?.length ?? i.referrals?.length ?? i.partnerVouchers?.length ?? 0) > DRILL_DOWN_ON_PAGE,
      isMoney: i.unit === "EUR",
    })),
    limit: DRILL_DOWN_ON_PAGE,
    ...(await filterLocals(req, f)),
  });
});

/** An indicator's title, definition and value (when not an amount) in the reader's language. */
function indicatorWords(i: Indicator, t: TFunction): { title: string; definition: string; valueText: string } {
  return {
    title: t(INDICATOR + i.key + ".title", { defaultValue: i.title }),
    definition: t(INDICATOR + i.key + ".definition", { defaultValue: i.definition }),
    valueText: t(INDICATOR_UNIT + i.unit, { count: i.value, defaultValue: `${i.value} ${i.unit}` }),
  };
}
const INDICATOR = "results:indicators.";
const INDICATOR_UNIT = "results:indicators.unit.";

/** The page lists this many records per indicator; the XLSX lists them all. */
const DRILL_DOWN_ON_PAGE = 200;

function fileName(f: ResultsFilter, ext: string): string {
  return `indicator-report${f.from ? "-from-" + f.from : ""}${f.to ? "-to-" + f.to : ""}${f.callId ? "-call-" + String(f.callId) : ""}.${ext}`;
}

/** The workbook's words in the reader's language, or its stable keys with `?headers=keys` (docs/exports.md). */
function reportWords(choice: HeaderChoice, t: TFunction, language: Language): ReportWords {
  if (choice === "keys") {
    return {
      label: (key) => key, sheetName: (i) => i.key, title: (i) => indicatorWords(i, t).title, definition: (i) => indicatorWords(i, t).definition,
      unit: (unit) => unit, yesNo: (yes) => (yes ? "yes" : "no"), code: (_group, value) => value,
    };
  }
  return {
    label: (_key, textKey) => t(textKey),
    sheetName: (i) => indicatorWords(i, t).title,
    title: (i) => indicatorWords(i, t).title,
    definition: (i) => indicatorWords(i, t).definition,
    unit: (unit) => { const key = UNIT_LABELS[unit]; return key ? t(key) : unit; },
    yesNo: (yes) => t(yes ? "results:report.yes" : "results:report.no"),
    code: (group, value) => (value ? codeText(language, group, value, value) : ""),
  };
}

resultsRoutes.get("/results/report.xlsx", staff, async (req, res) => {
  const f = filterOf(req);
  const { headers } = parseQuery(z.object(headersQuery), { headers: req.query.headers });
  const t = pageTranslator(res);
  const language = pageLanguage(res);
  const buf = await reportXlsx(await downloadIndicatorReport(req.ctx, f, "xlsx"), {
    title: t("results:report.pdfTitle"), period: periodText(f, t, language), generatedAt: req.ctx.now(),
  }, reportWords(headers, t, language));
  res.type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").attachment(fileName(f, "xlsx")).send(buf);
});

resultsRoutes.get("/results/report.pdf", staff, async (req, res) => {
  const f = filterOf(req);
  const { report, dashboard: d } = await downloadIndicatorReportPdf(req.ctx, f);
  const t = pageTranslator(res);
  const language = pageLanguage(res);
  const indicators = report.indicators.map((i) => {
    const words = indicatorWords(i, t);
    return { ...i, ...words, valueText: i.unit === "EUR" ? formatMoney(i.value, language) : words.valueText };
  });
  const buf = await reportPdf({ indicators }, dashboardCharts(d, null, t, language), {
    title: t("results:report.pdfTitle"), periodLine: t("results:report.pdfPeriod", { period: periodText(f, t, language) }), generatedAt: req.ctx.now(), language,
    recordsLine: (count) => t("results:report.pdfRecords", { count }),
  });
  res.type("application/pdf").attachment(fileName(f, "pdf")).send(buf);
});

resultsRoutes.get("/results/public", async (req, res) => {
  const p = await publicResults(req.ctx.db);
  res.render("pages/results/public", {
    pageTitle: pageTranslator(res)("public:results.pageTitle"),
    p,
    regionRows: p.regions.map((r, i) => ({ label: `${r.name} (${r.code})`, cells: p.byRegionType[i] ?? [], matrix: p.matrix[i] ?? [] })),
  });
});
