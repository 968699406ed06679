import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { type Agent, buildApp, csrfFrom, signIn } from "../support/app";
import { approve } from "../../server/services/review/decisions";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";
import { insertCall } from "../support/journey";

export async function regionId(db: Db, code: string): Promise<number> {
  return Number(defined(await db("regions").where({ code }).first("id")).id);
}

const DECLARE = { truthful: "on", smeStatus: "on", deMinimisComplete: "on", noDoubleFunding: "on" };

for (const engine of testDatabases()) {
  describe(`applicant journey over HTTP (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let sme: Agent;
    let other: Agent;
    let callId: number;
    let closedCallId: number;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    async function form(agent: Agent, page: string) {
      const res = await agent.get(page);
      expect(res.status, `GET ${page}`).to.equal(200);
      return csrfFrom(res.text);
    }

    async function draft(agent: Agent, call: number, type: string, fields: Record<string, string>) {
      const token = await form(agent, `/calls/${call}/apply/${type}`);
      return agent.post(`/calls/${call}/apply/${type}`).type("form").send({ _csrf: token, ...fields });
    }

    function mgFields(over: Record<string, string> = {}): Record<string, string> {
      return {
        title: "Visit to Stuttgart enzyme labs", description: "Two days of meetings", objectives: "Find partners",
        expectedResult: "A joint project idea", counterpartName: "BioRegio Lab GmbH", counterpartCountry: "DE",
        counterpartKind: "company", activityStart: "2027-04-10", activityEnd: "2027-04-11",
        costTravel: "250,00", costAccommodation: "150", costOther: "", ...over,
      };
    }

    async function createDraftId(agent: Agent, call: number, type: string, fields: Record<string, string>): Promise<number> {
      const res = await draft(agent, call, type, fields);
      expect(res.status, res.text.slice(0, 2000)).to.equal(303);
      return Number(/\/applications\/(\d+)\//.exec(defined(res.headers.location))![1]);
    }

    async function submit(agent: Agent, id: number, fields: Record<string, string> = DECLARE) {
      const token = await form(agent, `/applications/${id}/check`);
      return agent.post(`/applications/${id}/submit`).type("form").send({ _csrf: token, ...fields });
    }

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db, { clock: clock.now });
      sme = await signIn(app, "sme@demo.test");
      other = await signIn(app, "oresund@demo.test");
      callId = await insertCall(db, { opensAt: "2027-02-01T08:00:00.000Z", closesAt: "2027-04-01T10:00:00.000Z" });
      closedCallId = await insertCall(db, { opensAt: "2027-01-01T08:00:00.000Z", closesAt: "2027-02-15T11:00:00.000Z", title: "Winter call" });
    });
    after(() => db.destroy());
    beforeEach(() => clock.set("2027-03-01T10:00:00Z"));

    it("lists the open call with its types, closing moment in the programme zone and remaining budget", async () => {
      const res = await sme.get("/calls").expect(200);
      expect(res.text).to.include("Spring call 2027").and.include("1 Apr 2027, 12:00").and.include("Meet &amp; Greet");
      expect(res.text).to.include("EUR 100,000.00").and.not.include("Winter call");
    });

    it("saves a draft, shows check-your-answers, submits, queues the e-mail; a second click changes nothing", async () => {
      const id = await createDraftId(sme, callId, "MG", mgFields({ title: "" }));
      const check = await sme.get(`/applications/${id}/check`).expect(200);
      expect(check.text).to.include("Enter a title for the activity.");
      const incomplete = await submit(sme, id);
      expect(incomplete.status).to.equal(422);
      expect(incomplete.text).to.include("Enter a title for the activity.");

      const token = await form(sme, `/applications/${id}/edit`);
      const saved = await sme.post(`/applications/${id}/edit`).type("form").send({ _csrf: token, ...mgFields(), next: "check" });
      expect(saved.status).to.equal(303);
      expect(saved.headers.location).to.equal(`/applications/${id}/check`);

      const noDecl = await submit(sme, id, {});
      expect(noDecl.status).to.equal(422);
      expect(noDecl.text).to.include("Confirm that the information you gave is true and complete.");

      const ok = await submit(sme, id);
      expect(ok.status, ok.text.slice(0, 3000)).to.equal(303);
      const row = defined(await db("applications").where({ id }).first(), "row");
      expect(row.state).to.equal("submitted");
      expect(Number(row.requested_cents)).to.equal(40_000);
      expect((JSON.parse(defined(row.submission_json)) as { title: string }).title).to.equal("Visit to Stuttgart enzyme labs");
      expect(JSON.parse(defined(row.eligibility_json))).to.be.an("array").that.is.not.empty;
      const mail = defined(await db("emails").where({ template: "submission-received" }).first(), "mail");
      expect(mail.to_address).to.equal("sme@demo.test");
      expect(mail.subject).to.include(row.reference);

      const again = await sme.post(`/applications/${id}/submit`).type("form").send({ _csrf: csrfFrom((await sme.get("/applicant")).text), ...DECLARE });
      expect(again.status).to.equal(303);
      const page = await sme.get(`/applications/${id}`).expect(200);
      expect(page.text).to.include("already been submitted");
      expect(await db("audit_events").where({ action: "application.submit", entity_id: String(id) }).count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(1);
      expect(page.text).to.include("Submit").and.include("Application draft created");
      // The browser's back button to the check page offers no second submission.
      const back = await sme.get(`/applications/${id}/check`).expect(200);
      expect(back.text).to.not.include(`action="/applications/${id}/submit"`);
      expect(back.text).to.include('State of this application: <span class="tag tag--progress" data-family="progress">Submitted</span>');

      // Edits are refused once submitted.
      const edit = await sme.post(`/applications/${id}/edit`).type("form").send({ _csrf: token, ...mgFields({ title: "Changed" }) });
      expect(edit.status).to.equal(409);
      expect(defined(await db("applications").where({ id }).first()).title).to.equal("Visit to Stuttgart enzyme labs");

      // R10: a second Meet & Greet in the same call is refused at submission.
      const second = await createDraftId(sme, callId, "MG", mgFields({ title: "Another trip" }));
      const refused = await submit(sme, second);
      expect(refused.status).to.equal(422);
      expect(refused.text).to.include("already has an application for the Meet &amp; Greet voucher in this call");
      expect(defined(await db("applications").where({ id: second }).first()).state).to.equal("draft");

      const home = await sme.get("/applicant").expect(200);
      expect(home.text).to.include('<span class="tag tag--progress" data-family="progress">Submitted</span>').and.include("Wait for the cluster manager&#x27;s decision.");
      expect(page.text).to.include('State: <span class="tag tag--progress" data-family="progress">Submitted</span>');

      // Withdraw before the decision.
      const wtoken = csrfFrom((await sme.get(`/applications/${id}`)).text);
      await sme.post(`/applications/${id}/withdraw`).type("form").send({ _csrf: wtoken }).expect(303);
      expect(defined(await db("applications").where({ id }).first()).state).to.equal("withdrawn");
    });

    it("refuses submission after the call has closed (R3), naming the closing moment", async () => {
      const id = await createDraftId(sme, callId, "IN", mgFields({ costTravel: "", costAccommodation: "" }));
      clock.set("2027-04-01T10:00:00Z"); // the closing moment itself is closed
      const res = await submit(sme, id);
      expect(res.status).to.equal(422);
      expect(res.text).to.include("The call closed on 1 April 2027 at 12:00 (Europe/Copenhagen time)");
      expect(defined(await db("applications").where({ id }).first()).state).to.equal("draft");
      clock.set("2027-03-01T10:00:00Z");
      await sme.post(`/applications/${id}/withdraw`).type("form").send({ _csrf: csrfFrom((await sme.get(`/applications/${id}`)).text) }).expect(303);
    });

    it("does not start an application in a closed call (R3)", async () => {
      const form = await sme.get(`/calls/${closedCallId}/apply/IN`);
      expect(form.status).to.equal(422);
      expect(form.text).to.include("new applications can no longer be started");
      const token = csrfFrom((await sme.get("/applicant")).text);
      const res = await sme.post(`/calls/${closedCallId}/apply/IN`).type("form").send({ _csrf: token, ...mgFields() });
      expect(res.status).to.equal(422);
      expect(res.text).to.include("The call closed on 15 February 2027 at 12:00 (Europe/Copenhagen time); new applications can no longer be started.");
    });

    it("refuses a counterpart in the company's own region (R8)", async () => {
      const id = await createDraftId(sme, callId, "CO", mgFields({ counterpartRegionId: String(await regionId(db, "DK")) }));
      const res = await submit(sme, id);
      expect(res.status).to.equal(422);
      expect(res.text).to.include("The counterpart is in the same region as the company (Capital Region of Denmark)");
      expect(res.text).to.include('href="#f-findings"').and.include('id="f-findings"');
    });

    it("refuses an activity date that has passed (R11)", async () => {
      const id = await createDraftId(sme, callId, "IN", mgFields({ activityStart: "2027-02-20", activityEnd: "2027-02-21" }));
      const res = await submit(sme, id);
      expect(res.status).to.equal(422);
      expect(res.text).to.include("The activity start date 20 February 2027 has passed (today is 1 March 2027)");
    });

    it("refuses a company that is not an SME (R6) with the reason", async () => {
      const brabant = defined(await db("users").where({ email: "brabant@demo.test" }).first("company_id"), "brabant");
      await db("companies").where({ id: defined(brabant.company_id) }).update({ staff_headcount: 300, turnover_cents: 9_000_000_000, balance_sheet_cents: 9_000_000_000 });
      const agent = await signIn(app, "brabant@demo.test");
      const id = await createDraftId(agent, callId, "IN", mgFields());
      const res = await submit(agent, id);
      expect(res.status).to.equal(422);
      expect(res.text).to.include("Not an SME under EU Recommendation 2003/361/EC");
    });

    it("Meet & Greet: 600 euros is refused at saving, 0 euros at submission", async () => {
      const over = await draft(sme, callId, "MG", mgFields({ costTravel: "400", costAccommodation: "200" }));
      expect(over.status).to.equal(422);
      expect(over.text).to.include("The planned costs add up to EUR 600.00, above the Meet &amp; Greet cap of EUR 500.00");
      expect(over.text).to.include('value="400"');
      expect(over.text, "beside the costs as a group, not under one of its lines").to.match(/<p class="error-message" id="f-costs-error">[^<]*<span[^>]*>[^<]*<\/span> The planned costs add up to EUR 600\.00/);
      expect(over.text).to.include('<a href="#f-costs">The planned costs add up').and.not.include('id="f-costOther-error"');
      const abroad = await draft(sme, callId, "MG", mgFields({ counterpartCountry: "XX" }));
      expect(abroad.status, "XX is no country").to.equal(422);
      expect(abroad.text).to.match(/id="f-counterpartCountry-error"[^>]*>[\s\S]*?Enter the two-letter country code/);

      const agent = await signIn(app, "amager@demo.test");
      const id = await createDraftId(agent, callId, "MG", mgFields({ costTravel: "0", costAccommodation: "0,00" }));
      const zero = await submit(agent, id);
      expect(zero.status).to.equal(422);
      expect(zero.text).to.include("the total must be more than EUR 0.00");
    });

    it("money input: 4.000,00 is read as four thousand, 1.234 is refused as ambiguous", async () => {
      const big = await draft(sme, callId, "MG", mgFields({ costTravel: "4.000,00", costAccommodation: "" }));
      expect(big.status).to.equal(422);
      expect(big.text).to.include("EUR 4,000.00");
      const ambiguous = await draft(sme, callId, "MG", mgFields({ costTravel: "1.234" }));
      expect(ambiguous.status).to.equal(422);
      expect(ambiguous.text).to.include("is unclear: it could mean 1234 euros or 1.234 euros");
      const fine = await createDraftId(sme, callId, "MG", mgFields({ costTravel: "EUR 120,50", costAccommodation: "", costOther: "" }));
      expect(Number(defined(await db("applications").where({ id: fine }).first()).cost_travel_cents)).to.equal(12_050);
    });

    describe("attachments and other companies", () => {
      let id: number;
      const pdf = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

      async function uploadTo(agent: Agent, appId: number, content: Buffer, name: string) {
        const token = await form(agent, `/applications/${appId}/edit`);
        return agent.post(`/applications/${appId}/attachments`).field("_csrf", token).attach("files", content, name);
      }

      before(async () => {
        id = await createDraftId(sme, callId, "CO", mgFields({ title: "Collaboration draft" }));
      });

      it("accepts a PDF and serves it to its company only", async () => {
        const res = await uploadTo(sme, id, pdf, "offer.pdf");
        expect(res.status, res.text.slice(0, 1500)).to.equal(303);
        const att = defined(await db("attachments").where({ application_id: id }).first(), "att");
        expect(att.mime).to.equal("application/pdf");
        const got = await sme.get(`/attachments/${att.id}`).expect(200);
        expect(got.headers["content-type"]).to.include("application/pdf");
        await other.get(`/attachments/${att.id}`).expect(404);
        await other.get(`/applications/${id}`).expect(404);
        await other.get(`/applications/${id}/edit`).expect(404);
        await other.get(`/applications/${id}/check`).expect(404);
        const token = csrfFrom((await other.get("/applicant")).text);
        await other.post(`/applications/${id}/withdraw`).type("form").send({ _csrf: token }).expect(404);
        expect(defined(await db("applications").where({ id }).first()).state).to.equal("draft");
      });

      it("refuses a text file renamed .pdf, an empty file and an 11 MB file", async () => {
        const fake = await uploadTo(sme, id, Buffer.from("just some text pretending to be a pdf"), "invoice.pdf");
        expect(fake.status).to.equal(422);
        expect(fake.text).to.include("is not a PDF, PNG or JPEG file");
        const empty = await uploadTo(sme, id, Buffer.alloc(0), "empty.pdf");
        expect(empty.status).to.equal(422);
        expect(empty.text).to.include("is empty");
        const huge = await uploadTo(sme, id, Buffer.concat([pdf, Buffer.alloc(11 * 1024 * 1024)]), "huge.pdf");
        expect(huge.status).to.equal(413);
        expect(huge.text).to.include("10 MB");
        expect(await db("attachments").where({ application_id: id }).count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(1);
      });

      it("stores every file of one upload", async () => {
        const token = await form(sme, `/applications/${id}/edit`);
        const res = await sme.post(`/applications/${id}/attachments`).field("_csrf", token)
          .attach("files", pdf, "quote.pdf").attach("files", pdf, "letter.pdf");
        expect(res.status, res.text.slice(0, 1500)).to.equal(303);
        const names = (await db("attachments").where({ application_id: id }).orderBy("id")).map((a) => a.original_name);
        expect(names.slice(-2)).to.deep.equal(["quote.pdf", "letter.pdf"]);
        expect((await sme.get(`/applications/${id}/edit`)).text).to.contain("2 files were added.");
      });

      it("no manager sees the application while it is a draft, not even the region's", async () => {
        const manager = await signIn(app, "manager@demo.test");
        expect(defined(await db("applications").where({ id }).first()).state).to.equal("draft");
        await manager.get(`/applications/${id}`).expect(404);
        const nl = await signIn(app, "manager.nl@demo.test");
        await nl.get(`/applications/${id}`).expect(404);
      });
    });

    describe("after approval: accept and claim", () => {
      let id: number;
      before(async () => {
        const agent = await signIn(app, "neckar@demo.test");
        id = await createDraftId(agent, callId, "MG", mgFields({ counterpartRegionId: String(await regionId(db, "DK")), activityStart: "2027-04-20", activityEnd: "2027-04-21" }));
        expect((await submit(agent, id)).status).to.equal(303);
        // The approval is another journey: through its service, as an administrator (no BW manager in the demo).
        clock.set("2027-03-05T09:00:00Z");
        await (await approve(testContext(db, await actorByEmail(db, "admin@demo.test"), clock.now), id, { amountCents: 40_000 })).letterWritten;
        const row = defined(await db("applications").where({ id }).first(), "row");
        expect([row.approved_on, row.claim_deadline]).to.deep.equal(["2027-03-05", "2027-07-03"]);
        sme = agent;
      });

      it("links the award letter, which another company cannot download", async () => {
        const page = await sme.get(`/applications/${id}`).expect(200);
        expect(page.text).to.include(`href="/applications/${id}/award-letter.pdf"`);
        const pdf = await sme.get(`/applications/${id}/award-letter.pdf`);
        expect(pdf.status).to.equal(200);
        await other.get(`/applications/${id}/award-letter.pdf`).expect(404);
      });

      it("accepts the award, recording who and when; the claim form opens only after acceptance", async () => {
        clock.set("2027-03-06T09:00:00Z");
        const early = await sme.get(`/applications/${id}/claim`).expect(303);
        expect(early.headers.location).to.equal(`/applications/${id}`);
        expect((await sme.get(`/applications/${id}`)).text).to.include("Accept the award first");
        const page = await sme.get(`/applications/${id}`).expect(200);
        expect(page.text).to.include("Accept the award").and.include("Download the award letter");
        await sme.post(`/applications/${id}/accept`).type("form").send({ _csrf: csrfFrom(page.text) }).expect(303);
        const row = defined(await db("applications").where({ id }).first(), "row");
        expect(row.state).to.equal("accepted");
        expect(row.accepted_at).to.equal("2027-03-06T09:00:00.000Z");
        expect(row.accepted_by).to.not.equal(null);
      });

      async function claim(fields: Record<string, string>) {
        const token = await form(sme, `/applications/${id}/claim`);
        const req = sme.post(`/applications/${id}/claim`).field("_csrf", token);
        for (const [k, v] of Object.entries(fields)) req.field(k, v);
        return req;
      }

      // A claim on 25 April 2027 with one train ticket; each case changes the line's date or currency.
      const refusedLines = [
        { title: "a cost dated before the approval (R11), naming both dates", date: "2027-03-04", currency: "EUR", says: "Cost line 1 is dated 4 March 2027, before the approval on 5 March 2027" },
        { title: "a cost dated after today: it has not been incurred yet", date: "2027-04-26", currency: "EUR", says: "Cost line 1 is dated 26 April 2027, after the day of the claim (25 April 2027)" },
        { title: "a cost in a currency that is not one (XXX), beside the line", date: "2027-04-21", currency: "XXX", says: "Cost line 1: enter a three-letter currency code such as EUR or DKK." },
      ];
      for (const c of refusedLines) {
        it(`refuses ${c.title}`, async () => {
          clock.set("2027-04-25T09:00:00Z");
          const res = await claim({ report: "We met four labs.", date_0: c.date, description_0: "Train ticket", currency_0: c.currency, amount_0: "120,00" });
          expect(res.status).to.equal(422);
          expect(res.text).to.include(c.says);
          expect(defined(await db("applications").where({ id }).first()).state).to.equal("accepted");
        });
      }

      it("refuses a claim after the claim deadline (R12), naming the deadline, before the daily job has run", async () => {
        clock.set("2027-07-04T09:00:00Z");
        const page = await sme.get(`/applications/${id}/claim`).expect(303);
        expect(page.headers.location).to.equal(`/applications/${id}`);
        const detail = (await sme.get(`/applications/${id}`).expect(200)).text;
        expect(detail).to.include("the claim deadline was 3 July 2027 and the voucher has expired").and.include(">Expired<");
        expect((await sme.get("/applicant").expect(200)).text).to.match(new RegExp(`/applications/${id}"[\\s\\S]*?<span class="tag tag--negative" data-family="negative">Expired</span>`));
        const token = await form(sme, `/applications/${id}`);
        const res = await sme.post(`/applications/${id}/claim`).field("_csrf", token)
          .field("report", "We met four labs.").field("date_0", "2027-04-20").field("description_0", "Train ticket").field("currency_0", "EUR").field("amount_0", "120,00");
        expect(res.status).to.equal(422);
        expect(res.text).to.include("The claim deadline was 3 July 2027 and today is 4 July 2027");
        expect(defined(await db("applications").where({ id }).first()).state).to.equal("accepted");
      });

      it("before the activity has ended the claim page says from which day a claim can be made (R11)", async () => {
        clock.set("2027-04-20T09:00:00Z");
        const page = (await sme.get(`/applications/${id}/claim`).expect(200)).text;
        expect(page).to.include("The activity ends on 21 April 2027; a claim can be submitted from that day on until 3 July 2027");
        expect(page).to.not.include(`action="/applications/${id}/claim"`);
        expect((await sme.get(`/applications/${id}`)).text).to.include("The activity ends on 21 April 2027");
        const token = await form(sme, `/applications/${id}`);
        const res = await sme.post(`/applications/${id}/claim`).field("_csrf", token)
          .field("report", "We met four labs.").field("date_0", "2027-04-20").field("description_0", "Train ticket").field("currency_0", "EUR").field("amount_0", "120,00");
        expect(res.status).to.equal(422);
        expect(defined(await db("applications").where({ id }).first()).state).to.equal("accepted");
      });

      it("accepts a claim on the deadline day; foreign-currency lines wait for the Commission rate", async () => {
        clock.set("2027-07-03T20:00:00Z");
        const res = await claim({
          report: "We met four labs.", date_0: "2027-04-20", description_0: "Train ticket", currency_0: "EUR", amount_0: "120,00",
          date_1: "2027-04-20", description_1: "Hotel", currency_1: "DKK", amount_1: "1.050,00",
        });
        expect(res.status, res.text.slice(0, 2000)).to.equal(303);
        expect(defined(await db("applications").where({ id }).first()).state).to.equal("claim-submitted");
        const claimRow = defined(await db("claims").where({ application_id: id }).first(), "claimRow");
        const lines = await db("claim_cost_lines").where({ claim_id: claimRow.id }).orderBy("id");
        expect(lines.map((l) => [l.currency, Number(l.original_minor), l.eur_cents === null ? null : Number(l.eur_cents)])).to.deep.equal([["EUR", 12_000, 12_000], ["DKK", 105_000, null]]);
        expect(await db("emails").where({ template: "claim-received" }).count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(1);
        const page = await sme.get(`/applications/${id}`).expect(200);
        expect(page.text).to.include("To be converted at the Commission rate").and.include("Claim submitted");
      });
    });
  });
}
