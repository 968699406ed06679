import { expect } from "chai";
import type { Express } from "express";
import request from "supertest";
import type { Db } from "../../server/db/connection";
import { approve } from "../../server/services/review/decisions";
import { type Agent, buildApp, csrfFrom, signIn } from "../support/app";
import { TestClock, testContext, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { insertCall } from "../support/journey";

/*
 * The applicant's and the public pages speak the language chosen with the switcher cookie: the
 * text checked here comes from the Danish and French catalogues, and the English it replaces
 * must be gone (a key missing in a catalogue falls back to English, which these tests catch).
 */

const DANISH = "vd.lang=da";
/** The page's own content, without the layout's navigation (translated elsewhere). */
const main = (html: string) => defined(/<main[^>]*>([\s\S]*)<\/main>/.exec(html)?.[1], "main");
const FRENCH = "vd.lang=fr";

for (const engine of testDatabases()) {
  describe(`pages in the visitor's language (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let sme: Agent;
    let callId: number;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    const da = (path: string) => sme.get(path).set("Cookie", DANISH);

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db, { clock: clock.now });
      sme = await signIn(app, "sme@demo.test");
      callId = await insertCall(db, { opensAt: "2027-02-01T08:00:00.000Z", closesAt: "2027-04-01T10:00:00.000Z" });
    });
    after(() => db.destroy());

    it("a Danish applicant sees the home, call and apply pages in Danish, and Danish banners after a save", async () => {
      const home = (await da("/applicant").expect(200)).text;
      expect(main(home)).to.include("Mine ansøgninger").and.include("Se de åbne ansøgningsrunder, og søg");
      expect(main(home)).to.not.include("My applications");

      const calls = (await da("/calls").expect(200)).text;
      expect(main(calls)).to.include("Åbne ansøgningsrunder").and.include("Søg om Insight").and.include("Resterende budget");
      expect(main(calls)).to.not.include("Apply for Insight");

      const form = (await da(`/calls/${callId}/apply/MG`).expect(200)).text;
      expect(main(form)).to.include("Søg om Meet &amp; Greet").and.include("Aktivitetens startdato").and.include("Gem som kladde");
      expect(form).to.include("<title>Søg om Meet &amp; Greet");
      expect(main(form)).to.not.include("Save as draft");

      const saved = await sme.post(`/calls/${callId}/apply/MG`).set("Cookie", DANISH).type("form").send({
        _csrf: csrfFrom(form), title: "Besøg hos enzymlaboratorier i Stuttgart", description: "To dages møder", objectives: "Finde partnere",
        expectedResult: "En fælles projektidé", counterpartName: "BioRegio Lab GmbH", counterpartCountry: "DE", counterpartKind: "company",
        activityStart: "2027-04-20", activityEnd: "2027-04-21", costTravel: "250,00", costAccommodation: "150", costOther: "", next: "check",
      }).expect(303);
      const check = (await da(defined(saved.headers.location)).expect(200)).text;
      expect(main(check)).to.include("Din kladde er gemt.").and.include("Tjek dine svar").and.include("Indsend ansøgningen");
      expect(main(check)).to.not.include("Submit the application").and.not.include("Your draft was saved");
    });

    it("the claim page of an accepted voucher is in Danish", async () => {
      const id = Number(defined(await db("applications").where({ title: "Besøg hos enzymlaboratorier i Stuttgart" }).first("id")).id);
      const check = (await da(`/applications/${id}/check`).expect(200)).text;
      await sme.post(`/applications/${id}/submit`).set("Cookie", DANISH).type("form").send({
        _csrf: csrfFrom(check), truthful: "on", smeStatus: "on", deMinimisComplete: "on", noDoubleFunding: "on",
      }).expect(303);
      clock.set("2027-03-05T09:00:00Z");
      await (await approve(testContext(db, await actorByEmail(db, "admin@demo.test"), clock.now), id, { amountCents: 40_000 })).letterWritten;
      const page = (await da(`/applications/${id}`).expect(200)).text;
      expect(page).to.include("Acceptér tilsagnet").and.include("Hent tilsagnsbrevet");
      await sme.post(`/applications/${id}/accept`).set("Cookie", DANISH).type("form").send({ _csrf: csrfFrom(page) }).expect(303);
      expect((await da(`/applications/${id}`).expect(200)).text).to.include("Du har accepteret tilsagnet.");

      clock.set("2027-04-25T09:00:00Z");
      const claim = (await da(`/applications/${id}/claim`).expect(200)).text;
      expect(main(claim)).to.include("Anmodning om udbetaling").and.include("Udgiftslinje 1").and.include("Faktiske udgifter")
        .and.include("Indsend anmodningen om udbetaling");
      expect(main(claim)).to.not.include("Submit the claim").and.not.include("Cost line 1");
    });

    it("the public results page is in French for a visitor who chose French", async () => {
      const res = await request(app).get("/results/public").set("Cookie", FRENCH).expect(200);
      expect(main(res.text)).to.include("Résultats du programme").and.include("Chèques approuvés").and.include("Coopérations par-delà les frontières");
      expect(main(res.text)).to.not.include("Programme results").and.not.include("Vouchers approved");
      const landing = await request(app).get("/").set("Cookie", FRENCH).expect(200);
      expect(main(landing.text)).to.include("Chèques innovation pour les PME des sciences de la vie").and.include("Inscrire votre entreprise");
    });
  });
}
