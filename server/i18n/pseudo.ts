import { AsyncLocalStorage } from "node:async_hooks";

/*
 * A pseudo-locale for tests: every English catalogue value accented, about 40% longer and wrapped
 * in visible markers, placeholders and nesting left intact. A page rendered in it shows at a
 * glance which text came from a catalogue (marked, accented) and which was typed into a view or a
 * route (plain English), and whether the layout survives longer translations. It is never offered
 * to users: the switcher lists LANGUAGES only, and a request reaches it only when the app's
 * configuration enables it (test/support sets the flag; production leaves it off).
 */

/** The code the pseudo-locale is asked for with (the switcher cookie); en-XA is the customary one. */
export const PSEUDO_LOCALE = "en-XA";
/** Where a catalogue value starts and ends on the page. */
export const PSEUDO_START = "⟦";
export const PSEUDO_END = "⟧";

const ACCENTED: Record<string, string> = {
  a: "á", b: "ƀ", c: "ç", d: "ď", e: "é", f: "ƒ", g: "ĝ", h: "ĥ", i: "î", j: "ĵ", k: "ķ", l: "ĺ", m: "ɱ",
  n: "ñ", o: "ô", p: "ƥ", q: "ʠ", r: "ŕ", s: "š", t: "ţ", u: "û", v: "ṽ", w: "ŵ", x: "ẋ", y: "ý", z: "ž",
  A: "Å", B: "Ɓ", C: "Ç", D: "Ď", E: "É", F: "Ƒ", G: "Ĝ", H: "Ĥ", I: "Î", J: "Ĵ", K: "Ķ", L: "Ĺ", M: "Ṁ",
  N: "Ñ", O: "Ö", P: "Ƥ", Q: "Ǫ", R: "Ŕ", S: "Š", T: "Ţ", U: "Û", V: "Ṽ", W: "Ŵ", X: "Ẋ", Y: "Ý", Z: "Ž",
};

/** Filler that lengthens a value: accented letters with spaces, so lines can still wrap. */
const FILLER = "ĺôŕéɱ îƥšûɱ ďôĺôŕ šîţ áɱéţ çôñšéçţéţûŕ áďîƥîšçîñĝ éĺîţ šéď ďô éîûšɱôď ţéɱƥôŕ ";

/**
 * What the pseudo-locale leaves as it is: i18next placeholders ({{name}}, {{- name}}), nesting
 * ($t(ns:key)), HTML tags and entities, so the value still works where the English one does.
 */
const KEEP = /(\{\{[^}]*\}\}|\$t\([^)]*\)|<[^>]*>|&[#\w]+;)/;

function accent(text: string): string {
  let out = "";
  for (const ch of text) out += ACCENTED[ch] ?? ch;
  return out;
}

/** One catalogue value in the pseudo-locale: "Save" becomes "⟦Šáṽé ĺôŕ⟧". */
export function pseudoText(value: string): string {
  if (value === "") return value;
  const parts = value.split(KEEP);
  const body = parts.map((part, i) => (i % 2 === 1 ? part : accent(part))).join("");
  const visible = parts.filter((_, i) => i % 2 === 0).join("").length;
  const extra = Math.ceil(visible * 0.4);
  let filler = "";
  while (filler.length < extra) filler += FILLER;
  const padding = filler.slice(0, extra).trimEnd();
  return `${PSEUDO_START}${body}${padding ? " " + padding : ""}${PSEUDO_END}`;
}

type Tree = { [key: string]: unknown };

/** A whole catalogue in the pseudo-locale, keys and structure unchanged. */
export function pseudoCatalogue(tree: Tree): Tree {
  const out: Tree = {};
  for (const [key, value] of Object.entries(tree)) {
    out[key] = typeof value === "string" ? pseudoText(value) : value !== null && typeof value === "object" ? pseudoCatalogue(value as Tree) : value;
  }
  return out;
}

const pseudoRequests = new AsyncLocalStorage<true>();

/** Runs `next` (the rest of a request) with every translation in the pseudo-locale. */
export function inPseudoLocale(next: () => void): void {
  pseudoRequests.run(true, next);
}

/** True while a request that asked for the pseudo-locale (and was allowed to) is being answered. */
export function pseudoLocaleActive(): boolean {
  return pseudoRequests.getStore() === true;
}
