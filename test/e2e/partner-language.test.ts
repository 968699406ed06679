import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { buildApp, csrfFrom, signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { seedDemoData } from "../support/fixtures";

/**
 * An administrator sets a partner organisation's default language on the region's page; the
 * partner's people whose browser asks for none of the five then read the product in it.
 */

const htmlLang = (html: string) => /<html lang="([a-z]+)"/.exec(html)?.[1];

for (const engine of testDatabases()) {
  describe(`a partner's default language (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;

    beforeEach(async () => {
      db = await engine.create();
      await seedDemoData(db, () => new Date());
      app = buildApp(db);
    });
    afterEach(() => db.destroy());

    const brabant = async () => defined(await db("regions as r").join("partners as p", "p.region_id", "r.id").where("r.code", "NB")
      .first<{ region_id: number; partner_id: number; default_language: string }>("r.id as region_id", "p.id as partner_id", "p.default_language"));

    /** The region form as the page fills it in, with `changes` over it. */
    async function regionForm(agent: Awaited<ReturnType<typeof signIn>>, regionId: number, changes: Record<string, string>) {
      const page = (await agent.get(`/admin/regions/${regionId}`).expect(200)).text;
      const decode = (v: string) => v.replace(/&#x27;/g, "'").replace(/&quot;/g, "\"").replace(/&#x3D;/g, "=").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
      const value = (name: string) => decode(new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(page)?.[1]
        ?? new RegExp(`name="${name}"[^>]*>([^<]*)</textarea>`).exec(page)?.[1] ?? "");
      const fields = Object.fromEntries(["name", "country", "partnerName", "partnerShortName", "partnerAddress", "partnerEmail"].map((n) => [n, value(n)]));
      return { _csrf: csrfFrom(page), ...fields, ...changes };
    }

    it("an administrator sets Noord-Brabant's default to German; its manager, whose browser asks for none of ours, then reads German", async () => {
      const nb = await brabant();
      expect(nb.default_language).to.equal("nl");
      const manager = await signIn(app, "manager.nl@demo.test");
      expect(htmlLang((await manager.get("/manager").set("Accept-Language", "pt").expect(200)).text)).to.equal("nl");

      const admin = await signIn(app, "admin@demo.test");
      const page = (await admin.get(`/admin/regions/${nb.region_id}`).expect(200)).text;
      expect(page).to.include('<select id="f-partnerLanguage" name="partnerLanguage"');
      expect(page).to.include('<option value="nl" selected>Nederlands</option>').and.include('<option value="de">Deutsch</option>').and.include('<option value="da">Dansk</option>');

      const saved = await admin.post(`/admin/regions/${nb.region_id}`).type("form").send(await regionForm(admin, nb.region_id, { partnerLanguage: "de" }));
      expect(saved.status, saved.text).to.equal(303);
      expect((await brabant()).default_language).to.equal("de");
      const entry = defined(await db("audit_events").where({ action: "partner.default-language-changed", entity_id: String(nb.partner_id) }).first("before_json", "after_json"));
      expect(JSON.parse(String(entry.after_json))).to.deep.equal({ defaultLanguage: "de" });
      expect(JSON.parse(String(entry.before_json))).to.deep.equal({ defaultLanguage: "nl" });

      const german = (await manager.get("/manager").set("Accept-Language", "pt").expect(200)).text;
      expect(htmlLang(german)).to.equal("de");
      expect(german).to.include("<h1>Prüfliste <span");
      // The reader's own choices still come first.
      expect(htmlLang((await manager.get("/manager").set("Accept-Language", "nl").expect(200)).text)).to.equal("nl");
      expect((await admin.get(`/admin/regions/${nb.region_id}`).expect(200)).text).to.include('<option value="de" selected>Deutsch</option>');
    });

    it("refuses a language the product does not offer with a 422 beside the field, and changes nothing", async () => {
      const nb = await brabant();
      const admin = await signIn(app, "admin@demo.test");
      const refused = await admin.post(`/admin/regions/${nb.region_id}`).type("form").send(await regionForm(admin, nb.region_id, { partnerLanguage: "xx", partnerName: "Changed name" }));
      expect(refused.status, refused.text).to.equal(422);
      expect(refused.text).to.include('id="f-partnerLanguage-error"').and.include("Choose one of the languages offered.");
      expect(refused.text).to.include('<select id="f-partnerLanguage" name="partnerLanguage" aria-invalid="true"');
      expect((await brabant()).default_language).to.equal("nl");
      expect(defined(await db("partners").where({ id: nb.partner_id }).first("name")).name).to.not.equal("Changed name");
      expect(await db("audit_events").where({ action: "partner.default-language-changed" }).first("id")).to.equal(undefined);
    });
  });
}
