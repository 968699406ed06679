/**
 * Award letters (R13): the approval's terms as a PDF, rendered from a Handlebars template
 * (templates/letters/<language>.hbs) that regional partners can reword without code.
 *
 * The stored letter is never changed and its SHA-256 is recorded, so rendering is deterministic:
 * the same data gives the same bytes (see docs/award-letter.md for how pdfkit is kept from
 * putting the clock or randomness into the file).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import { DateTime, IANAZone } from "luxon";
import PDFDocument from "pdfkit";
import { RuleViolationError, ValidationError, type FieldErrors } from "../errors";
import { amountInWords, formatMoney, sumCents } from "../domain/money";
import { claimsOpenOn } from "../domain/claims";
import {
  type LetterElement,
  type LetterMarkup,
  markValues,
  parseLetterMarkup,
  unmark,
} from "./letter-markup";

export type LetterLanguage = "en" | "da" | "de" | "fr" | "nl";
export const LETTER_LANGUAGES: readonly LetterLanguage[] = ["en", "da", "de", "fr", "nl"];

export interface AwardLetterData {
  language: LetterLanguage;
  reference: string;
  /** ISO instant with offset or Z: the approval time. Also the PDF's creation date. */
  issuedAt: string;
  issuedOnDisplay?: never;
  partner: { name: string; addressLines: string[]; regionName: string; country: string };
  company: { legalName: string; addressLines: string[]; vatNumber: string };
  /** preApprovalRequired: the activity must start after the day of approval (R11, Meet & Greet). */
  voucherType: { code: string; name: string; paymentBasis: "actual-costs-capped" | "lump-sum"; preApprovalRequired?: boolean };
  amountCents: number;
  title: string;
  purpose: string;
  counterpart: { name: string; regionName: string; country: string };
  /** Calendar dates, YYYY-MM-DD. */
  activityStart: string;
  activityEnd: string;
  approvedOn: string;
  completionDeadline: string;
  claimDeadline: string;
  deMinimis: {
    /** Aid the company declared in the three years before approval. */
    declaredLastThreeYearsCents: number;
    /** This programme's earlier vouchers to the company in the same window (not this one). */
    earlierProgrammeAwardsCents: number;
    ceilingCents: number;
  };
  signatory: { name: string; title: string };
  /** IANA zone in which issuedAt is shown as a date (the programme's, Europe/Copenhagen). */
  timeZone: string;
}

