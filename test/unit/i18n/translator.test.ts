import { expect } from "chai";
import { i18n, translator } from "../../../server/i18n";
import { PAGE_LANGUAGES } from "../../../server/languages";

/*
 * translator() remembers each key's text and fills in its placeholders itself through i18next's
 * interpolator: every text with placeholders, in every language, must come out as i18next's own
 * full lookup gives it, on the first call and on later ones with other values.
 */

type Tree = { [key: string]: string | Tree };

function keysWithPlaceholders(tree: Tree, prefix: string): [string, string[]][] {
  return Object.entries(tree).flatMap(([k, v]): [string, string[]][] => {
    const key = prefix.endsWith(":") ? `${prefix}${k}` : `${prefix}.${k}`;
    if (typeof v !== "string") return keysWithPlaceholders(v, key);
    // Plural forms are asked for by their base key with a count, which always goes through i18next.
    if (/_(zero|one|two|few|many|other)$/.test(k)) return [];
    const names = [...new Set([...v.matchAll(/\{\{\s*(\w+)/g)].map((m) => m[1] ?? ""))];
    return names.length > 0 ? [[key, names]] : [];
  });
}

describe("translator", () => {
  const store = i18n().store.data as Record<string, Record<string, Tree>>;

  for (const language of PAGE_LANGUAGES) {
    it(`fills in every ${language} text with placeholders as i18next does`, () => {
      const t = translator(language);
      let checked = 0;
      for (const [ns, tree] of Object.entries(store[language] ?? {})) {
        for (const [key, names] of keysWithPlaceholders(tree, `${ns}:`)) {
          for (const round of ["first", "second"]) {
            const values = Object.fromEntries(names.map((n) => [n, `${n}-${round}`]));
            expect(t(key, values), key).to.equal(i18n().t(key, { ...values, lng: language }));
          }
          checked++;
        }
      }
      expect(checked).to.be.greaterThan(100);
    });
  }

  for (const language of PAGE_LANGUAGES) {
    it(`gives every ${language} text without values as i18next does`, () => {
      const t = translator(language);
      const keys = (tree: Tree, prefix: string): string[] => Object.entries(tree).flatMap(([k, v]) => {
        const key = prefix.endsWith(":") ? `${prefix}${k}` : `${prefix}.${k}`;
        return typeof v === "string" ? [key] : keys(v, key);
      });
      for (const [ns, tree] of Object.entries(store[language] ?? {})) {
        for (const key of keys(tree, `${ns}:`)) {
          for (let round = 0; round < 2; round++) expect(t(key), key).to.equal(i18n().t(key, { lng: language }));
        }
      }
    });
  }

  it("still chooses the plural form by count", () => {
    const t = translator("da");
    expect(t("finance:ledger.totals.caption", { count: 1 })).to.equal(i18n().t("finance:ledger.totals.caption", { count: 1, lng: "da" }));
    expect(t("finance:ledger.totals.caption", { count: 7 })).to.equal(i18n().t("finance:ledger.totals.caption", { count: 7, lng: "da" }));
    expect(t("finance:ledger.totals.caption", { count: 1 })).to.not.equal(t("finance:ledger.totals.caption", { count: 7 }));
  });

  for (const language of PAGE_LANGUAGES) {
    it(`gives every ${language} text with plural forms, for any count, as i18next does`, () => {
      const t = translator(language);
      // Base keys of plural forms in any language, so that a form one language lacks falls back as in i18next.
      const bases = new Set<string>();
      const walk = (tree: Tree, prefix: string) => {
        for (const [k, v] of Object.entries(tree)) {
          const key = prefix.endsWith(":") ? `${prefix}${k}` : `${prefix}.${k}`;
          if (typeof v !== "string") walk(v, key);
          else if (/_(zero|one|two|few|many|other)$/.test(k)) bases.add(key.replace(/_(zero|one|two|few|many|other)$/, ""));
        }
      };
      for (const lang of Object.values(store)) for (const [ns, tree] of Object.entries(lang)) walk(tree, `${ns}:`);
      expect(bases.size).to.be.greaterThan(5);
      for (const key of bases) {
        for (const count of [0, 1, 2, 3, 5, 11, 21, 101, 1.5]) {
          const values = { count, name: "N", reference: "R", amount: "A", days: 3 };
          expect(t(key, values), `${key} ${count}`).to.equal(i18n().t(key, { ...values, lng: language }));
        }
      }
    });
  }
});
