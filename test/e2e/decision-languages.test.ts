import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { LOCALES_DIR } from "../../server/i18n";
import { PAGE_LANGUAGES } from "../../server/languages";
import { csrfFrom } from "../support/app";
import { testDatabases } from "../support/db";
import { insertSubmitted, seedCall, eachManagerSession } from "../support/journey";

/**
 * The manager's application page and its four confirmation pages in the reader's language: a
 * Dutch and a German cluster manager decide in their own language, and no language shows a
 * catalogue key in place of text.
 */

/** The visible text of a page, tags dropped and white space folded. */
const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/&nbsp;/g, " ").replace(/&#x27;/g, "'").replace(/\s+/g, " ");

/** A key showing through: "manager:..." or one of the manager catalogue's sections followed by a dot. */
function leakedKey(): RegExp {
  const sections = Object.keys(JSON.parse(readFileSync(path.join(LOCALES_DIR, "en", "manager.json"), "utf8")) as object);
  return new RegExp(`\\b(?:manager|common):[a-z]|(?:^|[>"\\s])(?:${sections.join("|")})\\.[A-Za-z]`);
}

for (const engine of testDatabases()) {
  describe(`manager decision pages in every language (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    const w = eachManagerSession(engine);

    const submitted = async (requestedCents = 42_000) => {
      const callId = await seedCall(w.db, w.clock.now, { totalCents: 1_000_000, perTypeCents: { MG: 300_000 } });
      return insertSubmitted(w.db, { email: "sme@demo.test", callId, type: "MG", requestedCents });
    };
    const get = (url: string, lang: string) => w.manager.get(url).set("Cookie", `vd.lang=${lang}`);
    const post = async (page: string, action: string, lang: string, fields: Record<string, string>) => {
      const token = csrfFrom((await get(page, lang)).text);
      return w.manager.post(action).set("Cookie", `vd.lang=${lang}`).type("form").send({ ...fields, _csrf: token });
    };

    it("a Dutch w.manager reads the decision page, confirms an approval and sees the banner in Dutch", async () => {
      const id = await submitted();
      const page = `/manager/applications/${id}`;
      const shown = (await get(page, "nl").expect(200)).text;
      expect(shown).to.include('<html lang="nl">').and.include('<h2 id="decision-title">Besluit</h2>');
      expect(shown).to.include("<summary>Goedkeuren</summary>").and.include("<h3>Wat er gebeurt als u goedkeurt</h3>");
      expect(shown).to.include("<summary>Afwijzen met een reden</summary>").and.include(">Toekenningsbedrag");
      expect(shown).to.include("<h2>Eerdere vouchers en de-minimissteun van de onderneming</h2>").and.include("<h2>Tijdlijn</h2>");
      expect(shown).to.not.include("What happens when you approve").and.not.include("Decision record");

      const confirm = await post(page, `${page}/approve/confirm`, "nl", { amount: "400,00" });
      expect(confirm.status, confirm.text).to.equal(200);
      const words = text(confirm.text);
      expect(confirm.text).to.include("<h1>Deze aanvraag goedkeuren?</h1>").and.include("<title>Bevestigen: Deze aanvraag goedkeuren? – Voucherdesk</title>");
      expect(words).to.include("Vastgelegd bedrag").and.include("op het budget van de oproep");
      expect(words, "the call's ceiling by its Dutch name").to.include("Totaal budget").and.not.include("Total budget");
      expect(text(shown)).to.include("Totaal budget").and.not.include("Total budget");
      expect(words).to.include("Er wordt een toekenningsbrief (pdf) opgesteld en per e-mail gestuurd naar");
      expect(words).to.include("Bevestigen: goedkeuren en de toekenningsbrief opstellen").and.include("Terug");

      const done = await w.manager.post(`${page}/approve`).set("Cookie", "vd.lang=nl").type("form")
        .send(Object.fromEntries([...confirm.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]])));
      expect(done.status, done.text).to.equal(303);
      const after = text((await get(page, "nl").expect(200)).text);
      expect(after).to.match(/Goedgekeurd: EUR [\d.]+,00 vastgelegd; toekenningsbrief \S+ is opgesteld en per e-mail naar de aanvrager gestuurd\./);
      expect(after).to.include("Besluiten").and.match(/Goedgekeurd op .+ door /);
    });

    it("a German w.manager confirms a rejection and a request for information in German", async () => {
      const id = await submitted();
      const page = `/manager/applications/${id}`;
      const shown = (await get(page, "de").expect(200)).text;
      expect(shown).to.include("<summary>Mit Begründung ablehnen</summary>").and.include("<summary>Weitere Angaben anfordern</summary>");
      expect(shown).to.include("<h2>Förderfähigkeit jetzt (wird bei der Bewilligung geprüft)</h2>").and.include(">Interessenkonflikt erklären</summary>");

      const reject = await post(page, `${page}/reject/confirm`, "de", { reason: "Nicht innovativ genug." });
      expect(reject.status, reject.text).to.equal(200);
      const rejectWords = text(reject.text);
      expect(reject.text).to.include("<h1>Diesen Antrag ablehnen?</h1>");
      expect(rejectWords).to.include("Es wird nichts gebunden. Die Ablehnung ist endgültig.").and.include("Die Begründung wird per E-Mail gesendet an");
      expect(rejectWords).to.include("Bestätigen: ablehnen").and.include("Wer benachrichtigt wird");

      const ask = await post(page, `${page}/request-info/confirm`, "de", { message: "Bitte ergänzen Sie den Zeitplan." });
      expect(ask.status, ask.text).to.equal(200);
      expect(ask.text).to.include("<h1>Weitere Angaben beim Antragsteller anfordern?</h1>");
      expect(text(ask.text)).to.include("Ihre Frage").and.include("Bestätigen: Frage senden");

      const sent = await post(page, `${page}/request-info`, "de", { message: "Bitte ergänzen Sie den Zeitplan." });
      expect(sent.status, sent.text).to.equal(303);
      expect(text((await get(page, "de").expect(200)).text)).to.include("Weitere Angaben angefordert: Der Antragsteller hat Ihre Frage per E-Mail erhalten");
    });

    it("shows no catalogue key on the decision page and on each confirmation page, in any language", async () => {
      const leaked = leakedKey();
      const id = await submitted();
      const page = `/manager/applications/${id}`;
      const confirmations: [string, Record<string, string>][] = [
        ["approve", { amount: "400,00" }], ["reject", { reason: "Outside the scope." }], ["request-info", { message: "Add the plan." }], ["reserve", {}],
      ];
      for (const lang of PAGE_LANGUAGES) {
        const pages = [(await get(page, lang).expect(200)).text];
        for (const [kind, fields] of confirmations) {
          const res = await post(page, `${page}/${kind}/confirm`, lang, fields);
          expect(res.status, `${kind} in ${lang}: ${res.text}`).to.equal(200);
          pages.push(res.text);
        }
        for (const html of pages) {
          expect(html).to.include(`<html lang="${lang}">`);
          const hit = leaked.exec(html.replace(/<(code|pre)\b[^>]*>[\s\S]*?<\/\1>/g, ""));
          expect(hit?.[0], `a key on a decision page in ${lang}`).to.equal(undefined);
        }
      }
    });
  });
}