export function sha256Hex(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

/** IN2LS-2026-DK-MG-0007: programme, year, region, voucher type, sequence (at least 4 digits). */
export function letterReference(parts: {
  programme: string;
  year: number;
  regionCode: string;
  typeCode: string;
  sequence: number;
}): string {
  const fields: FieldErrors = {};
  const code = /^[A-Z0-9]{1,16}$/;
  if (!code.test(parts.programme)) fields.programme = "Use 1-16 capital letters or digits.";
  if (!Number.isInteger(parts.year) || parts.year < 1000 || parts.year > 9999) fields.year = "Use a four-digit year.";
  if (!code.test(parts.regionCode)) fields.regionCode = "Use 1-16 capital letters or digits.";
  if (!code.test(parts.typeCode)) fields.typeCode = "Use 1-16 capital letters or digits.";
  if (!Number.isSafeInteger(parts.sequence) || parts.sequence < 1) fields.sequence = "Use a whole number from 1.";
  if (Object.keys(fields).length > 0) throw new ValidationError("The letter reference cannot be formed.", fields);
  const seq = String(parts.sequence).padStart(4, "0");
  return `${parts.programme}-${parts.year}-${parts.regionCode}-${parts.typeCode}-${seq}`;
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

const TEMPLATE_DIR = path.resolve(__dirname, "../../templates/letters");
const FALLBACK_LANGUAGE: LetterLanguage = "en";

/** Intl locales for dates: en-GB, because the letter is British English ("23 November 2026"). */
const DATE_LOCALES: Record<LetterLanguage, string> = {
  en: "en-GB",
  da: "da-DK",
  de: "de-DE",
  fr: "fr-FR",
  nl: "nl-NL",
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

interface RenderData {
  language: LetterLanguage;
  timeZone: string;
}

const hb = Handlebars.create();

hb.registerHelper("money", function (cents: unknown, options: Handlebars.HelperOptions) {
  if (typeof cents !== "number") throw new Error("{{money}} needs an amount in cents.");
  // No-break spaces: "EUR" and the figure are never split over two lines.
  return formatMoney(cents, (options.data as RenderData).language).replace(/ /g, "\u00A0");
});

/** {{date x}}: a YYYY-MM-DD calendar date as is, or an instant as its date in data.timeZone. */
hb.registerHelper("date", function (value: unknown, options: Handlebars.HelperOptions) {
  if (typeof value !== "string") throw new Error("{{date}} needs a date string.");
  const { language, timeZone } = options.data as RenderData;
  const v = unmark(value);
  const dt = DATE_ONLY.test(v) ? DateTime.fromISO(v, { zone: "UTC" }) : DateTime.fromISO(v).setZone(timeZone);
  if (!dt.isValid) throw new Error(`{{date}} cannot read "${v}".`);
  return dt.setLocale(DATE_LOCALES[language]).toLocaleString({ day: "numeric", month: "long", year: "numeric" });
});

type CompiledLetter = { language: LetterLanguage; render: Handlebars.TemplateDelegate };
const templates = new Map<LetterLanguage, CompiledLetter>();

/** Read and compiled once per language; a language without its own file uses English. */
function letterTemplate(language: LetterLanguage): CompiledLetter {
  const cached = templates.get(language);
  if (cached) return cached;
  const file = path.join(TEMPLATE_DIR, `${language}.hbs`);
  let compiled: CompiledLetter;
  if (existsSync(file)) {
    // noEscape: the output is not HTML; values are made safe by markValues instead.
    const render = hb.compile(readFileSync(file, "utf8"), { noEscape: true, strict: true });
    compiled = { language, render };
  } else if (language !== FALLBACK_LANGUAGE) {
    compiled = letterTemplate(FALLBACK_LANGUAGE);
  } else {
    throw new Error(`The award letter template is missing: ${file}`);
  }
  templates.set(language, compiled);
  return compiled;
}

/** The template's output for the data (exported for tests and template authors). */
export function renderAwardLetterMarkup(data: AwardLetterData): { language: LetterLanguage; markup: LetterMarkup } {
  validate(data);
  const template = letterTemplate(data.language);
  const context = markValues({
    ...data,
    amountInWords: amountInWords(data.amountCents),
    voucherType: { ...data.voucherType, preApprovalRequired: data.voucherType.preApprovalRequired ?? false },
    paysActualCosts: data.voucherType.paymentBasis === "actual-costs-capped",
    // The same day the claim form opens on (R11: a claim once the activity has ended).
    claimsFrom: claimsOpenOn(data),
    deMinimis: {
      ...data.deMinimis,
      totalCents: deMinimisTotalCents(data),
    },
  });
  const renderData: RenderData = { language: template.language, timeZone: data.timeZone };
  const text = template.render(context, { data: renderData });
  return { language: template.language, markup: parseLetterMarkup(text) };
}

// ---------------------------------------------------------------------------------------------
// Validation: a wrong award letter is a legal document with wrong terms, so refuse to make one.
// ---------------------------------------------------------------------------------------------

function validDate(s: unknown): s is string {
  return typeof s === "string" && DATE_ONLY.test(s) && DateTime.fromISO(s, { zone: "UTC" }).isValid;
}

function nonEmpty(s: unknown): boolean {
  return typeof s === "string" && s.trim() !== "";
}

/** Declared aid, this programme's earlier vouchers and this voucher: the R9 total. */
function deMinimisTotalCents(d: AwardLetterData): number {
  return sumCents([d.deMinimis.declaredLastThreeYearsCents, d.deMinimis.earlierProgrammeAwardsCents, d.amountCents]);
}

function validate(d: AwardLetterData): void {
  const f: FieldErrors = {};
  if (!LETTER_LANGUAGES.includes(d.language)) f.language = "Unsupported letter language.";
  if (!nonEmpty(d.reference)) f.reference = "Missing.";
  if (typeof d.issuedAt !== "string" || !INSTANT.test(d.issuedAt) || !DateTime.fromISO(d.issuedAt).isValid) {
    f.issuedAt = "Use an ISO instant with a time zone offset.";
  }
  if (typeof d.timeZone !== "string" || !IANAZone.isValidZone(d.timeZone)) f.timeZone = "Unknown time zone.";
  for (const k of ["name", "regionName", "country"] as const) {
    if (!nonEmpty(d.partner?.[k])) f[`partner.${k}`] = "Missing.";
    if (!nonEmpty(d.counterpart?.[k])) f[`counterpart.${k}`] = "Missing.";
  }
  if (!Array.isArray(d.partner?.addressLines)) f["partner.addressLines"] = "Missing.";
  if (!nonEmpty(d.company?.legalName)) f["company.legalName"] = "Missing.";
  if (!nonEmpty(d.company?.vatNumber)) f["company.vatNumber"] = "Missing.";
  if (!Array.isArray(d.company?.addressLines) || d.company.addressLines.length === 0) {
    f["company.addressLines"] = "Missing.";
  }
  if (!nonEmpty(d.voucherType?.name)) f["voucherType.name"] = "Missing.";
  if (!["actual-costs-capped", "lump-sum"].includes(d.voucherType?.paymentBasis)) {
    f["voucherType.paymentBasis"] = "Unknown payment basis.";
  }
  if (!Number.isSafeInteger(d.amountCents) || d.amountCents <= 0) f.amountCents = "Must be a positive number of cents.";
  if (!nonEmpty(d.title)) f.title = "Missing.";
  if (!nonEmpty(d.purpose)) f.purpose = "Missing.";
  for (const k of ["activityStart", "activityEnd", "approvedOn", "completionDeadline", "claimDeadline"] as const) {
    if (!validDate(d[k])) f[k] = "Use YYYY-MM-DD.";
  }
  if (!f.activityStart && !f.activityEnd && d.activityEnd < d.activityStart) f.activityEnd = "Ends before it starts.";
  if (!f.approvedOn && !f.activityStart && d.activityStart < d.approvedOn) {
    f.activityStart = "Starts before approval (R11).";
  }
  if (!f.completionDeadline && !f.claimDeadline && d.claimDeadline < d.completionDeadline) {
    f.claimDeadline = "Before the completion deadline.";
  }
  const dm = d.deMinimis;
  if (!Number.isSafeInteger(dm?.declaredLastThreeYearsCents) || dm.declaredLastThreeYearsCents < 0) {
    f["deMinimis.declaredLastThreeYearsCents"] = "Must be a non-negative number of cents.";
  }
  if (!Number.isSafeInteger(dm?.earlierProgrammeAwardsCents) || dm.earlierProgrammeAwardsCents < 0) {
    f["deMinimis.earlierProgrammeAwardsCents"] = "Must be a non-negative number of cents.";
  }
  if (!Number.isSafeInteger(dm?.ceilingCents) || dm.ceilingCents <= 0) {
    f["deMinimis.ceilingCents"] = "Must be a positive number of cents.";
  }
  if (!nonEmpty(d.signatory?.name)) f["signatory.name"] = "Missing.";
  if (!nonEmpty(d.signatory?.title)) f["signatory.title"] = "Missing.";
  if (Object.keys(f).length > 0) throw new ValidationError("The award letter data is incomplete or invalid.", f);

  // The letter states that the total stays within the ceiling; it must never say so falsely.
  if (deMinimisTotalCents(d) > dm.ceilingCents) {
    throw new RuleViolationError("R9", "This award would take the company above the de minimis ceiling.");
  }
}

// ---------------------------------------------------------------------------------------------
// PDF
// ---------------------------------------------------------------------------------------------

/** Resolved through node's module lookup so it works from any working directory. */
const FONT_FILES = {
  regular: "dejavu-fonts-ttf/ttf/DejaVuSans.ttf",
  bold: "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf",
} as const;

let fontCache: { regular: Buffer; bold: Buffer } | null = null;

function fonts(): { regular: Buffer; bold: Buffer } {
  fontCache ??= {
    regular: readFileSync(require.resolve(FONT_FILES.regular)),
    bold: readFileSync(require.resolve(FONT_FILES.bold)),
  };
  return fontCache;
}

const REGULAR = "DejaVuSans";
const BOLD = "DejaVuSans-Bold";

const PAGE = { marginTop: 56, marginBottom: 72, marginX: 64, footerY: 800 };
const COLOR = { text: "#1d1d1b", muted: "#5f6368", accent: "#0f5563", rule: "#b9c6c9", band: "#f1f5f6" };
const SIZE = { body: 10, small: 8.5, heading: 11, subject: 12.5, letterhead: 15 };
const LINE_GAP = 2.6;
const PARA_GAP = 8;

type Doc = PDFKit.PDFDocument;
type Struct = PDFKit.PDFStructureElement;

class LetterWriter {
  private readonly left: number;
  private readonly width: number;
  private previous: LetterElement | null = null;
  private recipientTop = 0;

  constructor(
    private readonly doc: Doc,
    private readonly root: Struct,
  ) {
    this.left = doc.page.margins.left;
    this.width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  }

  write(elements: LetterElement[]): void {
    for (const el of elements) {
      this.element(el);
      this.previous = el;
    }
  }

  private element(el: LetterElement): void {
    switch (el.kind) {
      case "heading":
        return this.heading(el.text);
      case "paragraph":
        return this.paragraph(el.text);
      case "quote":
        return this.quote(el.text);
      case "bullets":
        return this.bullets(el.items);
      case "block":
        switch (el.name) {
          case "letterhead":
            return this.letterhead(el.lines);
          case "recipient":
            return this.recipient(el.lines);
          case "date":
            return this.dateLine(el.lines);
          case "fields":
            return this.fields(el.lines);
          case "subject":
            return this.subject(el.lines.join(" "));
          case "signature":
            return this.signature(el.lines);
          case "note":
            return this.note(el.lines.join(" "));
        }
    }
  }

  // -- helpers ---------------------------------------------------------------------------------

  private font(name: string, size: number, color = COLOR.text): void {
    this.doc.font(name).fontSize(size).fillColor(color);
  }

  private height(text: string, font: string, size: number, width = this.width): number {
    this.doc.font(font).fontSize(size);
    return this.doc.heightOfString(text, { width, lineGap: LINE_GAP });
  }

  private get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  /** Starts a new page unless `needed` points still fit (keeps headings and blocks together). */
  private ensure(needed: number): void {
    if (this.doc.y + needed > this.bottom) {
      this.doc.addPage();
      this.doc.x = this.left;
    }
  }

  private add(type: string, draw: () => void): void {
    this.root.add(this.doc.struct(type, {}, draw));
  }

  private artifact(draw: () => void): void {
    this.doc.markContent("Artifact");
    draw();
    this.doc.endMarkedContent();
  }

  private rule(y: number, color = COLOR.rule, width = 0.6): void {
    this.artifact(() => {
      this.doc
        .save()
        .moveTo(this.left, y)
        .lineTo(this.left + this.width, y)
        .lineWidth(width)
        .strokeColor(color)
        .stroke()
        .restore();
    });
  }

  // -- elements --------------------------------------------------------------------------------

  private letterhead(lines: string[]): void {
    const [name = "", ...address] = lines;
    const top = this.doc.y;
    const nameWidth = this.width * 0.55;
    this.add("P", () => {
      this.font(BOLD, SIZE.letterhead, COLOR.accent);
      this.doc.text(name, this.left, top, { width: nameWidth, lineGap: 1 });
    });
    const nameBottom = this.doc.y;
    let addressBottom = top;
    if (address.length > 0) {
      this.add("P", () => {
        this.font(REGULAR, SIZE.small, COLOR.muted);
        this.doc.text(address.join("\n"), this.left + nameWidth, top + 1, {
          width: this.width - nameWidth,
          align: "right",
          lineGap: 1.5,
        });
      });
      addressBottom = this.doc.y;
    }
    const ruleY = Math.max(nameBottom, addressBottom) + 8;
    this.rule(ruleY, COLOR.accent, 1.2);
    this.doc.x = this.left;
    this.doc.y = ruleY + 30;
  }

  private recipient(lines: string[]): void {
    this.recipientTop = this.doc.y;
    const [name = "", ...rest] = lines;
    this.add("P", () => {
      this.font(BOLD, SIZE.body);
      this.doc.text(name, this.left, this.recipientTop, { width: this.width * 0.6, lineGap: LINE_GAP });
      this.font(REGULAR, SIZE.body);
      if (rest.length > 0) this.doc.text(rest.join("\n"), { width: this.width * 0.6, lineGap: LINE_GAP });
    });
    this.doc.moveDown(0.3);
  }

  /** Right-aligned; level with the recipient's name when it follows the recipient block. */
  private dateLine(lines: string[]): void {
    const afterRecipient = this.previous?.kind === "block" && this.previous.name === "recipient";
    const belowRecipient = this.doc.y;
    const y = afterRecipient ? this.recipientTop : this.doc.y;
    this.add("P", () => {
      this.font(REGULAR, SIZE.body);
      this.doc.text(lines.join("\n"), this.left, y, { width: this.width, align: "right", lineGap: LINE_GAP });
    });
    this.doc.x = this.left;
    this.doc.y = Math.max(this.doc.y, belowRecipient) + 22;
  }

  /** "Label | value" lines as a two-column table between hairlines. */
  private fields(lines: string[]): void {
    const rows = lines.map((line) => {
      const at = line.indexOf(" | ");
      return at < 0 ? { label: line, value: "" } : { label: line.slice(0, at).trim(), value: line.slice(at + 3).trim() };
    });
    const labelWidth = 128;
    const pad = 5;
    const valueWidth = this.width - labelWidth - 2 * pad;
    const rowHeights = rows.map(
      (r) => Math.max(this.height(r.label, BOLD, SIZE.small), this.height(r.value || " ", REGULAR, SIZE.body)) + 2 * pad - LINE_GAP,
    );
    const total = rowHeights.reduce((a, b) => a + b, 0);
    this.ensure(total + 10);
    const top = this.doc.y;
    this.artifact(() => {
      this.doc.save().rect(this.left, top, this.width, total).fill(COLOR.band).restore();
    });
    this.rule(top, COLOR.accent, 0.8);
    const table = this.doc.struct("Table");
    this.root.add(table);
    let y = top;
    rows.forEach((r, i) => {
      const tr = this.doc.struct("TR");
      table.add(tr);
      const rowY = y;
      tr.add(
        this.doc.struct("TH", {}, () => {
          this.font(BOLD, SIZE.small, COLOR.muted);
          this.doc.text(r.label, this.left + pad, rowY + pad + 1.2, { width: labelWidth - pad, lineGap: LINE_GAP });
        }),
      );
      tr.add(
        this.doc.struct("TD", {}, () => {
          this.font(REGULAR, SIZE.body);
          this.doc.text(r.value, this.left + labelWidth + pad, rowY + pad, { width: valueWidth, lineGap: LINE_GAP });
        }),
      );
      y += rowHeights[i];
      if (i < rows.length - 1) this.rule(y, "#dbe3e5", 0.4);
    });
    this.rule(y, COLOR.accent, 0.8);
    this.doc.x = this.left;
    this.doc.y = y + 20;
  }

  private subject(text: string): void {
    this.ensure(60);
    this.add("H1", () => {
      this.font(BOLD, SIZE.subject, COLOR.accent);
      this.doc.text(text, this.left, this.doc.y, { width: this.width, lineGap: LINE_GAP });
    });
    this.doc.y += 12;
  }

  private heading(text: string): void {
    // A heading never ends a page: it needs room for itself and two lines after it.
    this.ensure(this.height(text, BOLD, SIZE.heading) + 8 + 3 * (SIZE.body + LINE_GAP + 2));
    this.doc.y += 6;
    this.add("H2", () => {
      this.font(BOLD, SIZE.heading, COLOR.accent);
      this.doc.text(text, this.left, this.doc.y, { width: this.width, lineGap: LINE_GAP });
    });
    this.doc.y += 3;
  }

  private paragraph(text: string): void {
    this.add("P", () => {
      this.font(REGULAR, SIZE.body);
      this.doc.text(text, this.left, this.doc.y, { width: this.width, lineGap: LINE_GAP });
    });
    this.doc.y += PARA_GAP;
  }

  private quote(text: string): void {
    const indent = 14;
    const startPage = this.currentPage();
    const top = this.doc.y;
    this.add("BlockQuote", () => {
      this.font(REGULAR, SIZE.body, "#33403f");
      this.doc.text(text, this.left + indent, this.doc.y, { width: this.width - indent, lineGap: LINE_GAP });
    });
    // The bar beside the quotation only when it stayed on one page; across pages the indent suffices.
    if (this.currentPage() === startPage) {
      const bottom = this.doc.y - LINE_GAP;
      this.artifact(() => {
        this.doc
          .save()
          .moveTo(this.left + 3, top)
          .lineTo(this.left + 3, bottom)
          .lineWidth(2)
          .strokeColor(COLOR.rule)
          .stroke()
          .restore();
      });
    }
    this.doc.x = this.left;
    this.doc.y += PARA_GAP;
  }

  private bullets(items: string[]): void {
    const indent = 14;
    const list = this.doc.struct("L");
    this.root.add(list);
    for (const item of items) {
      this.ensure(2 * (SIZE.body + LINE_GAP + 2));
      const li = this.doc.struct("LI");
      list.add(li);
      const y = this.doc.y;
      li.add(
        this.doc.struct("Lbl", {}, () => {
          this.font(REGULAR, SIZE.body, COLOR.accent);
          this.doc.text("•", this.left + 3, y, { width: indent, lineGap: LINE_GAP });
        }),
      );
      li.add(
        this.doc.struct("LBody", {}, () => {
          this.font(REGULAR, SIZE.body);
          this.doc.text(item, this.left + indent, y, { width: this.width - indent, lineGap: LINE_GAP });
        }),
      );
      this.doc.x = this.left;
      this.doc.y += 4;
    }
    this.doc.y += PARA_GAP - 4;
  }

  private signature(lines: string[]): void {
    const [name = "", ...rest] = lines;
    const needed = 34 + (lines.length + 1) * (SIZE.body + LINE_GAP + 2);
    this.ensure(needed);
    this.doc.y += 30; // room for a signature
    this.add("P", () => {
      this.font(BOLD, SIZE.body);
      this.doc.text(name, this.left, this.doc.y, { width: this.width, lineGap: LINE_GAP });
      this.font(REGULAR, SIZE.body);
      if (rest.length > 0) this.doc.text(rest.join("\n"), { width: this.width, lineGap: LINE_GAP });
    });
    this.doc.y += PARA_GAP + 6;
  }

  private note(text: string): void {
    this.ensure(this.height(text, REGULAR, SIZE.small) + 4);
    this.add("P", () => {
      this.font(REGULAR, SIZE.small, COLOR.muted);
      this.doc.text(text, this.left, this.doc.y, { width: this.width, lineGap: 1.5 });
    });
    this.doc.y += PARA_GAP;
  }

  private currentPage(): number {
    const range = this.doc.bufferedPageRange();
    return range.start + range.count - 1;
  }

  /** Footer text and "Page x of y" (only when there is more than one page), as artifacts. */
  footers(footer: string, pageLabel: string): void {
    const range = this.doc.bufferedPageRange();
    const pages = range.count;
    for (let i = range.start; i < range.start + pages; i++) {
      this.doc.switchToPage(i);
      const y = PAGE.footerY;
      this.rule(y - 6);
      this.doc.markContent("Artifact", { type: "Pagination" });
      this.font(REGULAR, 7.5, COLOR.muted);
      // A height keeps pdfkit from starting a page for text below the bottom margin.
      this.doc.text(footer, this.left, y, { width: this.width * 0.75, height: 12, lineBreak: false });
      if (pages > 1) {
        const label = pageLabel.replace("{page}", String(i - range.start + 1)).replace("{pages}", String(pages));
        this.doc.text(label, this.left, y, { width: this.width, height: 12, align: "right", lineBreak: false });
      }
      this.doc.endMarkedContent();
    }
  }
}

export async function renderAwardLetter(data: AwardLetterData): Promise<Buffer> {
  const { language, markup } = renderAwardLetterMarkup(data);
  const s = markup.settings;
  const issued = new Date(data.issuedAt);
  const f = fonts();

  const doc = new PDFDocument({
    size: "A4",
    margins: { top: PAGE.marginTop, bottom: PAGE.marginBottom, left: PAGE.marginX, right: PAGE.marginX },
    bufferPages: true,
    autoFirstPage: true,
    pdfVersion: "1.7",
    compress: true,
    tagged: true,
    displayTitle: true,
    lang: language,
    info: {
      Title: s["pdf-title"] ?? `Award letter ${data.reference}`,
      Author: data.partner.name,
      Subject: s["pdf-subject"] ?? "",
      Keywords: s["pdf-keywords"] ?? "",
      Creator: "Voucherdesk",
      Producer: "Voucherdesk (PDFKit)",
      // Fixed dates: pdfkit would otherwise use the clock, and it derives the file /ID from these.
      CreationDate: issued,
      ModDate: issued,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  doc.registerFont(REGULAR, f.regular);
  doc.registerFont(BOLD, f.bold);
  doc.font(REGULAR);

  const root = doc.struct("Document");
  doc.addStructure(root);
  const writer = new LetterWriter(doc, root);
  writer.write(markup.elements);
  writer.footers(s.footer ?? data.reference, s["page-label"] ?? "{page} / {pages}");
  root.end();
  doc.end();
  return done;
}
