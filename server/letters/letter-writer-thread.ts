/**
 * The letter writer's worker thread (letter-writer.ts loads this file in it): writes one award
 * letter's PDF per task with the same writer, fonts and settings as the server's own thread, so
 * the bytes are the same wherever a letter is written.
 */
import type { LetterMarkup } from "./letter-markup";
import { letterFonts, type LetterPdfMeta, writeLetterPdf } from "./letter-pdf";

// Parsed as the thread starts, before its first letter is asked for.
letterFonts();

export interface LetterPdfTask {
  markup: LetterMarkup;
  meta: LetterPdfMeta;
}

export default function writeLetter(task: LetterPdfTask): Promise<Buffer> {
  return writeLetterPdf(task.markup, task.meta);
}
