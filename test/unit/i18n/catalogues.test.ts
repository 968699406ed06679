import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { LOCALES_DIR } from "../../../server/i18n";
import { LANGUAGES, SOURCE_LANGUAGE } from "../../../server/languages";

/*
 * The catalogues under locales/<language>/<namespace>.json, every namespace on disk: each key of
 * the English source exists in every language, no language has a key English lacks (beyond its
 * own plural forms), placeholders match the English ones, and every key is used by some code.
 */

const ROOT = path.resolve(__dirname, "../../..");
const PLURAL = /_(zero|one|two|few|many|other)$/;

/**
 * Keys read through a prefix and a code only known at run time (codeText in server/web/language.ts
 * reads "codes:<group>.<code>" for the stored codes of view-labels.ts). A literal ending in "."
 * in a view (`(concat "codes:language." code)`) is found by the scan itself.
 */
const DYNAMIC_PREFIXES = [
  "codes:state.", "codes:family.", "codes:callStatus.", "codes:claimStatus.", "codes:batchStatus.", "codes:entryKind.",
  "codes:smeCategory.", "codes:role.", "codes:purpose.", "codes:counterpartKind.", "codes:voucherType.", "codes:rule.", "codes:action.",
];

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

function namespaces(): string[] {
  return readdirSync(path.join(LOCALES_DIR, SOURCE_LANGUAGE)).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
}

function catalogue(language: string, ns: string): Map<string, string> | null {
  try {
    return flatten(JSON.parse(readFileSync(path.join(LOCALES_DIR, language, `${ns}.json`), "utf8")) as Tree);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]).sort();

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full, ext) : full.endsWith(ext) ? [full] : [];
  });
}

/** Every "namespace:key" literal in the views and the server code, and literal prefixes ending in ".". */
function usedKeys(known: string[]): { keys: Set<string>; prefixes: string[] } {
  const sources = [...files(path.join(ROOT, "views"), ".hbs"), ...files(path.join(ROOT, "server"), ".ts")].map((f) => readFileSync(f, "utf8"));
  const literal = new RegExp(`["'\`](${known.join("|")}):([A-Za-z0-9_.-]+)["'\`]`, "g");
  const keys = new Set<string>();
  const prefixes: string[] = [];
  for (const text of sources) {
    for (const m of text.matchAll(literal)) {
      const full = `${m[1]}:${m[2]}`;
      if (full.endsWith(".")) prefixes.push(full);
      else keys.add(full);
    }
  }
  return { keys, prefixes };
}

describe("catalogues", () => {
  const nss = namespaces();

  it("has namespaces", () => expect(nss).to.include.members(["common", "codes", "letter"]));

  for (const ns of nss) {
    const source = catalogue(SOURCE_LANGUAGE, ns)!;

    for (const language of LANGUAGES.filter((l) => l !== SOURCE_LANGUAGE)) {
      it(`${ns}: ${language} has every English key, no other key, and the same placeholders`, () => {
        const target = catalogue(language, ns);
        expect(target, `locales/${language}/${ns}.json is missing`).to.not.equal(null);
        const keys = target!;
        const missing = [...source.keys()].filter((k) => !keys.has(k));
        expect(missing, "missing keys").to.deep.equal([]);
        const bases = new Set([...source.keys()].map((k) => k.replace(PLURAL, "")));
        const extra = [...keys.keys()].filter((k) => !source.has(k) && !(PLURAL.test(k) && bases.has(k.replace(PLURAL, ""))));
        expect(extra, "keys English does not have").to.deep.equal([]);
        const wrong = [...keys].filter(([k, v]) => {
          const english = source.get(k) ?? source.get(k.replace(PLURAL, "_other"));
          return english !== undefined && JSON.stringify(placeholders(v)) !== JSON.stringify(placeholders(english));
        }).map(([k]) => k);
        expect(wrong, "placeholders differing from English").to.deep.equal([]);
        const empty = [...keys].filter(([, v]) => v.trim() === "").map(([k]) => k);
        expect(empty, "empty translations").to.deep.equal([]);
      });
    }
  }

  it("has no key that no code uses", () => {
    const { keys, prefixes } = usedKeys(nss);
    const allowed = [...DYNAMIC_PREFIXES, ...prefixes];
    const unused = nss.flatMap((ns) => [...catalogue(SOURCE_LANGUAGE, ns)!.keys()].map((k) => `${ns}:${k}`))
      .filter((k) => !keys.has(k) && !keys.has(k.replace(PLURAL, "")) && !allowed.some((p) => k.startsWith(p)));
    expect(unused).to.deep.equal([]);
  });

  it("uses no key the English catalogue lacks", () => {
    const { keys } = usedKeys(nss);
    const known = new Set(nss.flatMap((ns) => [...catalogue(SOURCE_LANGUAGE, ns)!.keys()].map((k) => `${ns}:${k.replace(PLURAL, "")}`)));
    expect([...keys].filter((k) => !known.has(k))).to.deep.equal([]);
  });
});
