import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { buildApp, csrfFrom, signIn } from "../support/app";
import { createOrganisation } from "../../server/services/directory/directory";
import { DAILY_JOBS, runDailyJobs, systemContext } from "../../server/services/platform/jobs";
import { TestClock, testConfig, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { insertCall } from "../support/journey";
import { raceGate } from "../support/overlap";
import { defined } from "../support/defined";

/*
 * A creating form sent twice: a double click on "save draft" or "create call", or the browser
 * sending the form again. The form carries a key made when it was shown; both sendings, at the
 * same moment through HTTP on both databases, lead to the one draft or call the first created.
 * A form refused for its content keeps its key and creates once corrected; a new form is a new
 * key and a new record. Every creating form is keyed: drafts, calls, directory organisations,
 * referrals, rejection templates, users and invitations.
 */
const formKey = (html: string): string => defined(/name="_form" value="([^"]+)"/.exec(html), "form key")[1] as string;

const MG_FIELDS = {
  title: "Visit to Stuttgart enzyme labs", description: "Two days of meetings", objectives: "Find partners",
  expectedResult: "A joint project idea", counterpartName: "BioRegio Lab GmbH", counterpartCountry: "DE",
  counterpartKind: "company", activityStart: "2027-04-10", activityEnd: "2027-04-11", costTravel: "250,00", costAccommodation: "150", costOther: "",
};

