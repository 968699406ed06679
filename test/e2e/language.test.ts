import { expect } from "chai";
import type { Express } from "express";
import request from "supertest";
import type { Db } from "../../server/db/connection";
import { buildApp, csrfFrom, signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { unescapeHref as unescape } from "../support/pages";

/** `<html lang>` of a page. */
const htmlLang = (html: string) => /<html lang="([a-z]+)">/.exec(html)?.[1];
/** An attribute value as the browser reads it (Handlebars escapes "=" and "&"). */

for (const engine of testDatabases()) {
  describe(`the language of a page (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db);
    });
    after(() => db.destroy());

    it("follows Accept-Language for a visitor, else English, and names it in <html lang>", async () => {
      expect(htmlLang((await request(app).get("/login").set("Accept-Language", "de-DE,de;q=0.9,en;q=0.5").expect(200)).text)).to.equal("de");
      expect(htmlLang((await request(app).get("/login").set("Accept-Language", "pt-BR").expect(200)).text)).to.equal("en");
      expect(htmlLang((await request(app).get("/login").expect(200)).text)).to.equal("en");
    });

    it("switches with a plain link (no JavaScript): the cookie wins over Accept-Language and the visitor returns to the page", async () => {
      const agent = request.agent(app);
      const page = (await agent.get("/login").set("Accept-Language", "en").expect(200)).text;
      const link = unescape(/<a href="([^"]+)" hreflang="da"/.exec(page)?.[1] ?? "");
      expect(link).to.equal("/language?lang=da&next=%2Flogin");
      const res = await agent.get(link).expect(303);
      expect(res.headers.location).to.equal("/login");
      const danish = (await agent.get("/login").set("Accept-Language", "en").expect(200)).text;
      expect(htmlLang(danish)).to.equal("da");
      expect(danish).to.include("Gå til hovedindholdet");
    });

    it("refuses a language it does not offer and never returns to another site", async () => {
      await request(app).get("/language?lang=xx&next=/").expect(400);
      const res = await request(app).get("/language?lang=fr&next=//evil.example/").expect(303);
      expect(res.headers.location).to.equal("/");
    });

    it("refuses an unreadable return address in the reader's language, never in the input library's English", async () => {
      const visible = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
      const long = `/${"a".repeat(2000)}`;
      const de = visible((await request(app).get(`/language?lang=de&next=${long}`).expect(400)).text);
      expect(de).to.include("Geben Sie die Rücksprungadresse mit höchstens 2000 Zeichen an.");
      expect(de).to.not.include("Too big").and.not.include("characters or fewer");
      const nl = visible((await request(app).get("/language?lang=nl&next=/a&next=/b").expect(400)).text);
      expect(nl).to.include("Geef hier één antwoord, niet meerdere.").and.not.include("expected string");

      const agent = request.agent(app);
      const home = (await agent.get("/login").set("Accept-Language", "fr").expect(200)).text;
      const fr = visible((await agent.post("/language").set("Accept-Language", "fr").type("form").send({ _csrf: csrfFrom(home), lang: "da", next: long })).text);
      expect(fr).to.include("Certaines réponses demandent votre attention.").and.not.include("Too big").and.not.include("characters or fewer");
      const english = visible((await request(app).get(`/language?lang=en&next=${long}`).expect(400)).text);
      expect(english).to.include("The return address must be 2000 characters or fewer.");
    });

    it("lists the page in every language as hreflang alternates on public pages", async () => {
      const page = unescape((await request(app).get("/login").expect(200)).text);
      for (const code of ["en", "da", "de", "fr", "nl"]) expect(page).to.match(new RegExp(`<link rel="alternate" hreflang="${code}" href="http://[^"]+/login\\?lang=${code}">`));
      expect(htmlLang((await request(app).get("/login?lang=nl").expect(200)).text)).to.equal("nl");
    });

    it("a signed-in user's saved language beats the cookie and the browser, and the switcher saves it", async () => {
      const agent = await signIn(app, "finance@demo.test");
      const home = (await agent.get("/finance").set("Accept-Language", "fr").expect(200)).text;
      expect(htmlLang(home)).to.equal("fr");
      // The switcher is a form with one button per language: no JavaScript needed.
      const res = await agent.post("/language").type("form").send({ _csrf: csrfFrom(home), lang: "de", next: "/finance" }).expect(303);
      expect(res.headers.location).to.equal("/finance");
      const user = await db("users").where({ email: "finance@demo.test" }).first("language");
      expect(user?.language).to.equal("de");
      const fresh = await signIn(app, "finance@demo.test");
      const page = (await fresh.get("/finance").set("Accept-Language", "fr").set("Cookie", "vd.lang=nl").expect(200)).text;
      expect(htmlLang(page)).to.equal("de");
      expect(page).to.include(">Zahlungen</a>");
      // A language the switcher does not offer: the error page says which answer was wrong, not only that one was.
      const refused = await fresh.post("/language").type("form").send({ _csrf: csrfFrom(page), lang: "xx", next: "/finance" });
      expect(refused.status).to.equal(422);
      expect(refused.text).to.match(/<ul class="error-details"><li>[^<]+<\/li><\/ul>/);
    });

    it("the account page changes the saved language and refuses an unknown one beside the field", async () => {
      const agent = await signIn(app, "admin@demo.test");
      const form = (await agent.get("/account/language").expect(200)).text;
      const bad = await agent.post("/account/language").set("Host", "voucherdesk.test").set("Referer", "http://voucherdesk.test/admin/users")
        .type("form").send({ _csrf: csrfFrom(form), language: "klingon" }).expect(422);
      expect(bad.text).to.include('id="f-language-error"');
      // The switcher on a refused form returns to the page the form was on, not to the address it was posted to.
      expect(bad.text).to.include('<input type="hidden" name="next" value="/admin/users">');
      await agent.post("/account/language").type("form").send({ _csrf: csrfFrom(form), language: "nl" }).expect(303);
      const after = (await agent.get("/account/language").expect(200)).text;
      expect(htmlLang(after)).to.equal("nl");
      expect(after).to.include("Uw taal is nu Nederlands.");
      expect(after).to.match(/value="nl" lang="nl" checked/);
    });

    it("falls back to the partner organisation's language for a signed-in user whose browser asks for none offered", async () => {
      const agent = await signIn(app, "manager@demo.test");
      const page = (await agent.get("/manager").set("Accept-Language", "pt").expect(200)).text;
      expect(htmlLang(page)).to.equal("da");
    });

    it("partner organisations speak their region's language by default", async () => {
      const row = await db("partners as p").join("regions as r", "r.id", "p.region_id").select<{ code: string; default_language: string }[]>("r.code", "p.default_language");
      expect(Object.fromEntries(row.map((r) => [r.code, r.default_language]))).to.include({ DK: "da", NB: "nl", BW: "de", WL: "fr", VL: "nl", AL: "fr" });
    });
  });
}
