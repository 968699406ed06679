import { expect } from "chai";
import { csrfFrom } from "../support/app";
import { testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { insertSubmitted, seedCall, eachManagerSession } from "../support/journey";

/**
 * The review area's refusals in the reader's language: the reserve-list skip (R4), the rejection
 * reasons' save errors and the queue's page link, each answered over HTTP in a language other
 * than English and checked to carry none of the English sentence.
 */

/** The visible text of a page, tags dropped and white space folded. */
const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/&nbsp;/g, " ").replace(/&#x27;/g, "'").replace(/\s+/g, " ");

for (const engine of testDatabases()) {
  describe(`review refusals in the reader's language (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    const w = eachManagerSession(engine);

    const get = (url: string, lang: string) => w.manager.get(url).set("Cookie", `vd.lang=${lang}`);
    const post = async (page: string, action: string, lang: string, fields: Record<string, string>) => {
      const token = csrfFrom((await get(page, lang)).text);
      return w.manager.post(action).set("Cookie", `vd.lang=${lang}`).type("form").send({ ...fields, _csrf: token });
    };

    /** A later application whose approval skips an earlier reserve-listed one that fits (R4). */
    const skipping = async () => {
      const callId = await seedCall(w.db, w.clock.now, { totalCents: 10_000_000 });
      const earlier = await insertSubmitted(w.db, { email: "amager@demo.test", callId, type: "IN", submittedAt: "2027-02-11T10:00:00.000Z" });
      const later = await insertSubmitted(w.db, { email: "hillerod@demo.test", callId, type: "MG", requestedCents: 50_000, submittedAt: "2027-02-12T10:00:00.000Z" });
      const reserved = await post(`/manager/applications/${earlier}`, `/manager/applications/${earlier}/reserve`, "en", {});
      expect(reserved.status, reserved.text).to.equal(303);
      const reference = defined(await w.db("applications").where({ id: earlier }).first("reference")).reference;
      return { later, reference };
    };

    it("R4: approving ahead of the reserve list is refused in German and French, the submission written in each language", async () => {
      const { later, reference } = await skipping();
      const page = `/manager/applications/${later}`;
      const english = text((await post(page, `${page}/approve`, "en", { amount: "500.00" })).text);
      expect(english).to.include("is earlier on the reserve list of this call and fits the budget now (R4). Approve that one first");

      const de = await post(page, `${page}/approve`, "de", { amount: "500,00" });
      expect(de.status).to.equal(422);
      const deText = text(de.text);
      expect(deText).to.include(`${reference ?? "Antrag"}`);
      expect(deText).to.include("(eingereicht am 11. Februar 2027 um")
        .and.include("steht auf der Warteliste dieser Ausschreibung weiter vorne und passt jetzt ins Budget (R4). Bewilligen Sie zuerst den früheren Antrag");
      expect(deText).to.not.include("is earlier on the reserve list").and.not.include("Approve that one first").and.not.include("submitted");

      const fr = text((await post(page, `${page}/approve`, "fr", { amount: "500,00" })).text);
      expect(fr).to.include("(déposée le 11 février 2027").and.include("figure avant cette demande sur la liste de réserve de cet appel à candidatures")
        .and.include("Approuvez d’abord la demande antérieure");
      expect(fr).to.not.include("is earlier on the reserve list").and.not.include("Approve that one first");
      expect(await w.db("applications").where({ id: later }).first("state")).to.deep.equal({ state: "submitted" });
    });

    it("a rejection reason that no longer exists is refused in Danish", async () => {
      const res = await post("/manager/rejection-templates", "/manager/rejection-templates", "da", { id: "999999", title: "Ikke innovativt", text: "Projektet er ikke nyt." });
      expect(res.status).to.equal(422);
      const shown = text(res.text);
      expect(shown).to.include("Begrundelsen kunne ikke gemmes.").and.include("Denne begrundelse for afslag findes ikke længere. Genindlæs siden, og prøv igen.");
      expect(shown).to.not.include("could not be saved").and.not.include("no longer exists");
    });

    it("a broken page link of the queue is refused in Dutch", async () => {
      const res = await get("/manager?after=2027-02-10T10:00:00.000Z~x", "nl");
      expect(res.status).to.equal(422);
      const shown = text(res.text);
      expect(shown).to.include("Deze paginalink is niet meer geldig; ga terug naar de eerste pagina van de beoordelingswachtrij.");
      expect(shown).to.not.include("page link is not valid").and.not.include("first page of the queue");
    });
  });
}
