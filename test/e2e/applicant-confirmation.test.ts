import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { type Agent, buildApp, csrfFrom, csrfToken, signIn } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";
import { insertCall } from "../support/journey";

async function regionId(db: Db, code: string): Promise<number> {
  return Number(defined(await db("regions").where({ code }).first("id")).id);
}


const DECLARE = { truthful: "on", smeStatus: "on", deMinimisComplete: "on", noDoubleFunding: "on" };

for (const engine of testDatabases()) {
  describe(`sign-up confirmation gates submission; findings in plain words (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let callId: number;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db, { clock: clock.now });
      callId = await insertCall(db, { opensAt: "2027-02-01T08:00:00.000Z", closesAt: "2027-04-01T10:00:00.000Z", types: ["MG"] });
    });
    after(() => db.destroy());

    // One company per VAT number: each registration brings its own.
    let registered = 0;
    async function register(email: string): Promise<Agent> {
      const agent = request.agent(app);
      const token = await csrfToken(agent, "/register");
      const res = await agent.post("/register").type("form").send({
        _csrf: token, name: "Nina Holm", email, password: "a-long-enough-passphrase",
        legalName: `Holm Diagnostics ${email}`, vatNumber: `DK998877${String(++registered).padStart(2, "0")}`, address: "Ole Maaløes Vej 5, 2200 København N", country: "DK",
        regionId: String(await regionId(db, "DK")), sectorId: String(defined(await db("sectors").where({ code: "medtech" }).first("id")).id),
        staffHeadcount: "8", turnover: "900000", balanceSheet: "400000",
      });
      expect(res.status, res.text.slice(0, 2000)).to.equal(303);
      return agent;
    }

    async function draft(agent: Agent): Promise<number> {
      const page = await agent.get(`/calls/${callId}/apply/MG`).expect(200);
      const res = await agent.post(`/calls/${callId}/apply/MG`).type("form").send({
        _csrf: csrfFrom(page.text), title: "Visit to Stuttgart diagnostics labs", description: "Two days of meetings", objectives: "Find partners",
        expectedResult: "A joint project idea", counterpartName: "BioRegio Lab GmbH", counterpartCountry: "DE",
        counterpartRegionId: String(await regionId(db, "BW")), counterpartKind: "company",
        activityStart: "2027-04-10", activityEnd: "2027-04-11", costTravel: "250,00", costAccommodation: "150", costOther: "",
      });
      expect(res.status, res.text.slice(0, 2000)).to.equal(303);
      return Number(/\/applications\/(\d+)\//.exec(defined(res.headers.location))![1]);
    }

    const confirmationMails = async (to: string) => db("emails").where({ template: "account-confirmation", to_address: to }).orderBy("id");

    it("an unconfirmed account saves a draft but cannot submit; the check page says so and resends the link, rate-limited", async () => {
      clock.set("2027-03-01T10:00:00Z");
      const agent = await register("nina@holm.test");
      const id = await draft(agent);
      const check = await agent.get(`/applications/${id}/check`).expect(200);
      expect(check.text).to.include("Confirm your e-mail address to submit").and.include("Send the link again");
      expect(check.text).to.not.include("Submit the application</button>");

      const refused = await agent.post(`/applications/${id}/submit`).type("form").send({ _csrf: csrfFrom(check.text), ...DECLARE });
      expect(refused.status).to.equal(422);
      expect(refused.text).to.include("Confirm your e-mail address before submitting").and.include('href="#f-emailConfirmation"');
      expect(defined(await db("applications").where({ id }).first()).state).to.equal("draft");

      expect(await confirmationMails("nina@holm.test")).to.have.length(1);
      const resend = () => agent.post("/account/confirmation").type("form").send({ _csrf: csrfFrom(check.text), next: `/applications/${id}/check` });
      clock.set("2027-03-01T10:11:00Z");
      const first = await resend();
      expect([first.status, first.headers.location]).to.deep.equal([303, `/applications/${id}/check`]);
      expect((await agent.get(`/applications/${id}/check`)).text).to.include("We sent a new confirmation link");
      expect(await confirmationMails("nina@holm.test")).to.have.length(2);
      clock.set("2027-03-01T10:15:00Z");
      expect((await resend()).status).to.equal(303);
      expect((await agent.get(`/applications/${id}/check`)).text).to.include("less than 10 minutes ago").and.include("1 March 2027 at 11:21");
      expect(await confirmationMails("nina@holm.test")).to.have.length(2);

      const mail = (await confirmationMails("nina@holm.test")).at(-1)!;
      await request(app).get(new URL(/http:\/\/localhost:3000\S+/.exec(mail.body_text)![0]).pathname).expect(200);
      const confirmed = await agent.get(`/applications/${id}/check`).expect(200);
      expect(confirmed.text).to.include("Submit the application</button>").and.not.include("Send the link again");
      const ok = await agent.post(`/applications/${id}/submit`).type("form").send({ _csrf: csrfFrom(confirmed.text), ...DECLARE });
      expect(ok.status, ok.text.slice(0, 2000)).to.equal(303);
      expect(defined(await db("applications").where({ id }).first()).state).to.equal("submitted");
    });

    it("allows at most five confirmation links a day", async () => {
      clock.set("2027-03-02T08:00:00Z");
      const agent = await register("ole@holm.test");
      const page = await agent.get("/applicant").expect(200);
      for (let i = 1; i <= 5; i++) {
        clock.set(new Date(Date.parse("2027-03-02T08:00:00Z") + i * 11 * 60_000).toISOString());
        await agent.post("/account/confirmation").type("form").send({ _csrf: csrfFrom(page.text) }).expect(303);
      }
      expect(await confirmationMails("ole@holm.test")).to.have.length(5);
      expect((await agent.get("/applicant")).text).to.include("We have sent 5 links in the last 24 hours");
    });

    it("shows applicants the rules in plain words and managers the words with the rule number", async () => {
      const sme = await signIn(app, "sme@demo.test");
      clock.set("2027-03-01T10:00:00Z");
      const id = await draft(sme);
      const check = await sme.get(`/applications/${id}/check`).expect(200);
      const findings = /<ul class="findings"[\s\S]*?<\/ul>/.exec(check.text)![0];
      expect(findings).to.include("Partner in another region: met").and.include("Small or medium-sized enterprise: met");
      expect(findings).to.not.match(/\bR\d+\b/);
      const submitted = await sme.post(`/applications/${id}/submit`).type("form").send({ _csrf: csrfFrom(check.text), ...DECLARE });
      expect(submitted.status).to.equal(303);
      const detail = await sme.get(`/applications/${id}`).expect(200);
      expect(/<ul class="findings">[\s\S]*?<\/ul>/.exec(detail.text)![0]).to.include("Partner in another region: met").and.not.match(/\bR\d+\b/);

      const manager = await signIn(app, "manager@demo.test");
      const review = await manager.get(`/manager/applications/${id}`).expect(200);
      expect(/<ul class="findings">[\s\S]*?<\/ul>/.exec(review.text)![0]).to.include("Partner in another region (R8) met").and.include("Small or medium-sized enterprise (R6) met");
    });
  });
}
