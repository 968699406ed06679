/**
 * The small text format that letter templates produce and the PDF renderer lays out
 * (docs/award-letter.md). Kept apart from the PDF code so the wording/structure contract can be
 * tested without rendering.
 *
 * Line grammar, after Handlebars has run:
 *   ::name value      a setting (PDF metadata, footer, page label)
 *   ::name            starts a block; its lines run to the next blank line
 *   # text            heading
 *   - text            bullet item (following plain lines continue it)
 *   > text            indented quotation (following plain lines continue it)
 *   blank line        ends a paragraph, item, quotation or block
 *   anything else     paragraph text; consecutive lines are joined with a space
 */

/**
 * Put in front of every inserted value (see markValue). A line that starts with it therefore
 * started with data, not with template text, and is never read as a marker: an applicant who
 * types "# Conditions waived" as the purpose gets that text printed, not a heading. The mark is
 * removed from all output. Data can never contain it because markValue strips control characters.
 */
export const VALUE_MARK = "\u0001";

/** White space that collapses to one space; no-break spaces are kept, they hold "EUR 4,000.00" together. */
const COLLAPSIBLE = /[^\S\u00A0\u202F]+/g;

export const SETTING_NAMES = ["pdf-title", "pdf-subject", "pdf-keywords", "footer", "page-label"] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

export const BLOCK_NAMES = ["letterhead", "recipient", "date", "fields", "subject", "signature", "note"] as const;
export type BlockName = (typeof BLOCK_NAMES)[number];

export type LetterElement =
  | { kind: "block"; name: BlockName; lines: string[] }
  | { kind: "heading"; text: string }
  | { kind: "paragraph"; text: string }
  | { kind: "bullets"; items: string[] }
  | { kind: "quote"; text: string };

export interface LetterMarkup {
  settings: Partial<Record<SettingName, string>>;
  elements: LetterElement[];
}

/**
 * Makes a data string safe to insert into a template: one line (control characters, line and
 * paragraph separators become spaces, runs of white space collapse), trimmed, and marked.
 * Empty strings stay empty so that {{#if}} on them still works.
 */
export function markValue(value: string): string {
  const flat = value
    // eslint-disable-next-line no-control-regex -- removing control characters from user data is the point
    .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, " ")
    .replace(COLLAPSIBLE, " ")
    .trim();
  return flat === "" ? "" : VALUE_MARK + flat;
}

export function unmark(text: string): string {
  return text.split(VALUE_MARK).join("");
}

/** Deep copy of a context object with every string passed through markValue. */
export function markValues<T>(value: T): T {
  if (typeof value === "string") return markValue(value) as T;
  if (Array.isArray(value)) return (value as unknown[]).map((v) => markValues(v)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = markValues(v);
    return out as T;
  }
  return value;
}

export class LetterMarkupError extends Error {
  constructor(message: string, readonly line: number) {
    super(`Letter template, output line ${line}: ${message}`);
    this.name = "LetterMarkupError";
  }
}

function isSetting(name: string): name is SettingName {
  return (SETTING_NAMES as readonly string[]).includes(name);
}

function isBlock(name: string): name is BlockName {
  return (BLOCK_NAMES as readonly string[]).includes(name);
}

function clean(text: string): string {
  return unmark(text).replace(COLLAPSIBLE, " ").trim();
}

export function parseLetterMarkup(source: string): LetterMarkup {
  const lines = source.split(/\r?\n/);
  const settings: LetterMarkup["settings"] = {};
  const elements: LetterElement[] = [];

  // The element that following plain lines continue, if any.
  let open: { kind: "paragraph" | "quote"; parts: string[] } | { kind: "bullets"; items: string[][] } | null = null;
  let block: { name: BlockName; lines: string[] } | null = null;

  const close = () => {
    if (open) {
      if (open.kind === "bullets") elements.push({ kind: "bullets", items: open.items.map((p) => clean(p.join(" "))) });
      else elements.push({ kind: open.kind, text: clean(open.parts.join(" ")) });
      open = null;
    }
    if (block) {
      elements.push({ kind: "block", name: block.name, lines: block.lines.map(clean) });
      block = null;
    }
  };

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.replace(/\s+$/, "");
    if (line.trim() === "") {
      close();
      return;
    }
    if (block) {
      block.lines.push(line);
      return;
    }
    const directive = /^::([a-z][a-z-]*)(?:\s+(.*))?$/.exec(line);
    if (directive) {
      const [, name = "", value] = directive;
      close();
      if (value !== undefined) {
        if (!isSetting(name)) throw new LetterMarkupError(`unknown setting "::${name}"`, lineNo);
        settings[name] = clean(value);
      } else {
        if (!isBlock(name)) throw new LetterMarkupError(`unknown block "::${name}"`, lineNo);
        block = { name, lines: [] };
      }
      return;
    }
    if (line.startsWith("::")) throw new LetterMarkupError(`malformed directive "${clean(line)}"`, lineNo);
    if (line.startsWith("# ")) {
      close();
      elements.push({ kind: "heading", text: clean(line.slice(2)) });
      return;
    }
    if (line.startsWith("- ")) {
      if (open?.kind !== "bullets") {
        close();
        open = { kind: "bullets", items: [] };
      }
      open.items.push([line.slice(2)]);
      return;
    }
    if (line.startsWith("> ")) {
      close();
      open = { kind: "quote", parts: [line.slice(2)] };
      return;
    }
    if (open?.kind === "bullets") {
      open.items.at(-1)?.push(line);
    } else if (open) {
      open.parts.push(line);
    } else {
      open = { kind: "paragraph", parts: [line] };
    }
  });
  close();

  return { settings, elements: elements.filter((e) => !(e.kind === "paragraph" && e.text === "")) };
}
