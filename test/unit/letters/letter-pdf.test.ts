import { expect } from "chai";
import type { Font } from "fontkit";
import type { LetterMarkup } from "../../../server/letters/letter-markup";
import { forgetLaidOutWords, letterFonts, type LetterPdfMeta, writeLetterPdf } from "../../../server/letters/letter-pdf";

const META: LetterPdfMeta = { language: "en", reference: "IN2LS-2026-DK-IN-0007", author: "BioPeople", issuedAt: "2026-11-22T23:30:00Z" };

/** Words no other test lays out, so the first letter here is the first to meet them. */
function markup(word: string): LetterMarkup {
  return {
    settings: { footer: META.reference },
    elements: [
      { kind: "block", name: "letterhead", lines: ["BioPeople", "Ole Maaløes Vej 3"] },
      { kind: "heading", text: `Grant for ${word}` },
      { kind: "paragraph", text: `The ${word} study of Łódź Bioteknik is awarded EUR 4,000.00 under the ${word} call.` },
      { kind: "bullets", items: [`Report on ${word}`, "Invoice"] },
    ],
  };
}

/** Counts calls of `method` on `target` while `run` runs, then puts the method back. */
async function counting<T extends object>(target: T, method: keyof T & string, run: () => Promise<unknown>): Promise<number> {
  const original = target[method] as (...args: unknown[]) => unknown;
  let calls = 0;
  Object.defineProperty(target, method, {
    configurable: true,
    writable: true,
    value(this: unknown, ...args: unknown[]) {
      calls++;
      return original.apply(this, args);
    },
  });
  try {
    await run();
  } finally {
    Object.defineProperty(target, method, { configurable: true, writable: true, value: original });
  }
  return calls;
}

describe("letter PDF writer: work shared between letters", () => {
  const fonts = (): Font[] => [letterFonts().regular, letterFonts().bold];

  it("shapes a word once per process: a second letter with the same words shapes none", async () => {
    // The stores begin again every so many letters; letters other tests wrote must not reach that here.
    forgetLaidOutWords();
    const first = await writeLetterPdf(markup("Zygomycetes"), META);
    const shaped: number[] = [];
    const again: Buffer[] = [];
    for (const font of fonts()) {
      shaped.push(await counting(font, "layout", async () => {
        again.push(await writeLetterPdf(markup("Zygomycetes"), META));
      }));
    }
    expect(shaped).to.deep.equal([0, 0]);
    expect(again.every((pdf) => pdf.equals(first))).to.equal(true);
    // A word not met before is shaped, and only in the font it is written in.
    const fresh = await counting(letterFonts().regular, "layout", () => writeLetterPdf(markup("Xenarthra"), META));
    expect(fresh).to.be.greaterThan(0);
  });

  it("lays words out again once the stores begin again, to the same bytes", async () => {
    const first = await writeLetterPdf(markup("Axolotl"), META);
    forgetLaidOutWords();
    let again = Buffer.alloc(0);
    const shaped = await counting(letterFonts().regular, "layout", async () => {
      again = Buffer.from(await writeLetterPdf(markup("Axolotl"), META));
    });
    expect(shaped).to.be.greaterThan(0);
    expect(again.equals(first)).to.equal(true);
  });

  it("decodes a glyph's outline once per process: a second letter's subsets decode none", async () => {
    const glyphClass = Object.getPrototypeOf(letterFonts().regular.getGlyph(36)) as { _decode: () => unknown };
    await writeLetterPdf(markup("Quokka"), META);
    const decoded = await counting(glyphClass, "_decode", () => writeLetterPdf(markup("Quokka"), META));
    expect(decoded).to.equal(0);
  });
});
