import { scaleBand, scaleLinear } from "d3-scale";
import { line } from "d3-shape";

/*
 * Charts as SVG text, drawn on the server: the pages need no script, print as they are, and the
 * PDF report draws the same SVG as vectors. Every chart carries its title and a one-line summary
 * as <title>/<desc> (role="img"); the page shows the same data as a table next to it, which is
 * what screen readers and printouts of the numbers rely on. Colours come in pairs with shapes or
 * positions (stacks, dashes), never colour alone.
 */

export const PALETTE = ["#1f5f8b", "#d9822b", "#2e8540", "#8b1f5f", "#5f5f5f", "#b8860b"];
const HIGHLIGHT = "#111111";
const FONT = "DejaVu Sans, Arial, sans-serif";

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

let counter = 0;
function uid(prefix: string): string {
  counter = (counter + 1) % 1_000_000;
  return `${prefix}-${counter}`;
}

function frame(width: number, height: number, title: string, summary: string, body: string): string {
  const t = uid("chart-title");
  const d = uid("chart-desc");
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${t} ${d}">`
    + `<title id="${t}">${esc(title)}</title><desc id="${d}">${esc(summary)}</desc>`
    + `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`
    + `<g font-family="${FONT}" font-size="12" fill="#1a1a1a">${body}</g></svg>`;
}

function text(x: number, y: number, s: string, opts: { anchor?: "start" | "middle" | "end"; weight?: "bold"; size?: number; fill?: string } = {}): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${opts.anchor ? ` text-anchor="${opts.anchor}"` : ""}${opts.weight ? ` font-weight="${opts.weight}"` : ""}`
    + `${opts.size ? ` font-size="${opts.size}"` : ""}${opts.fill ? ` fill="${opts.fill}"` : ""}>${esc(s)}</text>`;
}

function legend(items: { name: string; color: string; dashed?: boolean }[], x: number, y: number): string {
  let out = "";
  let cx = x;
  for (const it of items) {
    out += it.dashed
      ? `<line x1="${cx}" y1="${y - 4}" x2="${cx + 14}" y2="${y - 4}" stroke="${it.color}" stroke-width="2" stroke-dasharray="4 2"/>`
      : `<rect x="${cx}" y="${y - 10}" width="12" height="12" fill="${it.color}"/>`;
    out += text(cx + 18, y, it.name);
    cx += 30 + it.name.length * 7;
  }
  return out;
}

export interface BarChartInput {
  title: string;
  summary: string;
  categories: string[];
  series: { name: string; values: number[] }[];
  /** Series drawn one after the other in each bar (parts of a whole) rather than side by side. */
  stacked?: boolean;
  /** A limit per category (a ceiling, a target) drawn as a vertical mark. */
  markers?: (number | null)[];
  markerLabel?: string;
  /** Category drawn with an outline and a bold label (the manager's own region). */
  highlight?: number | null;
  format: (v: number) => string;
  width?: number;
}

/** Horizontal bars: one row per category, grouped or stacked series, optional limit marks. */
export function barChart(c: BarChartInput): string {
  const width = c.width ?? 640;
  const labelW = 190;
  const valueW = 90;
  const rowH = c.stacked || c.series.length === 1 ? 26 : 14 * c.series.length + 10;
  const top = 34;
  const plotH = Math.max(1, c.categories.length) * rowH;
  const height = top + plotH + 30;
  const totals = c.categories.map((_, i) => (c.stacked
    ? c.series.reduce((s, se) => s + Math.max(0, se.values[i] ?? 0), 0)
    : Math.max(0, ...c.series.map((se) => se.values[i] ?? 0))));
  const maxV = Math.max(1, ...totals, ...(c.markers ?? []).map((m) => m ?? 0));
  const x = scaleLinear().domain([0, maxV]).nice().range([labelW, width - valueW]);
  const y = scaleBand().domain(c.categories.map((_, i) => String(i))).range([top, top + plotH]).paddingInner(0.25).paddingOuter(0.1);
  let body = legend([
    ...c.series.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length] ?? "#000" })),
    ...(c.markers && c.markerLabel ? [{ name: c.markerLabel, color: HIGHLIGHT, dashed: true }] : []),
  ], labelW, 16);
  for (const t of x.ticks(4)) {
    body += `<line x1="${x(t).toFixed(1)}" y1="${top}" x2="${x(t).toFixed(1)}" y2="${top + plotH}" stroke="#d0d0d0"/>`;
    body += text(x(t), top + plotH + 16, c.format(t), { anchor: "middle", size: 10 });
  }
  c.categories.forEach((cat, i) => {
    const by = y(String(i)) ?? top;
    const bh = y.bandwidth();
    const mine = c.highlight === i;
    body += text(labelW - 8, by + bh / 2 + 4, cat.length > 30 ? cat.slice(0, 29) + "…" : cat, { anchor: "end", weight: mine ? "bold" : undefined });
    if (c.stacked) {
      let acc = 0;
      c.series.forEach((s, si) => {
        const v = Math.max(0, s.values[i] ?? 0);
        if (v > 0) body += `<rect x="${x(acc).toFixed(1)}" y="${by.toFixed(1)}" width="${(x(acc + v) - x(acc)).toFixed(1)}" height="${bh.toFixed(1)}" fill="${PALETTE[si % PALETTE.length] ?? "#000"}" stroke="#ffffff"/>`;
        acc += v;
      });
      body += text(x(acc) + 4, by + bh / 2 + 4, c.format(acc), { size: 11 });
    } else {
      const sh = bh / c.series.length;
      c.series.forEach((s, si) => {
        const v = Math.max(0, s.values[i] ?? 0);
        const sy = by + si * sh;
        body += `<rect x="${labelW}" y="${sy.toFixed(1)}" width="${(x(v) - labelW).toFixed(1)}" height="${Math.max(1, sh - 1).toFixed(1)}" fill="${PALETTE[si % PALETTE.length] ?? "#000"}"/>`;
        body += text(x(v) + 4, sy + sh / 2 + 4, c.format(s.values[i] ?? 0), { size: 10 });
      });
    }
    if (mine) body += `<rect x="2" y="${(by - 2).toFixed(1)}" width="${width - 4}" height="${(bh + 4).toFixed(1)}" fill="none" stroke="${HIGHLIGHT}" stroke-width="1.5"/>`;
    const m = c.markers?.[i];
    if (m !== undefined && m !== null) {
      body += `<line x1="${x(m).toFixed(1)}" y1="${(by - 3).toFixed(1)}" x2="${x(m).toFixed(1)}" y2="${(by + bh + 3).toFixed(1)}" stroke="${HIGHLIGHT}" stroke-width="2" stroke-dasharray="4 2"/>`;
    }
  });
  return frame(width, height, c.title, c.summary, body);
}

