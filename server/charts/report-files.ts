import { readFileSync } from "node:fs";
import { formatAmount, type Cents } from "../domain/money";
import type { Language } from "../languages";
import type { Indicator, IndicatorReport } from "../services/results/report";
import type { ChartView } from "./results";

/*
 * The indicator report as files: an XLSX workbook with one sheet per indicator (definition,
 * value, then the vouchers behind it) and a PDF with the definitions, the values and the
 * dashboard's charts drawn as vectors (the same SVG the page shows).
 */

export interface ReportMeta { title: string; period: string; generatedAt: Date }

/** The PDF's words in the reader's language: the period line and the records note under each figure. */
export interface PdfMeta { title: string; periodLine: string; generatedAt: Date; language: Language; recordsLine: (count: number) => string }

/** An indicator with its title, definition and value already written in the reader's language. */
export type WrittenIndicator = Indicator & { valueText: string };

/** Amounts enter the sheet as the number parsed from their exact decimal text (see ledger-xlsx). */
const amount = (c: Cents | null) => (c === null ? null : Number(formatAmount(c)));

/*
 * The workbook's labels and column headers: each has a stable key (`?headers=keys`, documented in
 * docs/exports.md) and a catalogue text for people in the reader's language.
 */
const LABELS = {
  period: "exports:indicatorReport.period",
  definition: "exports:indicatorReport.definition",
  value: "exports:indicatorReport.value",
  referral: "exports:indicatorReport.referral",
  company: "exports:indicatorReport.company",
  organisation: "exports:indicatorReport.organisation",
  organisation_region: "exports:indicatorReport.organisationRegion",
  referred_at_utc: "exports:indicatorReport.referredAtUtc",
  became_application: "exports:indicatorReport.becameApplication",
  partner: "exports:indicatorReport.partner",
  region: "exports:indicatorReport.region",
  voucher: "exports:indicatorReport.voucher",
  ceiling_eur: "exports:indicatorReport.ceilingEur",
  committed_eur: "exports:indicatorReport.committedEur",
  released_eur: "exports:indicatorReport.releasedEur",
  paid_eur: "exports:indicatorReport.paidEur",
  type: "exports:indicatorReport.type",
  approved_on: "exports:indicatorReport.approvedOn",
  approved_eur: "exports:indicatorReport.approvedEur",
  counterpart: "exports:indicatorReport.counterpart",
  counterpart_region: "exports:indicatorReport.counterpartRegion",
  counterpart_country: "exports:indicatorReport.counterpartCountry",
  counterpart_kind: "exports:indicatorReport.counterpartKind",
  state: "exports:indicatorReport.state",
} as const;

export type ReportLabel = keyof typeof LABELS;

/** The catalogue key of a unit other than EUR ("enterprises"), for its word in the reader's language. */
export const UNIT_LABELS: Readonly<Record<string, string>> = {
  enterprises: "exports:indicatorReport.unit.enterprises",
  cooperations: "exports:indicatorReport.unit.cooperations",
};

/**
 * The workbook's words: with `keys`, the stable keys (labels, headers, sheet names as the
 * indicators' keys, units, codes and yes/no as stored); else the reader's language.
 */
export interface ReportWords {
  label: (key: ReportLabel, textKey: string) => string;
  sheetName: (ind: Indicator) => string;
  title: (ind: Indicator) => string;
  definition: (ind: Indicator) => string;
  unit: (unit: string) => string;
  yesNo: (yes: boolean) => string;
  code: (group: "state" | "counterpartKind", code: string) => string;
}

function sheetRows(ind: Indicator, w: ReportWords): { head: string[]; rows: (string | number | null)[][]; amountCols: number[] } {
  const head = (...keys: ReportLabel[]) => keys.map((k) => w.label(k, LABELS[k]));
  if (ind.referrals) {
    return {
      head: head("referral", "company", "organisation", "organisation_region", "referred_at_utc", "became_application"),
      rows: ind.referrals.map((r) => [r.referralId, r.company, r.organisation, r.organisationRegion, r.createdAt, w.yesNo(r.becameApplication)]),
      amountCols: [],
    };
  }
  if (ind.partnerVouchers) {
    return {
      head: head("partner", "region", "voucher", "company", "committed_eur", "released_eur", "paid_eur"),
      rows: ind.partnerVouchers.map((p) => [p.partner, p.region, p.reference, p.company, amount(p.totals.committed), amount(p.totals.released), amount(p.totals.paid)]),
      amountCols: [5, 6, 7],
    };
  }
  return {
    head: head("voucher", "company", "region", "type", "approved_on", "approved_eur", "counterpart", "counterpart_region", "counterpart_country", "counterpart_kind", "state"),
    rows: (ind.vouchers ?? []).map((v) => [
      v.reference, v.company, v.region, v.type, v.approvedOn, amount(v.approvedCents), v.counterpart, v.counterpartRegion, v.counterpartCountry,
      w.code("counterpartKind", v.counterpartKind), w.code("state", v.state),
    ]),
    amountCols: [6],
  };
}

