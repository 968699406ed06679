/**
 * Award letters (R13) in three parts: the data (award-letter-data.ts: what the letter states,
 * checked), the template (award-letter-template.ts: the wording, from templates/letters) and the
 * PDF writer (letter-pdf.ts: the layout). This module joins them.
 *
 * The stored letter is never changed and its SHA-256 is recorded, so rendering is deterministic:
 * the same data gives the same bytes (see docs/award-letter.md for how pdfkit is kept from
 * putting the clock or randomness into the file).
 */
import { createHash } from "node:crypto";
import type { AwardLetterData, LetterLanguage } from "./award-letter-data";
import { renderAwardLetterMarkup } from "./award-letter-template";
import type { LetterPdfMeta } from "./letter-pdf";
import { writeLetterPdfInWorker } from "./letter-writer";

export { type AwardLetterData, letterReference, LETTER_LANGUAGES, type LetterLanguage } from "./award-letter-data";
export { loadLetterTemplates, renderAwardLetterMarkup } from "./award-letter-template";

export function sha256Hex(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

export type RenderedLetterMarkup = ReturnType<typeof renderAwardLetterMarkup>;

function pdfMeta(data: AwardLetterData, language: LetterLanguage): LetterPdfMeta {
  return { language, reference: data.reference, author: data.partner.name, issuedAt: data.issuedAt };
}

/*
 * The PDF writer (pdfkit and fontkit, about a fifth of a second to load) is loaded when this
 * thread first lays out a letter: the server's letters are written in the letter writer's thread,
 * so the server's own thread mostly never needs it.
 */
async function writeLetterPdf(...args: Parameters<typeof import("./letter-pdf").writeLetterPdf>): Promise<Buffer> {
  // With its extension: the compiled server keeps import() native, and Node finds no "./letter-pdf".
  return (await import("./letter-pdf.js")).writeLetterPdf(...args);
}

/** `rendered` is the data's markup when the caller has already made (and so checked) it. */
export async function renderAwardLetter(data: AwardLetterData, rendered: RenderedLetterMarkup = renderAwardLetterMarkup(data)): Promise<Buffer> {
  return writeLetterPdf(rendered.markup, pdfMeta(data, rendered.language));
}

/** The same bytes as renderAwardLetter, laid out in the letter writer's thread (letter-writer.ts). */
export async function renderAwardLetterInWorker(data: AwardLetterData, rendered: RenderedLetterMarkup = renderAwardLetterMarkup(data)): Promise<Buffer> {
  return writeLetterPdfInWorker(rendered.markup, pdfMeta(data, rendered.language));
}

const LANGUAGE_IN_ENGLISH: Record<LetterLanguage, string> = { en: "English", da: "Danish", de: "German", fr: "French", nl: "Dutch" };

/**
 * The English reference rendering of an issued letter's facts, for staff who do not read the
 * letter's language. It is not the award letter: a heading on the first page and the footer of
 * every page say so and name the language of the letter that was issued, and it is never stored.
 */
export async function renderReferenceLetter(data: AwardLetterData): Promise<Buffer> {
  const issuedIn = LANGUAGE_IN_ENGLISH[data.language];
  const { markup } = renderAwardLetterMarkup({ ...data, language: "en" });
  const notice = `REFERENCE RENDERING IN ENGLISH, NOT THE ISSUED AWARD LETTER. The award letter ${data.reference} was issued in ${issuedIn}; only that letter, with its recorded checksum, is valid.`;
  const marked = {
    settings: {
      ...markup.settings,
      "pdf-title": `Reference rendering (English) of award letter ${data.reference}`,
      footer: `${markup.settings.footer ?? data.reference}  ·  Reference rendering, not the issued letter`,
    },
    elements: [{ kind: "heading" as const, text: notice }, ...markup.elements],
  };
  return writeLetterPdf(marked, { language: "en", reference: data.reference, author: data.partner.name, issuedAt: data.issuedAt });
}
