import type { Writable } from "node:stream";

/*
 * Writing a file to a stream at the pace the reader takes it (a browser downloading, stdout into
 * a pipe): the writer waits while the stream holds more than it wants, so an export of any size
 * keeps only one chunk in memory, and fails as soon as the reader goes away.
 */

function closedError(): Error {
  return new Error("Output stream closed before the export was complete.");
}

export function assertOpen(out: NodeJS.WritableStream): void {
  const w = out as Partial<Writable>;
  if (w.destroyed || w.writableEnded || w.errored) throw closedError();
}

/** Resolves on `event`, rejects when the stream fails or closes first. */
function waitFor(out: NodeJS.WritableStream, event: "drain" | "finish"): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: unknown) => {
      out.removeListener(event, onEvent);
      out.removeListener("error", done);
      out.removeListener("close", onClose);
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : closedError());
    };
    const onEvent = () => done();
    const onClose = () => done(closedError());
    out.on(event, onEvent);
    out.on("error", done);
    out.on("close", onClose);
  });
}

/** Waits while `out` has more buffered than it wants. */
export async function drained(out: NodeJS.WritableStream): Promise<void> {
  if ((out as Partial<Writable>).writableNeedDrain) await waitFor(out, "drain");
}

/** Writes a chunk and waits, if the stream asks for it, until it has taken what it holds. */
export async function writeChunk(out: NodeJS.WritableStream, chunk: string | Uint8Array): Promise<void> {
  assertOpen(out);
  if (!out.write(chunk)) await waitFor(out, "drain");
}

/** Ends the stream and waits until everything written has been taken. */
export async function endStream(out: NodeJS.WritableStream): Promise<void> {
  assertOpen(out);
  const finished = waitFor(out, "finish");
  out.end();
  await finished;
}