/** Excel refuses these characters and names longer than 31 characters or repeated in a workbook. */
function sheetNameOf(name: string, taken: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, " ").replace(/^'+|'+$/g, "").slice(0, 31).trim() || "Sheet";
  let candidate = base;
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) candidate = `${base.slice(0, 31 - String(n).length - 3)} (${String(n)})`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

/*
 * exceljs, pdfkit and svg-to-pdfkit are loaded when a report is first downloaded: together they
 * are about a third of a second of every server start, for files few requests ask for.
 */
export async function reportXlsx(report: IndicatorReport, meta: ReportMeta, w: ReportWords): Promise<Buffer> {
  const { default: ExcelJS } = await import("exceljs");
  const wb = new ExcelJS.Workbook();
  wb.creator = "Voucherdesk";
  wb.created = meta.generatedAt;
  wb.title = meta.title;
  const label = (k: ReportLabel) => w.label(k, LABELS[k]);
  const taken = new Set<string>();
  for (const ind of report.indicators) {
    const ws = wb.addWorksheet(sheetNameOf(w.sheetName(ind), taken));
    ws.addRow([w.title(ind)]).font = { bold: true, size: 13 };
    ws.addRow([label("period"), meta.period]);
    ws.addRow([label("definition"), w.definition(ind)]);
    const valueRow = ws.addRow([label("value"), ind.unit === "EUR" ? amount(ind.value) : ind.value, w.unit(ind.unit)]);
    if (ind.unit === "EUR") valueRow.getCell(2).numFmt = "#,##0.00";
    if (ind.partners) {
      ws.addRow([]);
      ws.addRow((["partner", "region", "ceiling_eur", "committed_eur", "released_eur", "paid_eur"] as const).map(label)).font = { bold: true };
      for (const p of ind.partners) {
        const r = ws.addRow([p.name, p.regionCode, amount(p.ceiling), amount(p.totals.committed), amount(p.totals.released), amount(p.totals.paid)]);
        for (const c of [3, 4, 5, 6]) r.getCell(c).numFmt = "#,##0.00";
      }
    }
    ws.addRow([]);
    const { head, rows, amountCols } = sheetRows(ind, w);
    ws.addRow(head).font = { bold: true };
    for (const row of rows) {
      const r = ws.addRow(row);
      for (const c of amountCols) r.getCell(c).numFmt = "#,##0.00";
    }
    ws.columns.forEach((col, i) => { col.width = i === 1 ? 40 : 18; });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const FONT = { regular: "dejavu-fonts-ttf/ttf/DejaVuSans.ttf", bold: "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf" };
let fontCache: { regular: Buffer; bold: Buffer } | null = null;
function fonts(): { regular: Buffer; bold: Buffer } {
  fontCache ??= { regular: readFileSync(require.resolve(FONT.regular)), bold: readFileSync(require.resolve(FONT.bold)) };
  return fontCache;
}

export async function reportPdf(report: { indicators: WrittenIndicator[] }, charts: ChartView[], meta: PdfMeta): Promise<Buffer> {
  const [{ default: PDFDocument }, { default: SVGtoPDF }] = await Promise.all([import("pdfkit"), import("svg-to-pdfkit")]);
  const doc = new PDFDocument({
    size: "A4", margins: { top: 50, bottom: 50, left: 50, right: 50 }, pdfVersion: "1.7", tagged: true, displayTitle: true, lang: meta.language,
    info: { Title: meta.title, Creator: "Voucherdesk", Producer: "Voucherdesk (PDFKit)", CreationDate: meta.generatedAt, ModDate: meta.generatedAt },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  const f = fonts();
  doc.registerFont("R", f.regular);
  doc.registerFont("B", f.bold);
  const width = doc.page.width - 100;

  doc.font("B").fontSize(16).text(meta.title);
  doc.font("R").fontSize(10).text(meta.periodLine).moveDown();
  for (const ind of report.indicators) {
    doc.font("B").fontSize(12).text(ind.title);
    doc.font("R").fontSize(10).text(ind.valueText);
    doc.fontSize(9).fillColor("#444444").text(ind.definition).fillColor("#000000");
    const count = ind.vouchers?.length ?? ind.referrals?.length ?? ind.partnerVouchers?.length ?? 0;
    doc.fontSize(9).text(meta.recordsLine(count)).moveDown();
  }

  const chartWidth = width;
  for (const c of charts) {
    const m = /viewBox="0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)"/.exec(c.svg);
    const w = Number(m?.[1] ?? 640);
    const h = Number(m?.[2] ?? 300);
    const drawnH = (h * chartWidth) / w;
    if (doc.y + drawnH + 60 > doc.page.height - 50) doc.addPage();
    doc.font("B").fontSize(11).text(c.title);
    doc.font("R").fontSize(9).text(c.summary);
    const y = doc.y + 4;
    SVGtoPDF(doc, c.svg, 50, y, { width: chartWidth, height: drawnH, fontCallback: (_family: string, bold: boolean) => (bold ? "B" : "R") });
    doc.x = 50;
    doc.y = y + drawnH + 12;
  }
  doc.end();
  return done;
}
