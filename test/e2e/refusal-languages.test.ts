import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { type Agent, buildApp, csrfFrom, signIn } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";
import { insertCall } from "../support/journey";

/*
 * Refusals, field errors and eligibility findings in the reader's language: the services return
 * messages with raw dates and amounts, and the page writes them in its own language and
 * conventions. `?lang=` picks the page's language for one request.
 */

const DECLARE = { truthful: "on", smeStatus: "on", deMinimisComplete: "on", noDoubleFunding: "on" };
const NBSP = "\u00A0";

function fields(over: Record<string, string> = {}): Record<string, string> {
  return {
    title: "Visit to Stuttgart enzyme labs", description: "Two days of meetings", objectives: "Find partners",
    expectedResult: "A joint project idea", counterpartName: "BioRegio Lab GmbH", counterpartCountry: "DE",
    counterpartKind: "company", activityStart: "2027-04-10", activityEnd: "2027-04-11",
    costTravel: "250,00", costAccommodation: "150", costOther: "", ...over,
  };
}

for (const engine of testDatabases()) {
  describe(`refusals and findings in the reader's language (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let sme: Agent;
    let callId: number;
    let closedCallId: number;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    async function token(agent: Agent, page: string): Promise<string> {
      const res = await agent.get(page);
      expect(res.status, `GET ${page}`).to.equal(200);
      return csrfFrom(res.text);
    }

    async function draft(type: string, over: Record<string, string> = {}, lang = "en") {
      const page = `/calls/${callId}/apply/${type}`;
      return sme.post(`${page}?lang=${lang}`).type("form").send({ _csrf: await token(sme, page), ...fields(over) });
    }

    async function draftId(type: string): Promise<number> {
      const res = await draft(type);
      expect(res.status, res.text.slice(0, 2000)).to.equal(303);
      return Number(defined(/\/applications\/(\d+)\//.exec(defined(res.headers.location)))[1]);
    }

    async function submit(id: number, lang: string) {
      return sme.post(`/applications/${id}/submit?lang=${lang}`).type("form").send({ _csrf: await token(sme, `/applications/${id}/check`), ...DECLARE });
    }

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db, { clock: clock.now });
      sme = await signIn(app, "sme@demo.test");
      callId = await insertCall(db, { opensAt: "2027-02-01T08:00:00.000Z", closesAt: "2027-04-01T10:00:00.000Z" });
      closedCallId = await insertCall(db, { opensAt: "2027-01-01T08:00:00.000Z", closesAt: "2027-02-15T11:00:00.000Z", title: "Winter call" });
    });
    after(() => db.destroy());

    it("R3: a closed call refuses in Danish and German, the closing moment written in each language", async () => {
      const da = await sme.get(`/calls/${closedCallId}/apply/IN?lang=da`);
      expect(da.status).to.equal(422);
      expect(da.text).to.include("Ansøgningsrunden lukkede 15. februar 2027 kl. 12.00 (Europe/Copenhagen-tid); der kan ikke længere oprettes nye ansøgninger.");
      const de = await sme.get(`/calls/${closedCallId}/apply/IN?lang=de`);
      expect(de.status).to.equal(422);
      expect(de.text).to.include("Die Ausschreibung endete am 15. Februar 2027 um 12:00 Uhr (Zeitzone Europe/Copenhagen); neue Anträge können nicht mehr begonnen werden.");
      expect(de.text).to.include("<title>Bitte prüfen Sie Ihre Angaben");
      expect(de.text).to.not.include("The call closed");
    });

    it("R1: an unreadable amount is refused beside its field in German and Danish, with the summary", async () => {
      const de = await draft("MG", { costTravel: "1.234" }, "de");
      expect(de.status).to.equal(422);
      expect(de.text).to.include("„1.234“ ist nicht eindeutig: Gemeint sein können 1234 Euro oder 1.234 Euro.");
      expect(de.text).to.include("Einige Angaben müssen Sie noch prüfen.");
      expect(de.text).to.match(/id="f-costTravel-error">.*„1\.234“ ist nicht eindeutig/);
      expect(de.text).to.include('value="1.234"');
      const da = await draft("MG", { costTravel: "-5" }, "da");
      expect(da.status).to.equal(422);
      expect(da.text).to.include("Beløbet kan ikke være negativt. Indtast det uden minustegn eller parenteser.");
      expect(da.text).to.not.include("The amount cannot be negative");
    });

    it("R10: a second application of the same type in the call is refused in German, and its finding shown in French", async () => {
      const first = await draftId("IN");
      const submitted = await submit(first, "en");
      expect(submitted.status, submitted.text.slice(0, 3000)).to.equal(303);
      const second = await draftId("IN");
      const de = await submit(second, "de");
      expect(de.status).to.equal(422);
      expect(de.text).to.include("Der Antrag kann nicht eingereicht werden: Das Unternehmen hat in dieser Ausschreibung bereits einen Antrag für Insight; je Ausschreibung ist nur ein Gutschein jeder Art zulässig.");
      expect(defined(await db("applications").where({ id: second }).first()).state).to.equal("draft");

      // The applicant's pre-check in French: the findings with dates and amounts in French conventions.
      const fr = await sme.get(`/applications/${second}/check?lang=fr`).expect(200);
      expect(fr.text).to.include("L&#x27;appel à candidatures est ouvert jusqu&#x27;au 1er avril 2027 à 12 h 00 (heure de Europe/Copenhagen) et propose le chèque Insight.");
      // The blocking reason above the findings is French as well.
      expect(fr.text).to.include("<li>L&#x27;entreprise a déjà une demande Insight dans cet appel à candidatures ; un seul chèque de chaque type est autorisé par appel.</li>");
      expect(fr.text).to.include("L&#x27;activité commence le 10 avril 2027, après aujourd&#x27;hui (1er mars 2027).");
      expect(fr.text).to.include(`plus cette attribution (4${NBSP}000,00 EUR)`);
      expect(fr.text).to.include("un seul chèque de chaque type est autorisé par appel");
      expect(fr.text).to.not.include("De minimis: declared aid");
    });
  });
}
