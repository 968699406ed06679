import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { insertApproved, insertDraft, insertSubmitted, seedCall, startManagerWorld } from "../support/journey";

/*
 * R10 on the open-calls page: what the rule already decides for the company is said where the
 * applicant chooses a voucher, not after a form is filled in. A draft of the type is continued,
 * a submitted application of the type is named, and a voucher whose claim is open stops every
 * new application (the scheme's default).
 */
for (const engine of testDatabases()) {
  describe(`open calls say what R10 already decides (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let callId: number;

    before(async () => {
      ({ db, app } = await startManagerWorld(engine, "2027-02-10T10:00:00.000Z"));
      callId = await seedCall(db, () => new Date("2027-02-10T10:00:00.000Z"));
    });
    after(() => db.destroy());

    const cellOf = (html: string, type: string) => defined(new RegExp(`<th scope="row">${type}</th>[\\s\\S]*?<td>([\\s\\S]*?)</td>\\s*</tr>`).exec(html), type)[1] as string;

    it("offers every type to a company without applications, and continues a draft instead of starting a second", async () => {
      const sme = await signIn(app, "amager@demo.test");
      const fresh = (await sme.get("/calls").expect(200)).text;
      for (const type of ["Meet &amp; Greet", "Insight", "Collaboration"]) expect(cellOf(fresh, type), type).to.include(`/calls/${callId}/apply/`);
      expect(fresh).to.not.include('id="open-claim"');

      const draft = await insertDraft(db, { email: "amager@demo.test", callId, type: "MG" });
      const submitted = await insertSubmitted(db, { email: "amager@demo.test", callId, type: "IN", submittedAt: "2027-02-09T10:00:00.000Z" });
      const page = (await sme.get("/calls").expect(200)).text;
      expect(cellOf(page, "Meet &amp; Greet")).to.include(`href="/applications/${draft}/edit"`).and.include("Continue your Meet &amp; Greet draft").and.not.include("/apply/");
      expect(cellOf(page, "Insight")).to.include("already has an application for the Insight voucher in this call").and.include(`href="/applications/${submitted}"`).and.not.include("/apply/");
      expect(cellOf(page, "Collaboration")).to.include(`/calls/${callId}/apply/CO`);
    });

    it("a voucher whose claim is open stops every new application, said once above the calls", async () => {
      const { applicationId, reference } = await insertApproved(db, { email: "sme@demo.test", callId, type: "CO", submittedAt: "2027-02-09T10:00:00.000Z" });
      const sme = await signIn(app, "sme@demo.test");
      const page = (await sme.get("/calls").expect(200)).text;
      const banner = defined(/<div class="banner banner--warning" id="open-claim">([\s\S]*?)<\/div>/.exec(page), "banner")[1] as string;
      expect(banner).to.include("(R10)").and.include("a voucher whose claim is still open").and.include(`href="/applications/${applicationId}"`).and.include(reference);
      for (const type of ["Meet &amp; Greet", "Insight"]) expect(cellOf(page, type), type).to.include("Not while a claim is open").and.not.include("/apply/");
      expect(cellOf(page, "Collaboration")).to.include("already has an application for the Collaboration voucher");
    });
  });
}
