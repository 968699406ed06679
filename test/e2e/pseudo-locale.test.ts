import { readdirSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Parser } from "htmlparser2";
import request from "supertest";
import type { Db } from "../../server/db/connection";
import { PSEUDO_END, PSEUDO_LOCALE, PSEUDO_START } from "../../server/i18n/pseudo";
import { LANGUAGE_NAMES } from "../../server/languages";
import { buildApp } from "../support/app";
import { testConfig, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import type { AuthzCase, Identity } from "./authz/types";
import { caseKey, INPUT_CASES } from "./input/cases";
import { startWorld, type World } from "./input/world";

/*
 * Every page, as every role allowed to see it, rendered in the pseudo-locale: catalogue text
 * comes out accented between ⟦ and ⟧, so English left on the page was typed into a view or a
 * route and a reader of another language would see it too. What is left after removing the
 * marked text is either data (from the database, or a date, time, number or amount formatted
 * for the reader) or a finding, reported with its page.
 */

const PSEUDO_COOKIE = `vd.lang=${PSEUDO_LOCALE}`;

/*
 * Text not yet moved into the catalogues because its page is being translated in another piece of
 * work; each entry names the area. Empty this list as those pages land.
 */
const PENDING: Array<{ area: string; route?: string; text: RegExp }> = [
];

/*
 * English that is right on every page in every language: names that are never translated (the
 * product, the programme, the scheme's voucher types, the languages' own names in the switcher),
 * currency and time-zone abbreviations that Intl writes, file formats.
 */
const NEVER_TRANSLATED = [
  "Voucherdesk", "IN2LifeSciences", "Meet & Greet", "Insight", "Collaboration", "BioPeople", "SEPA", "IBAN", "EUR",
  "CSV", "XLSX", "PDF", "XML", "CET", "CEST", "UTC", "GMT", ...Object.values(LANGUAGE_NAMES),
];

/** Dates and times as Intl writes them in English (the pseudo-locale formats as English does). */
const MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec";
const WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun";
const FORMATTED = [
  new RegExp(`\\b(?:${WEEKDAYS}),?\\s`, "g"),
  new RegExp(`\\b\\d{1,2}\\s(?:${MONTHS})\\b(?:\\s\\d{4})?`, "g"),
  new RegExp(`\\b(?:${MONTHS})\\s\\d{4}\\b`, "g"),
  /\bGMT[+-]\d{1,2}(?::\d{2})?\b/g,
  /\b\d{1,2}:\d{2}(?::\d{2})?\s?(?:am|pm)?\b/g,
];

/**
 * Values the app makes rather than stores: request ids and hashes, application numbers
 * (APP-00004), a two-factor secret in groups of four, stored JSON shown as it is.
 */
const GENERATED = [
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g,
  /\b[0-9a-f]{32,}\b/g,
  /\b[A-Z]{2,}-\d{3,}\b/g,
  /\b(?:[A-Z2-7]{4} ){3,}[A-Z2-7]{4}\b/g,
  /^\s*\{.*\}\s*$/g,
];

/** Not read as text: scripts and styles, and machine text a reader copies as it is (a file's header line, a key). */
const HIDDEN = new Set(["script", "style", "template", "code", "kbd", "samp"]);

/** Visible text of a page: text nodes outside script/style, the title, and the attributes people read or hear. */
function visibleText(html: string): string[] {
  const out: string[] = [];
  let hidden = 0;
  let current = "";
  const flush = () => { if (current.trim()) out.push(current); current = ""; };
  const parser = new Parser({
    onopentag(name, attrs) {
      if (HIDDEN.has(name)) hidden++;
      for (const a of ["title", "alt", "aria-label", "placeholder"]) if (attrs[a]) out.push(attrs[a]);
      const type = (attrs.type ?? "").toLowerCase();
      if (name === "input" && ["submit", "button", "reset"].includes(type) && attrs.value) out.push(attrs.value);
      flush();
    },
    ontext(text) { if (hidden === 0) current += text; },
    onclosetag(name) {
      if (HIDDEN.has(name)) hidden--;
      flush();
    },
  }, { decodeEntities: true });
  parser.write(html);
  parser.end();
  flush();
  return out;
}

/** The text with every catalogue value (marked, possibly nested) cut out. */
function withoutCatalogueText(text: string, depth: { n: number }): string {
  let kept = "";
  for (const ch of text) {
    if (ch === PSEUDO_START) depth.n++;
    else if (ch === PSEUDO_END) depth.n = Math.max(0, depth.n - 1);
    else if (depth.n === 0) kept += ch;
  }
  return kept;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Every text value in the database, longest first: what the demo data and the world's activity
 * typed (names, titles, addresses, references, codes) may show on a page as it is. Each value is
 * removed only as a whole, case and all, so a stored "submitted" never hides a typed "Submitted".
 */
async function databaseTexts(db: Db): Promise<string[]> {
  const client = String((db.client as { config: { client: unknown } }).config.client);
  const tables: string[] = client === "pg"
    ? (await db.raw<{ rows: { name: string }[] }>("select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'")).rows.map((r) => r.name)
    : (await db.raw<{ name: string }[]>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")).map((r) => r.name);
  const values = new Set<string>();
  for (const t of tables) {
    if (["sessions", "knex_migrations", "knex_migrations_lock", "attachments", "award_letters", "emails"].includes(t)) continue;
    for (const row of await db(t).select("*") as Record<string, unknown>[]) {
      for (const v of Object.values(row)) {
        if (typeof v !== "string") continue;
        // Addresses are shown line by line and competences one by one.
        for (const part of [v, ...v.split(/\r?\n/), ...v.split(/,\s*/)]) if (/[A-Za-z]{2,}/.test(part.trim())) values.add(part.trim());
      }
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

interface Finding { page: string; key: string; as: Identity; text: string }

/** A page's visible text without the catalogue's: what may still be data or a finding. */
function uncatalogued(html: string): string[] {
  const depth = { n: 0 };
  return visibleText(html).map((raw) => withoutCatalogueText(raw, depth)).filter((text) => /[A-Za-z]{2,}/.test(text));
}

/** What is left of a piece of text once data, names and formatted values are taken out. */
function withoutData(raw: string, data: string[]): string {
  let text = raw.trim();
  // A long stored title cut short on a chart ("Pilot for cross-border i…").
  if (text.endsWith("…") && data.some((value) => value.startsWith(text.slice(0, -1)))) return "";
  for (const value of data) {
    if (text.includes(value)) text = text.replace(new RegExp(`(?<![A-Za-z])${escapeRe(value)}(?![A-Za-z])`, "g"), " ");
  }
  for (const name of NEVER_TRANSLATED) text = text.replace(new RegExp(`(?<![A-Za-z])${escapeRe(name)}(?![A-Za-z])`, "g"), " ");
  for (const re of [...FORMATTED, ...GENERATED]) text = text.replace(re, " ");
  const words = text.replace(/\s+/g, " ").trim();
  return /[A-Za-z]{2,}/.test(words) ? words : "";
}

/** The findings on one page's HTML, given the database's text values. */
function findings(html: string, data: string[]): string[] {
  return uncatalogued(html).map((t) => withoutData(t, data)).filter((t) => t !== "");
}

const authzDir = path.join(__dirname, "authz");
const authzCases: AuthzCase[] = readdirSync(authzDir)
  .filter((f) => f.endsWith(".ts") && f !== "types.ts")
  .flatMap((f) => (require(path.join(authzDir, f)) as { cases: AuthzCase[] }).cases);

/** Each GET page with real ids (its bad-input case's path), and every role the matrix allows on it. */
function pagesToRender(w: World): Array<{ key: string; path: string; as: Identity }> {
  const out: Array<{ key: string; path: string; as: Identity }> = [];
  for (const route of w.routes.filter((r) => r.method === "GET")) {
    const key = caseKey(route.method, route.path);
    const c = INPUT_CASES[key];
    if (!c) continue; // the route walk reports it
    const allowed = new Set<Identity>([c.as]);
    for (const a of authzCases) if (a.method === "GET" && route.matches(a.path)) for (const who of a.allow) allowed.add(who);
    for (const who of allowed) out.push({ key, path: c.path(w.ids), as: who });
  }
  return out;
}

// One engine: the text on a page does not depend on the database behind it.
describe("no English outside the catalogues: every page as every role in the pseudo-locale", function () {
  this.timeout(300000);
  let w: World;

  before(async () => {
    w = await startWorld(defined(testDatabases()[0]), { config: testConfig({ pseudoLocale: true }) });
  });
  after(() => w.db.destroy());

  it("is offered only when the configuration enables it, and never in the switcher", async () => {
    const off = buildApp(w.db);
    const page = await request(off).get("/login").set("Cookie", PSEUDO_COOKIE).expect(200);
    expect(page.text).to.not.include(PSEUDO_START);
    expect(page.text).to.include("Sign in");
    const on = await request(w.app).get("/login").set("Cookie", PSEUDO_COOKIE).expect(200);
    expect(on.text).to.include(PSEUDO_START).and.include('<html lang="en">').and.not.include(`lang="${PSEUDO_LOCALE}"`);
    expect(on.text).to.not.include(`value="${PSEUDO_LOCALE}"`).and.not.include(`lang=${PSEUDO_LOCALE}`);
    // Asking for it with the switcher is refused like any language the product does not offer.
    const chosen = await request(w.app).get(`/language?lang=${PSEUDO_LOCALE}&next=/login`);
    expect(chosen.status).to.be.within(300, 499);
    expect(String(chosen.headers["set-cookie"] ?? "")).to.not.include(PSEUDO_LOCALE);
  });

  it("finds the English a view or a route wrote instead of taking it from a catalogue", () => {
    const page = `<html><head><title>${PSEUDO_START}Ţîţĺé${PSEUDO_END}</title></head><body><a href="/x" aria-label="Back to the queue">${PSEUDO_START}Ƀáçķ${PSEUDO_END}</a>`
      + `<p>${PSEUDO_START}Šûƀɱîţţéď ${PSEUDO_START}ñéšţéď${PSEUDO_END} ôñ${PSEUDO_END} 3 March 2027, 10:15 Nordic Enzyme Labs ApS</p><button>Submit</button><input type="submit" value="Save"></body></html>`;
    expect(findings(page, ["Nordic Enzyme Labs ApS"])).to.deep.equal(["Back to the queue", "Submit", "Save"]);
  });

  it("shows no hard-coded English and no unfilled placeholder on any page", async () => {
    const texts: Finding[] = [];
    const unfilled: string[] = [];
    const seen = new Set<string>();
    let rendered = 0;
    const render = async (key: string, target: string, as: Identity, hops = 0): Promise<void> => {
      if (seen.has(`${as} ${target}`)) return;
      seen.add(`${as} ${target}`);
      const agent = as === "anonymous" ? request(w.app) : w.agent(as);
      const res = await agent.get(target).set("Cookie", PSEUDO_COOKIE);
      if (res.status >= 300 && res.status < 400 && hops < 2 && typeof res.headers.location === "string" && res.headers.location.startsWith("/")) {
        return render(key, res.headers.location, as, hops + 1);
      }
      if (!/text\/html/.test(String(res.headers["content-type"] ?? ""))) return;
      rendered++;
      for (const text of uncatalogued(res.text)) texts.push({ page: `${key} (${target}, ${res.status})`, key, as, text });
      // A catalogue text whose value the view did not pass shows its {{name}} to the reader.
      for (const text of visibleText(res.text)) if (/\{\{\s*[\w.]+\s*\}\}/.test(text)) unfilled.push(`${key} (${target}) as ${as}: "${text.trim()}"`);
    };
    for (const p of pagesToRender(w)) await render(p.key, p.path, p.as);
    // Read after the walk: the pages themselves write data (the audit log's export entries).
    const data = await databaseTexts(w.db);
    const found = texts.map((f) => ({ ...f, text: withoutData(f.text, data) }))
      .filter((f) => f.text !== "" && !PENDING.some((p) => (!p.route || p.route === f.key) && p.text.test(f.text)));
    expect(rendered).to.be.greaterThan(60);
    const report = found.map((f) => `${f.page} as ${f.as}: "${f.text}"`).join("\n");
    expect(found, `English outside the catalogues:\n${report}`).to.deep.equal([]);
    expect(unfilled, `Placeholders left unfilled:\n${unfilled.join("\n")}`).to.deep.equal([]);
  });
});