for (const engine of testDatabases()) {
  describe(`creating forms sent twice (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));
    let callId: number;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, clock.now);
      callId = await insertCall(db, { opensAt: "2027-02-01T00:00:00.000Z", closesAt: "2027-06-30T00:00:00.000Z", title: "Call 2027", totalCents: 10_000_000 });
    });
    after(() => db.destroy());

    it("an application draft sent twice at once is created once, and both answers lead to it", async () => {
      const path = `/calls/${callId}/apply/MG`;
      const gate = raceGate(buildApp(db, { clock: clock.now }), 2, (req) => req.method === "POST" && req.path === path);
      const sme = await signIn(gate.app, "sme@demo.test");
      const page = await sme.get(path);
      const form = { _csrf: csrfFrom(page.text), _form: formKey(page.text), ...MG_FIELDS };
      const before = Number(defined((await db("applications").count({ n: "*" }))[0]).n);
      const [a, b] = await Promise.all([sme.post(path).type("form").send(form), sme.post(path).type("form").send(form)]);
      expect(gate.maxInside(), "both sendings were inside the app at once").to.equal(2);
      expect([a.status, b.status]).to.deep.equal([303, 303]);
      expect(a.headers.location).to.equal(b.headers.location);
      expect(Number(defined((await db("applications").count({ n: "*" }))[0]).n)).to.equal(before + 1);
      expect(await db("audit_events").where({ action: "application.draft-created" }).whereIn("entity_id", [String(/\/applications\/(\d+)\//.exec(defined(a.headers.location))?.[1])])).to.have.length(1);

      // A new form is a new draft (sent past the gate, which holds sendings in pairs).
      const later = await signIn(buildApp(db, { clock: clock.now }), "sme@demo.test");
      const again = await later.get(path);
      const second = await later.post(path).type("form").send({ _csrf: csrfFrom(again.text), _form: formKey(again.text), ...MG_FIELDS });
      expect(second.status).to.equal(303);
      expect(second.headers.location).to.not.equal(a.headers.location);
    });

    it("a refused form keeps its key and creates once corrected; another person cannot use the key", async () => {
      const app = buildApp(db, { clock: clock.now });
      const path = `/calls/${callId}/apply/MG`;
      const sme = await signIn(app, "sme@demo.test");
      const page = await sme.get(path);
      const key = formKey(page.text);
      const token = csrfFrom(page.text);
      const refused = await sme.post(path).type("form").send({ _csrf: token, _form: key, ...MG_FIELDS, costTravel: "abc" });
      expect(refused.status).to.equal(422);
      expect(formKey(refused.text), "the refused form carries its key").to.equal(key);
      const created = await sme.post(path).type("form").send({ _csrf: token, _form: key, ...MG_FIELDS });
      expect(created.status).to.equal(303);

      const other = await signIn(app, "oresund@demo.test");
      const otherPage = await other.get(path);
      const stolen = await other.post(path).type("form").send({ _csrf: csrfFrom(otherPage.text), _form: key, ...MG_FIELDS });
      expect(stolen.status).to.equal(409);
      expect(stolen.text).to.contain("This form was already sent");
      // The page shown with the refusal carries a fresh key, so sending it again creates.
      const fresh = formKey(stolen.text);
      expect(fresh).to.not.equal(key);
      const resent = await other.post(path).type("form").send({ _csrf: csrfFrom(stolen.text), _form: fresh, ...MG_FIELDS });
      expect(resent.status).to.equal(303);
    });

    it("a call created twice at once is one draft call", async () => {
      const gate = raceGate(buildApp(db, { clock: clock.now }), 2, (req) => req.method === "POST" && req.path === "/manager/calls");
      const manager = await signIn(gate.app, "manager@demo.test");
      const page = await manager.get("/manager/calls/new");
      const types = await db("voucher_types").select("id", "completion_days");
      const form: Record<string, string> = {
        _csrf: csrfFrom(page.text), _form: formKey(page.text), title: "Autumn call 2027", description: "", opensAt: "2027-09-01T09:00", closesAt: "2027-09-30T17:00", total: "100000",
      };
      for (const t of types) { form[`type_${t.id}`] = "on"; form[`completion_${t.id}`] = String(t.completion_days); }
      const [a, b] = await Promise.all([manager.post("/manager/calls").type("form").send(form), manager.post("/manager/calls").type("form").send(form)]);
      expect(gate.maxInside()).to.equal(2);
      expect([a.status, b.status], a.text.slice(0, 500)).to.deep.equal([303, 303]);
      expect(a.headers.location).to.equal(b.headers.location);
      expect(await db("calls").where({ title: "Autumn call 2027" })).to.have.length(1);
    });

    /** A creating form: who fills it, where it is shown and sent, what it sends, and how many records it made. */
    interface KeyedForm { as: string; page: () => string | Promise<string>; action?: string; fields: () => Record<string, string> | Promise<Record<string, string>>; created: () => Promise<number> }
    const count = async (q: Promise<{ n: unknown }[]>) => Number(defined((await q)[0]).n);
    const managerRegion = async () => Number(defined(await db("users").join("partners", "partners.id", "users.partner_id").where("users.email", "manager@demo.test").first<{ region_id: number } | undefined>("partners.region_id")).region_id);
    const foreignOrganisation = async () => {
      const region = Number(defined(await db("regions").whereNot({ id: await managerRegion() }).orderBy("id").first("id")).id);
      return createOrganisation(testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now), {
        name: "Rhine Cell Imaging", regionId: region, kind: "facility", competences: "imaging", contactName: "", contactEmail: "", website: "", description: "",
      });
    };
    const keyedForms: Record<string, KeyedForm> = {
      "a directory organisation": {
        as: "manager@demo.test", page: () => "/directory/new", action: "/directory",
        fields: async () => ({ name: "Race Imaging Lab", regionId: String(await managerRegion()), kind: "facility", competences: "imaging", contactName: "", contactEmail: "", website: "", description: "" }),
        created: () => count(db("directory_organisations").where({ name: "Race Imaging Lab" }).count({ n: "*" })),
      },
      "a referral": {
        as: "manager@demo.test", page: async () => `/directory/${await foreignOrganisation()}`,
        fields: async () => ({ companyId: String(defined(await db("companies").where({ region_id: await managerRegion() }).orderBy("id").first("id")).id), note: "Sent twice at once" }),
        created: () => count(db("referrals").where({ note: "Sent twice at once" }).count({ n: "*" })),
      },
      "a rejection template": {
        as: "manager@demo.test", page: () => "/manager/rejection-templates", action: "/manager/rejection-templates",
        fields: () => ({ title: "Activity outside the scheme", text: "The activity is not one the scheme pays for." }),
        created: () => count(db("rejection_templates").where({ title: "Activity outside the scheme" }).count({ n: "*" })),
      },
      "a user": {
        as: "admin@demo.test", page: () => "/admin/users/new", action: "/admin/users",
        fields: () => ({ email: "new.officer@example.test", name: "Nina Officer", title: "", password: "a-long-test-password", role: "finance" }),
        created: () => count(db("users").where({ email: "new.officer@example.test" }).count({ n: "*" })),
      },
      "an invitation": {
        as: "sme@demo.test", page: () => "/company", action: "/company/invite",
        fields: () => ({ inviteName: "Karl Kollege", inviteEmail: "karl.kollege@example.test" }),
        created: async () => (await count(db("users").where({ email: "karl.kollege@example.test" }).count({ n: "*" })))
          + (await count(db("emails").where({ to_address: "karl.kollege@example.test", template: "invitation" }).count({ n: "*" }))),
      },
    };

    for (const [what, form] of Object.entries(keyedForms)) {
      it(`${what} sent twice at once is made once, and both answers say so`, async () => {
        const page = await form.page();
        const action = form.action ?? `${page}/refer`;
        const gate = raceGate(buildApp(db, { clock: clock.now }), 2, (req) => req.method === "POST" && req.path === action);
        const agent = await signIn(gate.app, form.as);
        const shown = await agent.get(page).expect(200);
        const sent = { _csrf: csrfFrom(shown.text), _form: formKey(shown.text), ...(await form.fields()) };
        const before = await form.created();
        const [a, b] = await Promise.all([agent.post(action).type("form").send(sent), agent.post(action).type("form").send(sent)]);
        expect(gate.maxInside(), "both sendings were inside the app at once").to.equal(2);
        expect([a.status, b.status], a.text.slice(0, 500)).to.deep.equal([303, 303]);
        expect(a.headers.location).to.equal(b.headers.location);
        const made = (await form.created()) - before;
        expect(made, "one record (an invitation: one account and one e-mail)").to.equal(what === "an invitation" ? 2 : 1);
      });
    }

    it("a file uploaded twice at once is attached once; sent again later, the answer says it is attached already", async () => {
      const path = `/calls/${callId}/apply/MG`;
      const sme = await signIn(buildApp(db, { clock: clock.now }), "sme@demo.test");
      const page = await sme.get(path);
      const created = await sme.post(path).type("form").send({ _csrf: csrfFrom(page.text), _form: formKey(page.text), ...MG_FIELDS, title: "Upload twice" });
      const id = Number(defined(/\/applications\/(\d+)\//.exec(defined(created.headers.location)))[1]);
      const uploadPath = `/applications/${id}/attachments`;
      const pdf = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
      const gate = raceGate(buildApp(db, { clock: clock.now }), 2, (req) => req.method === "POST" && req.path === uploadPath);
      const agent = await signIn(gate.app, "sme@demo.test");
      const token = csrfFrom((await agent.get(`/applications/${id}/edit`)).text);
      const upload = (to: typeof sme) => to.post(uploadPath).field("_csrf", token).attach("files", pdf, "quote.pdf");
      const [a, b] = await Promise.all([upload(agent), upload(agent)]);
      expect(gate.maxInside(), "both uploads were inside the app at once").to.equal(2);
      expect([a.status, b.status]).to.deep.equal([303, 303]);
      const attached = () => db("attachments").where({ application_id: id }).select("original_name");
      expect(await attached()).to.have.length(1);

      const again = await sme.post(uploadPath).field("_csrf", csrfFrom((await sme.get(`/applications/${id}/edit`)).text)).attach("files", pdf, "quote.pdf").attach("files", pdf, "annex.pdf");
      expect(again.status).to.equal(303);
      expect((await sme.get(`/applications/${id}/edit`)).text).to.contain("The file was added. The file was already attached.");
      expect((await attached()).map((r) => r.original_name).sort()).to.deep.equal(["annex.pdf", "quote.pdf"]);
    });

    it("the daily job forgets the keys of forms sent more than 30 days ago, and only those", async () => {
      const keys = async () => (await db("form_submissions").select("key")).map((r) => r.key).sort();
      const sent = await keys();
      expect(sent, "the forms above left their keys").to.not.deep.equal([]);
      const newest = Date.parse(String(defined(await db("form_submissions").max({ at: "created_at" }).first()).at));
      const daysAfter = (days: number) => () => new Date(newest + days * 24 * 60 * 60 * 1000);
      const justSent = "k".repeat(22);
      await db("form_submissions").insert({ key: justSent, user_id: defined(await db("users").first("id")).id, kind: "call", entity_id: 1, created_at: daysAfter(30)().toISOString() });
      const forgetting = DAILY_JOBS.filter((j) => j.name === "formKeysForgotten");
      expect((await runDailyJobs(systemContext(db, testConfig(), daysAfter(29)), forgetting)).formKeysForgotten).to.equal(0);
      expect(await keys()).to.deep.equal([...sent, justSent].sort());
      expect((await runDailyJobs(systemContext(db, testConfig(), daysAfter(31)), forgetting)).formKeysForgotten).to.equal(sent.length);
      expect(await keys()).to.deep.equal([justSent]);
    });

    it("a sent form brought back and changed (the Back button) creates nothing and says so; its answers come back in a new form", async () => {
      const sme = await signIn(buildApp(db, { clock: clock.now }), "sme@demo.test");
      const page = await sme.get("/company").expect(200);
      const sent = { _csrf: csrfFrom(page.text), _form: formKey(page.text) };
      expect((await sme.post("/company/invite").type("form").send({ ...sent, inviteName: "Anna Andersen", inviteEmail: "anna.andersen@example.test" })).status).to.equal(303);
      const changed = await sme.post("/company/invite").type("form").send({ ...sent, inviteName: "Bent Berg", inviteEmail: "bent.berg@example.test" });
      expect(changed.status).to.equal(409);
      expect(changed.text).to.contain("This form was sent before with other answers, and those were saved.");
      expect(changed.text).to.match(/name="inviteEmail" type="email" value="bent.berg@example.test"/);
      expect(await db("users").where({ email: "bent.berg@example.test" })).to.have.length(0);
      const fresh = formKey(changed.text);
      expect(fresh).to.not.equal(sent._form);
      const resent = await sme.post("/company/invite").type("form").send({ _csrf: csrfFrom(changed.text), _form: fresh, inviteName: "Bent Berg", inviteEmail: "bent.berg@example.test" });
      expect(resent.status).to.equal(303);
      expect(await db("users").whereIn("email", ["anna.andersen@example.test", "bent.berg@example.test"])).to.have.length(2);
    });

    it("a refused invitation keeps what was typed, beside the field, with its key", async () => {
      const sme = await signIn(buildApp(db, { clock: clock.now }), "sme@demo.test");
      const page = await sme.get("/company").expect(200);
      const key = formKey(page.text);
      const refused = await sme.post("/company/invite").type("form").send({ _csrf: csrfFrom(page.text), _form: key, inviteName: "Lotte Lab", inviteEmail: "manager@demo.test" });
      expect(refused.status).to.equal(422);
      expect(refused.text).to.contain("The invitation was not sent.");
      expect(refused.text).to.match(/id="f-inviteEmail-error"[^>]*>[\s\S]*?already/);
      expect(refused.text).to.match(/name="inviteName" type="text" value="Lotte Lab"/);
      expect(refused.text).to.match(/name="inviteEmail" type="email" value="manager@demo.test"/);
      expect(formKey(refused.text)).to.equal(key);
      const sent = await sme.post("/company/invite").type("form").send({ _csrf: csrfFrom(refused.text), _form: key, inviteName: "Lotte Lab", inviteEmail: "lotte.lab@example.test" });
      expect(sent.status).to.equal(303);
      expect(await db("users").where({ email: "lotte.lab@example.test" })).to.have.length(1);
    });
  });
}
