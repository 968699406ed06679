import { expect } from "chai";
import { approve } from "../../server/services/review/decisions";
import { type Agent, csrfFrom, postForm, signIn } from "../support/app";
import { testContext, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { actorByEmail } from "../support/fixtures";
import { insertClaim, insertSubmitted, seedCall, eachManagerSession } from "../support/journey";

/** The no-break space that groups thousands in French amounts. */
const NBSP = "\u00A0";

/**
 * A verified claim's payable explanation is stored as a message, so the manager's claim page, the
 * applicant's page and the applicant's e-mail each read it in their reader's language, with the
 * amounts, the original foreign amount and the rate in that language's number format. A claim
 * verified when the explanation was stored as English text still shows that text.
 */

/** The visible text of a page, tags dropped and white space (not the no-break space) folded. */
const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/&#x27;/g, "'").replace(/&#x3D;/g, "=").replace(/&amp;/g, "&").replace(/[ \t\r\n]+/g, " ");

for (const engine of testDatabases()) {
  describe(`a claim's payable explanation in the reader's language (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    const w = eachManagerSession(engine);

    const get = (agent: Agent, url: string, lang: string) => agent.get(url).set("Cookie", `vd.lang=${lang}`);

    /** An approved Meet & Greet with a claim of EUR 200.00 and DKK 2,000.00, verified by a German w.manager at 7.4604 DKK per EUR. */
    async function verifiedClaim() {
      const callId = await seedCall(w.db, w.clock.now);
      const id = await insertSubmitted(w.db, { email: "sme@demo.test", callId, type: "MG", requestedCents: 50_000 });
      await (await approve(testContext(w.db, await actorByEmail(w.db, "manager@demo.test"), w.clock.now), id, {})).letterWritten;
      const claimId = await insertClaim(w.db, id, [
        { incurredOn: "2027-04-10", currency: "EUR", originalMinor: 20_000, description: "Flight" },
        { incurredOn: "2027-04-11", currency: "DKK", originalMinor: 200_000, description: "Hotel in Copenhagen" },
      ]);
      w.clock.set("2027-05-02T10:00:00Z");
      const finance = await signIn(w.app, "finance@demo.test");
      expect((await postForm(finance, "/finance/rates", "/finance/rates", { currency: "DKK", month: "2027-05", rate: "7.4604" })).status).to.equal(303);
      await w.db("users").where({ email: "sme@demo.test" }).update({ language: "nl" });
      const [eur, dkk] = (await w.db("claim_cost_lines").where({ claim_id: claimId }).orderBy("id").pluck("id")).map(Number);
      const page = `/manager/claims/${claimId}`;
      const token = csrfFrom((await get(w.manager, page, "de")).text);
      const res = await w.manager.post(`${page}/verify`).set("Cookie", "vd.lang=de").type("form")
        .send({ _csrf: token, [`eligible_${String(eur)}`]: "yes", [`eligible_${String(dkk)}`]: "yes", intent: "verify" });
      expect(res.status, res.text).to.equal(303);
      return { id, claimId, page };
    }

    it("reads in German and French on the manager's page, in Danish on the applicant's, in Dutch in the e-mail, and unchanged in English", async () => {
      const { id, claimId, page } = await verifiedClaim();

      const de = text((await get(w.manager, page, "de").expect(200)).text);
      expect(de).to.include("Förderfähige Kosten 200,00 EUR + 268,08 EUR (DKK 2.000,00 zum Kurs 7,4604 für 2027-05) = 468,08 EUR;")
        .and.include("der Bewilligung von 500,00 EUR: 468,08 EUR (R14");
      expect(de).to.not.include("Eligible costs").and.not.include("7.4604 for");
      // The banner after verifying and the cost lines beside the explanation write their figures the same way.
      expect(de).to.include("468,08 EUR sind auszahlbar").and.include("DKK 2.000,00").and.include("7,4604 DKK je EUR, 2027-05");
      expect(de).to.not.include("EUR 468.08").and.not.include("2000.00").and.not.include("7.4604");

      const fr = text((await get(w.manager, page, "fr").expect(200)).text);
      expect(fr).to.include(`Coûts éligibles 200,00 EUR + 268,08 EUR (DKK 2${NBSP}000,00 au taux de 7,4604 pour 2027-05) = 468,08 EUR`);

      const english = "Eligible costs EUR 200.00 + EUR 268.08 (DKK 2000.00 at 7.4604 for 2027-05) = EUR 468.08; payable is the lower of that and the award of EUR 500.00: EUR 468.08 (R14, actual costs up to the award).";
      expect(text((await get(w.manager, page, "en").expect(200)).text)).to.include(english);
      // The row keeps the English rendering beside the message, as decision records keep findings.
      const stored = JSON.parse(defined(defined(await w.db("claims").where({ id: claimId }).first()).payable_explanation)) as { message: string; text: { key: string } };
      expect(stored.message).to.equal(english);
      expect(stored.text.key).to.equal("errors:claims.explanation.capped");

      // The applicant reads in Danish now; the e-mail went out while their choice was Dutch.
      await w.db("users").where({ email: "sme@demo.test" }).update({ language: "da" });
      const sme = await signIn(w.app, "sme@demo.test");
      const da = text((await get(sme, `/applications/${id}`, "da").expect(200)).text);
      expect(da).to.include("Støtteberettigede udgifter 200,00 EUR + 268,08 EUR (DKK 2.000,00 til kurs 7,4604 for 2027-05) = 468,08 EUR;");
      expect(da).to.not.include("Eligible costs");

      const mail = defined(await w.db("emails").where({ to_address: "sme@demo.test", template: "claim-verified" }).first(), "e-mail");
      expect(mail.body_text).to.include("Subsidiabele kosten EUR 200,00 + EUR 268,08 (DKK 2.000,00 tegen koers 7,4604 voor 2027-05) = EUR 468,08;");
      expect(mail.body_text).to.not.include("Eligible costs");
    });

    it("shows the English text of a claim verified before the explanation was stored as a message", async () => {
      const { page, claimId } = await verifiedClaim();
      const before = "Eligible costs EUR 200.00 = EUR 200.00; payable is the lower of that and the award of EUR 500.00: EUR 200.00 (R14, actual costs up to the award).";
      await w.db("claims").where({ id: claimId }).update({ payable_explanation: before });
      expect(text((await get(w.manager, page, "de").expect(200)).text)).to.include(before);
    });
  });
}
