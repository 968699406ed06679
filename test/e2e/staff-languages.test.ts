import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { PAGE_LANGUAGES } from "../../server/languages";
import { LOCALES_DIR } from "../../server/i18n";
import { type Agent, buildApp, csrfFrom, signIn } from "../support/app";
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

    /** A page in the language of the switcher cookie, as a signed-in agent sees it. */
    const inLanguage = (agent: Agent, lang: string) => ({
      get: (url: string) => agent.get(url).set("Cookie", `vd.lang=${lang}`),
      post: async (formPage: string, action: string, fields: Record<string, string | string[]>) => {
        const token = csrfFrom((await agent.get(formPage).set("Cookie", `vd.lang=${lang}`)).text);
        return agent.post(action).set("Cookie", `vd.lang=${lang}`).type("form").send({ ...fields, _csrf: token });
      },
    });

    it("a Dutch cluster manager works in Dutch: queue, titles and the banner after saving", async () => {
      const manager = inLanguage(await signIn(app, "manager@demo.test"), "nl");
      const queue = (await manager.get("/manager").expect(200)).text;
      expect(queue).to.include('<html lang="nl">').and.include("<title>Beoordelingswachtrij – Voucherdesk</title>");
      expect(queue).to.include(">Redenen voor afwijzing</a>").and.include(">Te controleren betalingsaanvragen</a>");
      expect(queue).to.match(/<caption>Aanvragen uit uw regio, oudste indiening eerst \(\d+\)<\/caption>/);
      expect(queue).to.include("<h1>Beoordelingswachtrij <span").and.not.include("Applications of your region");

      const saved = await manager.post("/manager/rejection-templates", "/manager/rejection-templates", { title: "Buiten de regio", text: "De onderneming is niet in de regio gevestigd." });
      expect(saved.status, saved.text).to.equal(303);
      const after = (await manager.get("/manager/rejection-templates").expect(200)).text;
      expect(after).to.include("De reden voor afwijzing is opgeslagen.").and.include("<h2>Nieuwe reden</h2>");
    });

    it("a French finance officer works in French: payments, the plural banner and the ledger", async () => {
      const finance = inLanguage(await signIn(app, "finance@demo.test"), "fr");
      const home = (await finance.get("/finance").expect(200)).text;
      expect(home).to.include('<html lang="fr">').and.include("<h1>Paiements</h1>");
      expect(home).to.include("<caption>Demandes de paiement vérifiées en attente de paiement</caption>").and.include("<legend>Enregistrer un paiement effectué</legend>");
      const claimId = defined(/name="claimIds" value="(\d+)"/.exec(home)?.[1], "a verified claim in the demo's payment queue");
      const paidOn = defined(/name="paidOn" type="date" value="([\d-]+)"/.exec(home)?.[1], "the payment date offered");

      const paid = await finance.post("/finance", "/finance/payments", { claimIds: claimId, paidOn, bankReference: "BNP-2026-0042" });
      expect(paid.status, paid.text).to.equal(303);
      expect((await finance.get("/finance").expect(200)).text).to.include("1 paiement a été enregistré.");

      const ledger = (await finance.get("/finance/ledger").expect(200)).text;
      expect(ledger).to.include("<h1>Journal comptable des décaissements</h1>").and.include(">Engagement</option>");
      expect(ledger).to.match(/<caption>Totaux pour ces filtres : \d+ écritures<\/caption>/);
    });

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
