/**
 * The award letter's PDF writer: lays out the elements of the letter markup (letter-markup.ts)
 * on A4 pages with pdfkit, tagged for accessibility. It knows nothing of the scheme: wording and
 * order come from the template, facts from the data.
 *
 * Deterministic: the same markup and metadata give the same bytes (docs/award-letter.md says how
 * pdfkit is kept from putting the clock or randomness into the file).
 */
import { readFileSync } from "node:fs";
import * as fontkit from "fontkit";
import type { Font, Glyph } from "fontkit";
import PDFDocument from "pdfkit";
import type { LetterElement, LetterMarkup } from "./letter-markup";

/** Resolved through node's module lookup so it works from any working directory. */
const FONT_FILES = {
  regular: "dejavu-fonts-ttf/ttf/DejaVuSans.ttf",
  bold: "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf",
} as const;

interface LetterFonts { regular: Font; bold: Font }

let parsedFonts: LetterFonts | null = null;

/**
 * pdfkit keeps, per document and font, each word it has laid out (shaped by fontkit: OpenType
 * substitutions, kerning; then scaled to its own units): every word is laid out twice, to measure
 * and to write. A word's layout depends on the word and the font alone, and pdfkit never changes
 * one it has kept (it copies a word's positions before spacing them out), so every document is
 * given the same store per font, and a word is laid out once per process rather than once per
 * letter: that was about a quarter of a letter's time, and changes no byte. The store is begun
 * again after so many letters, so the names and amounts of past letters do not pile up.
 */
const LETTERS_PER_LAYOUT_STORE = 200;
let laidOutWords = new Map<string, Record<string, unknown>>();
let lettersOnLayoutStore = 0;

interface PdfkitFontInternals { layoutCache?: Record<string, unknown> }

/** Selects `name` in `doc` and gives pdfkit's font for it the process's store of laid-out words. */
function shareLaidOutWords(doc: Doc, name: string): void {
  doc.font(name);
  const font = (doc as unknown as { _font?: PdfkitFontInternals })._font;
  // A pdfkit that keeps no such store lays every word out itself: slower, the same bytes.
  if (typeof font?.layoutCache !== "object") return;
  let words = laidOutWords.get(name);
  if (!words) {
    words = Object.create(null) as Record<string, unknown>;
    laidOutWords.set(name, words);
  }
  font.layoutCache = words;
}

/** Begins the stores of laid-out words again (a test can count from there). */
export function forgetLaidOutWords(): void {
  laidOutWords = new Map();
  lettersOnLayoutStore = 0;
}

function beginLetterLayout(doc: Doc, fonts: string[]): void {
  if (lettersOnLayoutStore >= LETTERS_PER_LAYOUT_STORE) forgetLaidOutWords();
  lettersOnLayoutStore++;
  for (const name of fonts) shareLaidOutWords(doc, name);
}

type GlyphInternals = Glyph & { _decode?: () => unknown };

/**
 * Each letter embeds its own subset of the font, and fontkit decodes the outline of every glyph
 * it puts in a subset (only to find the parts of a composite glyph), for every letter again: a
 * fifth of what was left of a letter's time. The outlines of a font never change, so each glyph's
 * is decoded once; fontkit reads it and never changes it, so that changes no byte either.
 */
function withDecodedOnce(font: Font): Font {
  const getGlyph = font.getGlyph.bind(font);
  font.getGlyph = (id, codePoints) => {
    const glyph = getGlyph(id, codePoints) as GlyphInternals;
    const decode = glyph._decode;
    if (typeof decode === "function" && !Object.hasOwn(glyph, "_decode")) {
      let decoded: unknown;
      glyph._decode = () => (decoded ??= decode.call(glyph));
    }
    return glyph;
  };
  return font;
}

function parseFont(file: string): Font {
  const font = fontkit.create(readFileSync(require.resolve(file)));
  if ("fonts" in font) throw new Error(`${file} is a font collection, not a single font.`);
  return withDecodedOnce(font);
}

/**
 * Parsed once per process and shared by every letter: parsing DejaVu took about a third of a
 * letter's time. Each document still makes its own subset, so sharing changes no byte.
 */
export function letterFonts(): LetterFonts {
  parsedFonts ??= { regular: parseFont(FONT_FILES.regular), bold: parseFont(FONT_FILES.bold) };
  return parsedFonts;
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

  /** A name in bold with the lines under it in regular type, as one paragraph (recipient, signatory). */
  private nameBlock(lines: string[], y: number, width: number): void {
    const [name = "", ...rest] = lines;
    this.add("P", () => {
      this.font(BOLD, SIZE.body);
      this.doc.text(name, this.left, y, { width, lineGap: LINE_GAP });
      this.font(REGULAR, SIZE.body);
      if (rest.length > 0) this.doc.text(rest.join("\n"), { width, lineGap: LINE_GAP });
    });
  }

  private recipient(lines: string[]): void {
    this.recipientTop = this.doc.y;
    this.nameBlock(lines, this.recipientTop, this.width * 0.6);
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
    const measured = rows.map((r) => ({
      ...r,
      height: Math.max(this.height(r.label, BOLD, SIZE.small), this.height(r.value || " ", REGULAR, SIZE.body)) + 2 * pad - LINE_GAP,
    }));
    const total = measured.reduce((a, r) => a + r.height, 0);
    this.ensure(total + 10);
    const top = this.doc.y;
    this.artifact(() => {
      this.doc.save().rect(this.left, top, this.width, total).fill(COLOR.band).restore();
    });
    this.rule(top, COLOR.accent, 0.8);
    const table = this.doc.struct("Table");
    this.root.add(table);
    let y = top;
    measured.forEach((r, i) => {
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
      y += r.height;
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
    const needed = 34 + (lines.length + 1) * (SIZE.body + LINE_GAP + 2);
    this.ensure(needed);
    this.doc.y += 30; // room for a signature
    this.nameBlock(lines, this.doc.y, this.width);
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

/** What the PDF needs besides the markup: its language, metadata defaults and fixed dates. */
export interface LetterPdfMeta {
  language: string;
  reference: string;
  author: string;
  /** ISO instant: the PDF's creation and modification date. */
  issuedAt: string;
}

export async function writeLetterPdf(markup: LetterMarkup, meta: LetterPdfMeta): Promise<Buffer> {
  const s = markup.settings;
  const issued = new Date(meta.issuedAt);
  const f = letterFonts();

  const doc = new PDFDocument({
    size: "A4",
    // No default font: pdfkit would read Helvetica's metrics for every document, to use none of them.
    font: "",
    margins: { top: PAGE.marginTop, bottom: PAGE.marginBottom, left: PAGE.marginX, right: PAGE.marginX },
    bufferPages: true,
    autoFirstPage: true,
    pdfVersion: "1.7",
    compress: true,
    tagged: true,
    displayTitle: true,
    lang: meta.language,
    info: {
      Title: s["pdf-title"] ?? `Award letter ${meta.reference}`,
      Author: meta.author,
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
  beginLetterLayout(doc, [REGULAR, BOLD]);
  doc.font(REGULAR);

  const root = doc.struct("Document");
  doc.addStructure(root);
  const writer = new LetterWriter(doc, root);
  writer.write(markup.elements);
  writer.footers(s.footer ?? meta.reference, s["page-label"] ?? "{page} / {pages}");
  root.end();
  doc.end();
  return done;
}
