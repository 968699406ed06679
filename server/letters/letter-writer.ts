/**
 * Writes award letters' PDFs in a worker thread (piscina), so that the server's own thread goes on
 * answering requests while a letter is laid out: a letter is 10-20 ms of CPU, and an approval no
 * longer waits for it (services/letters).
 *
 * One thread is enough: letters come one approval at a time, and on a machine of two cores the
 * server's thread needs the other. The thread starts with the server (or the first letter) and
 * then stays, so that no approval waits for it to start; an idle thread does not keep the process
 * alive.
 */
import path from "node:path";
import { Piscina } from "piscina";
import type { LetterMarkup } from "./letter-markup";
import type { LetterPdfMeta } from "./letter-pdf";
import type { LetterPdfTask } from "./letter-writer-thread";

let pool: Piscina<LetterPdfTask, Uint8Array> | null = null;

function writer(): Piscina<LetterPdfTask, Uint8Array> {
  // The thread file sits next to this one: .ts when run through tsx, .js once compiled.
  pool ??= new Piscina({ filename: path.join(__dirname, `letter-writer-thread${path.extname(__filename)}`), minThreads: 1, maxThreads: 1 });
  return pool;
}

/** Starts the thread ahead of the first letter (it loads the writer and parses the fonts). */
export function startLetterWriter(): void {
  writer();
}

export async function writeLetterPdfInWorker(markup: LetterMarkup, meta: LetterPdfMeta): Promise<Buffer> {
  // A Buffer crosses threads as a plain Uint8Array; the bytes are viewed, not copied again.
  const bytes = await writer().run({ markup, meta });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
