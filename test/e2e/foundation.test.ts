import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { buildApp, csrfFrom, csrfToken, passSecondFactor, signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";

for (const engine of testDatabases()) {
  describe(`foundation over HTTP (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let app: Express;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db);
    });
    after(() => db.destroy());

    it("serves the login form with email, password and _csrf fields", async () => {
      const res = await request(app).get("/login").expect(200);
      expect(res.text).to.include('name="email"').and.include('name="password"').and.include('name="_csrf"');
      expect(res.headers["content-security-policy"]).to.include("script-src 'self'").and.not.include("upgrade-insecure-requests");
    });

    const homes: [string, string][] = [
      ["sme@demo.test", "/applicant"], ["manager@demo.test", "/manager"], ["finance@demo.test", "/finance"], ["admin@demo.test", "/admin"],
    ];
    for (const [email, home] of homes) {
      it(`signs in ${email} and redirects to ${home}`, async () => {
        const agent = request.agent(app);
        const token = await csrfToken(agent);
        const res = await agent.post("/login").type("form").send({ email, password: "demo-voucherdesk", _csrf: token });
        expect(res.status).to.equal(303);
        expect(String(res.headers["set-cookie"])).to.match(/HttpOnly/i).and.match(/SameSite=Lax/i);
        // Staff accounts give their second factor before they arrive.
        expect(await passSecondFactor(app, agent, email, res.headers.location)).to.equal(home);
        const page = await agent.get(home);
        expect(page.status).to.equal(200);
      });
    }

    it("regenerates the session id at login (no fixation)", async () => {
      const agent = request.agent(app);
      const first = await agent.get("/login");
      const before = /vd\.sid=([^;]+)/.exec(String(first.headers["set-cookie"]))![1];
      const res = await agent.post("/login").type("form").send({ email: "admin@demo.test", password: "demo-voucherdesk", _csrf: csrfFrom(first.text) });
      const afterCookie = /vd\.sid=([^;]+)/.exec(String(res.headers["set-cookie"]))![1];
      expect(afterCookie).to.not.equal(before);
    });

    it("a wrong password shows a clear error and keeps the e-mail", async () => {
      const agent = request.agent(app);
      const token = await csrfToken(agent);
      const res = await agent.post("/login").type("form").send({ email: "finance@demo.test", password: "wrong-password", _csrf: token });
      expect(res.status).to.equal(401);
      expect(res.text).to.include("The e-mail address or password is not right").and.include('value="finance@demo.test"');
      expect(res.text).to.not.match(/at .*\.ts:\d+/);
      const ev = defined(await db("audit_events").where({ action: "login.failed" }).orderBy("id", "desc").first(), "ev");
      expect(ev.after_json).to.include("finance@demo.test");
    });

    it("refuses a POST without a CSRF token with a 403 page", async () => {
      const agent = await signIn(app, "admin@demo.test");
      const res = await agent.post("/admin/users").type("form").send({ email: "x@y.z" });
      expect(res.status).to.equal(403);
      expect(res.text).to.include("This form has expired or was not sent from Voucherdesk");
    });

    it("sends an anonymous visitor of a protected page to sign in", async () => {
      const res = await request(app).get("/admin/users");
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal("/login");
    });

    it("an expired or missing session on a POST gets a clear 403, not a stack trace", async () => {
      const agent = request.agent(app);
      const token = await csrfToken(agent);
      const res = await agent.post("/admin/users").type("form").send({ _csrf: token, email: "a@b.c" });
      expect(res.status).to.equal(403);
      expect(res.text).to.include("sign in again");
    });

    it("a URL of another role gets 403 naming the role", async () => {
      const agent = await signIn(app, "sme@demo.test");
      const res = await agent.get("/admin/users");
      expect(res.status).to.equal(403);
      expect(res.text).to.include("administrator accounts");
    });

    it("a nonexistent page or id gets a 404 page", async () => {
      const agent = await signIn(app, "admin@demo.test");
      expect((await agent.get("/no/such/page")).status).to.equal(404);
      expect((await agent.get("/admin/regions/999999")).status).to.equal(404);
      const bad = await agent.get("/admin/regions/abc");
      expect(bad.status).to.equal(404);
      expect(bad.text).to.include("Page not found");
    });

    it("logout destroys the session", async () => {
      const agent = await signIn(app, "admin@demo.test");
      const page = await agent.get("/admin");
      await agent.post("/logout").type("form").send({ _csrf: csrfFrom(page.text) }).expect(303);
      expect((await agent.get("/admin")).status).to.equal(303);
    });

    it("an administrator creates a user, who can sign in; the creation is audit-logged", async () => {
      const agent = await signIn(app, "admin@demo.test");
      const form = await agent.get("/admin/users/new");
      const bad = await agent.post("/admin/users").type("form").send({ _csrf: csrfFrom(form.text), email: "not-an-email", name: "Jo Bloggs", password: "short", role: "finance" });
      expect(bad.status).to.equal(422);
      expect(bad.text).to.include("Enter an e-mail address like").and.include("at least 12 characters").and.include('value="Jo Bloggs"');
      const ok = await agent.post("/admin/users").type("form").send({ _csrf: csrfFrom(bad.text), email: "new.finance@demo.test", name: "Jo Bloggs", password: "a-long-enough-password", role: "finance" });
      expect(ok.status).to.equal(303);
      await signIn(app, "new.finance@demo.test", "a-long-enough-password");
      const ev = defined(await db("audit_events").where({ action: "user.created", entity_type: "user" }).orderBy("id", "desc").first(), "ev");
      expect(ev.after_json).to.include("new.finance@demo.test").and.not.include("password_hash");
    });

    it("a deactivated user can no longer sign in", async () => {
      const agent = await signIn(app, "admin@demo.test");
      const user = defined(await db("users").where({ email: "amager@demo.test" }).first("id"), "user");
      const page = await agent.get("/admin/users");
      await agent.post(`/admin/users/${user.id}/active`).type("form").send({ _csrf: csrfFrom(page.text), active: "false" }).expect(303);
      const anon = request.agent(app);
      const token = await csrfToken(anon);
      const res = await anon.post("/login").type("form").send({ email: "amager@demo.test", password: "demo-voucherdesk", _csrf: token });
      expect(res.status).to.equal(401);
    });

    it("an administrator edits a region's partner organisation", async () => {
      const agent = await signIn(app, "admin@demo.test");
      const region = defined(await db("regions").where({ code: "LI" }).first("id"), "region");
      const form = await agent.get(`/admin/regions/${region.id}`);
      const res = await agent.post(`/admin/regions/${region.id}`).type("form").send({
        _csrf: csrfFrom(form.text), name: "Limburg", country: "nl", partnerName: "Limburg Life Sciences", partnerShortName: "LLS",
        partnerAddress: "Oxfordlaan 55\n6229 EV Maastricht", partnerEmail: "",
      });
      expect(res.status).to.equal(303);
      expect(defined(await db("partners").where({ region_id: region.id }).first()).name).to.equal("Limburg Life Sciences");
      expect(defined(await db("regions").where({ id: region.id }).first()).country).to.equal("NL");
    });

    it("healthz reports the database", async () => {
      const res = await request(app).get("/healthz").expect(200);
      expect(res.body).to.deep.equal({ status: "ok", db: "ok" });
    });

    it("the audit log can be browsed and filtered by an administrator", async () => {
      const agent = await signIn(app, "admin@demo.test");
      const res = await agent.get("/admin/audit?action=user.created");
      expect(res.status).to.equal(200);
      // Each action in words, its stored code beside it for auditors; the filter leaves other actions out.
      expect(res.text).to.include("User account created").and.include(">user.created</code>");
      expect(res.text).to.not.include(">login.failed</code>").and.not.include("Sign-in failed");
    });
  });
}

describe("healthz without a database", () => {
  it("returns 503 when the database is unreachable", async () => {
    const engine = defined(testDatabases()[0], "engine");
    const db = await engine.create();
    const app = buildApp(db);
    await db.destroy();
    const res = await request(app).get("/healthz");
    expect(res.status).to.equal(503);
    expect((res.body as { db: string }).db).to.equal("unreachable");
  });
});
