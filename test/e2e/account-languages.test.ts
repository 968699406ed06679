import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { LOCALES_DIR } from "../../server/i18n";
import { PAGE_LANGUAGES } from "../../server/languages";
import { type Agent, buildApp, csrfFrom, signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";

/**
 * The account pages (two-factor sign-in, sessions, password, step-up) in the reader's language:
 * a Danish manager and a French applicant read them and their banners in their own language,
 * and no language shows a catalogue key in place of text.
 */

/** A key showing through: "account:..." or one of the account catalogue's sections followed by a dot. */
function leakedKey(): RegExp {
  const sections = Object.keys(JSON.parse(readFileSync(path.join(LOCALES_DIR, "en", "account.json"), "utf8")) as object);
  return new RegExp(`\\baccount:[a-z]|(?:^|[>"\\s])(?:${sections.join("|")})\\.[A-Za-z]`);
}

for (const engine of testDatabases()) {
  describe(`account pages in every language (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, () => new Date());
      app = buildApp(db);
    });
    after(() => db.destroy());

    const inLanguage = (agent: Agent, lang: string) => ({
      get: (url: string) => agent.get(url).set("Cookie", `vd.lang=${lang}`),
      post: async (formPage: string, action: string, fields: Record<string, string> = {}) => {
        const token = csrfFrom((await agent.get(formPage).set("Cookie", `vd.lang=${lang}`)).text);
        return agent.post(action).set("Cookie", `vd.lang=${lang}`).type("form").send({ ...fields, _csrf: token });
      },
    });

    it("a Danish manager reads two-factor sign-in and the sessions page in Danish, and the banner after signing out elsewhere", async () => {
      await signIn(app, "manager@demo.test"); // a second session, on another "device"
      const manager = inLanguage(await signIn(app, "manager@demo.test"), "da");
      const twoFactor = (await manager.get("/account/two-factor").expect(200)).text;
      expect(twoFactor).to.include('<html lang="da">').and.include("<title>Totrinslogin – Voucherdesk</title>");
      expect(twoFactor).to.include("Totrinslogin er <strong>slået til</strong>: hvert login beder om en kode fra din godkendelsesapp.");
      expect(twoFactor).to.include("Din rolle kræver det, så det kan ikke slås fra.");

      const sessions = (await manager.get("/account/sessions").expect(200)).text;
      expect(sessions).to.include("<h1>Dine sessioner</h1>").and.include("<th scope=\"col\">Sidst aktiv</th>");
      expect(sessions).to.include("<strong>(denne session)</strong>").and.include(">skift din adgangskode</a>");
      expect(sessions).to.include("Log ud alle andre steder").and.not.include("Your sessions");

      const ended = await manager.post("/account/sessions", "/account/sessions/others");
      expect(ended.status, ended.text).to.equal(303);
      expect((await manager.get("/account/sessions").expect(200)).text).to.match(/\d+ andre sessioner blev logget ud\.|1 anden session blev logget ud\./);

      const stepUp = (await manager.get("/step-up").expect(200)).text;
      expect(stepUp).to.include("<h1>Bekræft med en kode</h1>").and.match(/inden for de seneste \d+ minutter/);
    });

    it("a French applicant reads two-factor sign-in, its set-up and the password page in French", async () => {
      const sme = inLanguage(await signIn(app, "sme@demo.test"), "fr");
      const twoFactor = (await sme.get("/account/two-factor").expect(200)).text;
      expect(twoFactor).to.include('<html lang="fr">').and.include("<h1>Connexion en deux étapes</h1>");
      expect(twoFactor).to.include("La connexion en deux étapes est <strong>désactivée</strong>.").and.include(">Configurer la connexion en deux étapes</a>");

      const setup = (await sme.get("/two-factor/setup").expect(200)).text;
      expect(setup).to.include("Dans l&#x27;application, ajoutez un compte et scannez ce code QR :");
      expect(setup).to.include("Code de l&#x27;application").and.include(">Confirmer et continuer</button>");

      const wrong = await sme.post("/two-factor/setup", "/two-factor/setup", { code: "000000" });
      expect(wrong.status).to.equal(422);
      expect(wrong.text).to.include("<title>Configurer la connexion en deux étapes – Voucherdesk</title>");

      const password = (await sme.get("/account/password").expect(200)).text;
      expect(password).to.include("<h1>Changer votre mot de passe</h1>").and.include("Nouveau mot de passe (au moins 12 caractères)");
      const sessions = (await sme.get("/account/sessions").expect(200)).text;
      expect(sessions).to.include("<h1>Vos sessions</h1>").and.include("<strong>(cette session)</strong>");
    });

    it("shows no catalogue key on any account page, in any language", async () => {
      const leaked = leakedKey();
      const manager = await signIn(app, "manager@demo.test");
      const sme = await signIn(app, "sme@demo.test");
      const pages: [Agent, string][] = [
        [manager, "/account/two-factor"], [manager, "/account/sessions"], [manager, "/account/password"], [manager, "/step-up"],
        [sme, "/account/two-factor"], [sme, "/two-factor/setup"], [sme, "/account/sessions"], [sme, "/account/password"],
      ];
      for (const lang of PAGE_LANGUAGES) {
        for (const [agent, url] of pages) {
          const res = await agent.get(url).set("Cookie", `vd.lang=${lang}`);
          expect(res.status, `${url} in ${lang}`).to.equal(200);
          expect(res.text).to.include(`<html lang="${lang}">`);
          const hit = leaked.exec(res.text.replace(/<(code|pre)\b[^>]*>[\s\S]*?<\/\1>/g, ""));
          expect(hit?.[0], `${url} in ${lang} shows a catalogue key`).to.equal(undefined);
        }
      }
    });
  });
}
