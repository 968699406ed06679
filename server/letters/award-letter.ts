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
import type { AwardLetterData } from "./award-letter-data";
import { renderAwardLetterMarkup } from "./award-letter-template";
import { writeLetterPdf } from "./letter-pdf";

export { type AwardLetterData, letterReference, LETTER_LANGUAGES, type LetterLanguage } from "./award-letter-data";
export { loadLetterTemplates, renderAwardLetterMarkup } from "./award-letter-template";

export function sha256Hex(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

export type RenderedLetterMarkup = ReturnType<typeof renderAwardLetterMarkup>;

/** `rendered` is the data's markup when the caller has already made (and so checked) it. */
export async function renderAwardLetter(data: AwardLetterData, rendered: RenderedLetterMarkup = renderAwardLetterMarkup(data)): Promise<Buffer> {
  const { language, markup } = rendered;
  return writeLetterPdf(markup, { language, reference: data.reference, author: data.partner.name, issuedAt: data.issuedAt });
}
