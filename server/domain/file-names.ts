/*
 * The names of uploaded files. The applicant chooses a name; staff read it in lists and their
 * browsers save the download under it, so a name must not be able to show something other than
 * what it is: a right-to-left override turns "invoice\u202Efdp.exe" into "invoiceexe.pdf" on
 * screen, and a cut from the end drops the extension that says what the file is. What the file
 * really is comes from its bytes (the detected MIME type), never from its name.
 */

/** attachments.original_name is varchar(255); PostgreSQL counts its length in code points. */
export const MAX_FILE_NAME_CHARS = 255;

/**
 * Characters that are not shown but change how the rest is shown or read: C0/C1 controls (Cc),
 * format characters (Cf: the bidi marks, embeddings, overrides and isolates, zero-width joiners,
 * soft hyphens, BOM), lone surrogates (Cs, which UTF-8 cannot store) and the line and paragraph
 * separators (Zl, Zp), which break a name over lines as a newline would.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/** Letters and digits only: "report. final" has no extension, "scan.JPG" has one. */
const EXTENSION = /\.[\p{L}\p{N}]{1,16}$/u;

/** The extensions a stored type is saved under, the usual one first; only these types are stored. */
const EXTENSIONS_BY_TYPE: Readonly<Record<string, readonly [string, ...string[]]>> = {
  "application/pdf": ["pdf"],
  "image/png": ["png"],
  "image/jpeg": ["jpg", "jpeg"],
};

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

const codePoints = (s: string): number => [...s].length;

/** The extension with its dot, or "" when the name has none; a leading dot (".profile") is no extension. */
function extensionOf(name: string): string {
  const ext = EXTENSION.exec(name)?.[0] ?? "";
  return ext.length < name.length ? ext : "";
}

/** At most `room` code points of whole characters as seen (a flag or an accented letter is not split). */
function cut(s: string, room: number): string {
  let out = "";
  let used = 0;
  for (const { segment } of graphemes.segment(s)) {
    const n = codePoints(segment);
    if (used + n > room) break;
    out += segment;
    used += n;
  }
  return out;
}

/**
 * Shortens from the end of the part before the extension, so the extension survives; spaces and
 * dots the cut leaves at its end go too ("name .pdf", "name..pdf").
 */
function shorten(name: string): string {
  if (codePoints(name) <= MAX_FILE_NAME_CHARS) return name;
  const ext = extensionOf(name);
  const base = name.slice(0, name.length - ext.length);
  return cut(base, MAX_FILE_NAME_CHARS - codePoints(ext)).replace(/[\s.]+$/u, "") + ext;
}

/**
 * The name a file is stored and listed under: invisible characters removed, composed (NFC, so
 * "é" typed two ways is one name), trimmed, and at most 255 characters with its extension kept.
 * When nothing is left, "file" with the extension of the detected type.
 */
export function storedFileName(given: string, mime: string): string {
  const name = shorten(given.replace(INVISIBLE, "").normalize("NFC").trim());
  if (name === "" || /^\.+$/.test(name)) {
    const ext = EXTENSIONS_BY_TYPE[mime]?.[0];
    return ext ? `file.${ext}` : "file";
  }
  return name;
}

/**
 * The name a stored file is downloaded under: its stored name, with the extension of its type
 * added when the name's own extension says otherwise ("report.html" holding a PDF is saved as
 * "report.html.pdf"), so the saved file opens as what it is. Cleaned again for rows stored before
 * names were.
 */
export function downloadFileName(stored: string, mime: string): string {
  const name = storedFileName(stored, mime);
  const allowed = EXTENSIONS_BY_TYPE[mime];
  if (!allowed) return name;
  const ext = extensionOf(name).slice(1).toLowerCase();
  return allowed.includes(ext) ? name : shorten(`${name}.${allowed[0]}`);
}
