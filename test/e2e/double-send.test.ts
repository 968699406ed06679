import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { buildApp, csrfFrom, signIn } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { insertCall } from "../support/journey";
import { raceGate } from "../support/overlap";
import { defined } from "../support/defined";

/*
 * A creating form sent twice: a double click on "save draft" or "create call", or the browser
 * sending the form again. The form carries a key made when it was shown; both sendings, at the
 * same moment through HTTP on both databases, lead to the one draft or call the first created.
 * A form refused for its content keeps its key and creates once corrected; a new form is a new
 * key and a new record.
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
  });
}
