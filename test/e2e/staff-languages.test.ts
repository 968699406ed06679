import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { PAGE_LANGUAGES } from "../../server/languages";
import { LOCALES_DIR } from "../../server/i18n";
import { type Agent, buildApp, signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { seedDemoData } from "../support/fixtures";

/**
 * The staff pages (manager, finance, administration, directory) in every page language: each
 * page renders from the catalogues without a key showing through, and a Dutch manager and a
 * French finance officer read their pages in their own language.
 */

const NAMESPACES = ["manager", "finance", "admin", "directory"];

/**
 * What a missing key looks like on a page: i18next shows the key itself, with or without its
 * namespace ("manager:queue.title" or "queue.title"); the sections are the catalogues' top levels.
 */
function leakedKey(): RegExp {
  const sections = new Set<string>();
  for (const ns of NAMESPACES) {
    for (const section of Object.keys(JSON.parse(readFileSync(path.join(LOCALES_DIR, "en", `${ns}.json`), "utf8")) as object)) sections.add(section);
  }
  return new RegExp(`\\b(?:${NAMESPACES.join("|")}):[a-z]|(?:^|[>"\\s])(?:${[...sections].join("|")})\\.[A-Za-z]`);
}

for (const engine of testDatabases()) {
  describe(`staff pages in every language (e2e, ${engine.name})`, function () {
    this.timeout(300000);
    let db: Db;
    let app: Express;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, () => new Date(), { activity: true });
      app = buildApp(db);
    });
    after(() => db.destroy());

    const firstId = async (table: string, where: Record<string, unknown> = {}) => {
      const row = await db(table as "applications").where(where).orderBy("id").first("id");
      return row ? Number(row.id) : null;
    };

    async function pagesOf(role: "manager" | "finance" | "admin"): Promise<string[]> {
      const region = await firstId("regions");
      const organisation = await firstId("directory_organisations");
      const batch = await firstId("sepa_batches");
      const call = await firstId("calls");
      const claim = await firstId("claims");
      const pages: Record<typeof role, (string | null)[]> = {
        manager: [
          "/manager", "/manager/calls", "/manager/calls/new", "/manager/claims", "/manager/rejection-templates",
          call ? `/manager/calls/${call}` : null, call ? `/manager/calls/${call}/edit` : null, claim ? `/manager/claims/${claim}` : null,
          "/directory", "/directory/referrals", "/directory/new",
          organisation ? `/directory/${organisation}` : null, organisation ? `/directory/${organisation}/edit` : null,
        ],
        finance: ["/finance", "/finance/ledger", "/finance/reconciliation", "/finance/rates", batch ? `/finance/sepa/${batch}` : null],
        admin: [
          "/admin", "/admin/users", "/admin/users/new", "/admin/audit", "/admin/regions", "/admin/scheme",
          region ? `/admin/regions/${region}` : null,
        ],
      };
      return pages[role].filter((p): p is string => p !== null);
    }

    it("renders every staff page in each language with no catalogue key showing", async () => {
      const leaked = leakedKey();
      const agents: Record<string, Agent> = {
        manager: await signIn(app, "manager@demo.test"),
        finance: await signIn(app, "finance@demo.test"),
        admin: await signIn(app, "admin@demo.test"),
      };
      for (const role of ["manager", "finance", "admin"] as const) {
        const pages = await pagesOf(role);
        expect(pages.length, `pages for ${role}`).to.be.greaterThan(0);
        for (const page of pages) {
          for (const lang of PAGE_LANGUAGES) {
            const res = await defined(agents[role]).get(page).set("Cookie", `vd.lang=${lang}`);
            expect(res.status, `${role} ${page} in ${lang}`).to.equal(200);
            expect(res.text, `${role} ${page} in ${lang}`).to.include(`<html lang="${lang}">`);
            // Stored codes shown as code (audit actions such as "call.opened") are data, not text.
            const hit = leaked.exec(res.text.replace(/<(code|pre)\b[^>]*>[\s\S]*?<\/\1>/g, ""));
            expect(hit?.[0], `${role} ${page} in ${lang} shows a catalogue key`).to.equal(undefined);
          }
        }
      }
    });
  });
}