export interface LineChartInput {
  title: string;
  summary: string;
  x: string[];
  series: { name: string; values: number[]; dashed?: boolean }[];
  format: (v: number) => string;
  width?: number;
}

/** Lines over an ordinal x axis (months); a dashed series is a limit such as a ceiling. */
export function lineChart(c: LineChartInput): string {
  const width = c.width ?? 640;
  const height = 280;
  const left = 90;
  const right = 20;
  const top = 34;
  const bottom = 40;
  const maxV = Math.max(1, ...c.series.flatMap((s) => s.values));
  const y = scaleLinear().domain([0, maxV]).nice().range([height - bottom, top]);
  const x = scaleBand().domain(c.x).range([left, width - right]).padding(0.5);
  const px = (i: number) => (x(c.x[i] ?? "") ?? left) + x.bandwidth() / 2;
  let body = legend(c.series.map((s, i) => ({ name: s.name, color: s.dashed ? HIGHLIGHT : PALETTE[i % PALETTE.length] ?? "#000", dashed: s.dashed })), left, 16);
  for (const t of y.ticks(5)) {
    body += `<line x1="${left}" y1="${y(t).toFixed(1)}" x2="${width - right}" y2="${y(t).toFixed(1)}" stroke="#d0d0d0"/>`;
    body += text(left - 6, y(t) + 4, c.format(t), { anchor: "end", size: 10 });
  }
  const every = Math.max(1, Math.ceil(c.x.length / 8));
  c.x.forEach((label, i) => { if (i % every === 0) body += text(px(i), height - bottom + 16, label, { anchor: "middle", size: 10 }); });
  c.series.forEach((s, si) => {
    const color = s.dashed ? HIGHLIGHT : PALETTE[si % PALETTE.length] ?? "#000";
    const d = line<number>().x((_, i) => px(i)).y((v) => y(v))(s.values) ?? "";
    body += `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 3"' : ""}/>`;
    if (!s.dashed) s.values.forEach((v, i) => { body += `<circle cx="${px(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${color}"/>`; });
  });
  return frame(width, height, c.title, c.summary, body);
}

export interface HeatMapInput {
  title: string;
  summary: string;
  rows: string[];
  cols: string[];
  /** values[row][col]; null is a withheld or not applicable cell. */
  values: (number | null)[][];
  /** What the rows and the columns are, in the reader's language (drawn above the matrix). */
  axes: string;
  highlightRow?: number | null;
  width?: number;
}

/** A matrix of counts, darker for more, each cell labelled with its number. */
export function heatMap(c: HeatMapInput): string {
  const width = c.width ?? 640;
  const left = 150;
  const top = 60;
  const cell = Math.min(52, Math.floor((width - left - 10) / Math.max(1, c.cols.length)));
  const height = top + cell * c.rows.length + 30;
  const maxV = Math.max(1, ...c.values.flat().map((v) => v ?? 0));
  const shade = scaleLinear<string>().domain([0, maxV]).range(["#f2f6fa", "#0b3a5c"]);
  let body = text(left, 16, c.axes, { size: 11 });
  c.cols.forEach((col, j) => { body += text(left + j * cell + cell / 2, top - 8, col, { anchor: "middle", size: 11, weight: "bold" }); });
  c.rows.forEach((row, i) => {
    const mine = c.highlightRow === i;
    body += text(left - 8, top + i * cell + cell / 2 + 4, row, { anchor: "end", weight: mine ? "bold" : undefined });
    c.cols.forEach((_, j) => {
      const v = c.values[i]?.[j] ?? null;
      const fill = v === null ? "#ffffff" : shade(v);
      body += `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell - 2}" height="${cell - 2}" fill="${fill}" stroke="#c0c0c0"/>`;
      const label = v === null ? "–" : String(v);
      body += text(left + j * cell + (cell - 2) / 2, top + i * cell + (cell - 2) / 2 + 4, label, { anchor: "middle", size: 11, fill: v !== null && v > maxV / 2 ? "#ffffff" : "#1a1a1a" });
    });
    if (mine) body += `<rect x="${left - 2}" y="${top + i * cell - 2}" width="${cell * c.cols.length + 2}" height="${cell + 2}" fill="none" stroke="${HIGHLIGHT}" stroke-width="2"/>`;
  });
  return frame(width, height, c.title, c.summary, body);
}

/** Sets a drawn chart's accessible title and summary (the texts the page shows beside it). */
export function describe(svg: string, title: string, summary: string): string {
  return svg.replace(/<title id="([^"]+)">[^<]*<\/title><desc id="([^"]+)">[^<]*<\/desc>/,
    (_m, t: string, d: string) => `<title id="${t}">${esc(title)}</title><desc id="${d}">${esc(summary)}</desc>`);
}
