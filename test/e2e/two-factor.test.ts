import { expect } from "chai";
import type { Express } from "express";
import { generateSync } from "otplib";
import type { Db } from "../../server/db/connection";
import { SIGN_IN_THROTTLE } from "../../server/domain/throttle";
import { createUser } from "../../server/services/people/users";
import { DEMO_TOTP_KEYS } from "../../db/seeds/demo";
import { type Agent, attemptSignIn, buildApp, csrfFrom, currentCode, enrolThroughPage, signIn, totpKeyOf } from "../support/app";
import { TestClock, testConfig, testContext, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { seedDemoData } from "../support/fixtures";

/*
 * Two-factor sign-in over HTTP: the code after the password for every staff role, enrolment that
 * cannot be skipped, replayed codes, recovery codes, throttling, step-up on the money routes and
 * role changes, an administrator's reset, and the optional second factor of applicants.
 */

const STAFF: [string, string][] = [["manager@demo.test", "/manager"], ["finance@demo.test", "/finance"], ["admin@demo.test", "/admin"]];

for (const engine of testDatabases()) {
  describe(`two-factor sign-in (${engine.name})`, function () {
    this.timeout(180000);
    let db: Db;
    let app: Express;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));
    const advanceSeconds = (s: number) => clock.set(new Date(clock.now().getTime() + s * 1000).toISOString());

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, clock.now);
      app = buildApp(db, { clock: clock.now });
    });
    after(() => db.destroy());

    async function userId(email: string): Promise<number> {
      return Number(defined(await db("users").where({ email }).first("id")).id);
    }

    /** Posts `code` on the form of `page` (the code, set-up or step-up page). */
    async function postCode(agent: Agent, page: string, code: string) {
      const form = await agent.get(page);
      return agent.post(page).type("form").send({ code, _csrf: csrfFrom(form.text) });
    }

    async function auditCount(action: string, email: string): Promise<number> {
      return (await db("audit_events").where({ action, entity_id: String(await userId(email)) })).length;
    }

    async function newStaff(email: string, role: "manager" | "finance" | "admin"): Promise<number> {
      const partnerId = role === "manager" ? Number(defined(await db("partners").first("id")).id) : null;
      return createUser(testContext(db, null, clock.now), { email, name: "New Staff Member", password: "demo-voucherdesk", role, partnerId, emailConfirmed: true });
    }

    for (const [email, home] of STAFF) {
      it(`${email}: the password alone reaches nothing; with the code the home page opens`, async () => {
        advanceSeconds(30);
        const { agent, res } = await attemptSignIn(app, email);
        expect(res.status).to.equal(303);
        expect(res.headers.location).to.equal("/login/code");
        // Half signed in: every staff page sends to the code page, a form post is refused.
        const direct = await agent.get(home);
        expect(direct.status).to.equal(303);
        expect(direct.headers.location).to.equal("/login/code");
        const code = await agent.get("/login/code");
        expect(code.status).to.equal(200);
        expect(code.text).to.include("Enter the code from your authenticator app").and.not.include(email);
        const post = await agent.post("/admin/scheme").type("form").send({ _csrf: csrfFrom(code.text) });
        expect(post.status).to.equal(403);
        // The page asked for is opened once the code is given.
        const ok = await postCode(agent, "/login/code", currentCode(app, email));
        expect(ok.status).to.equal(303);
        expect(ok.headers.location).to.equal(home);
        expect((await agent.get(home)).status).to.equal(200);
      });
    }

    it("an applicant without a second factor signs in with the password alone", async () => {
      const { res } = await attemptSignIn(app, "oresund@demo.test");
      expect(res.headers.location).to.equal("/applicant");
    });

    it("a code is accepted one step either side of now, not two", async () => {
      const key = defined(DEMO_TOTP_KEYS["manager2@demo.test"]);
      const at = (steps: number) => generateSync({ secret: key, epoch: Math.floor(clock.now().getTime() / 1000) + steps * 30 });
      advanceSeconds(300);
      for (const [steps, status] of [[2, 422], [-2, 422], [-1, 303]] as const) {
        const { agent } = await attemptSignIn(app, "manager2@demo.test");
        expect((await postCode(agent, "/login/code", at(steps))).status, `${steps} steps`).to.equal(status);
      }
    });

    it("a code used once is refused the second time, also by another session", async () => {
      advanceSeconds(300);
      const email = "manager.nl@demo.test";
      const code = currentCode(app, email);
      const first = await attemptSignIn(app, email);
      expect((await postCode(first.agent, "/login/code", code)).status).to.equal(303);
      const second = await attemptSignIn(app, email);
      const replay = await postCode(second.agent, "/login/code", code);
      expect(replay.status).to.equal(422);
      expect(replay.text).to.include("This code has already been used");
      expect((await second.agent.get("/manager")).headers.location).to.equal("/login/code");
      const failed = await db("audit_events").where({ action: "two-factor.failed", entity_id: String(await userId(email)) }).orderBy("id", "desc").first();
      expect(JSON.parse(defined(defined(failed).after_json)) as object).to.include({ reason: "replayed", purpose: "sign-in" });
    });

    it("a new staff account must enrol before anything else: QR code, key in groups, code, ten recovery codes once", async () => {
      const email = "new.manager@demo.test";
      await newStaff(email, "manager");
      const { agent, res } = await attemptSignIn(app, email);
      expect(res.headers.location).to.equal("/two-factor/setup");
      // Going straight to a staff page does not skip enrolment.
      const direct = await agent.get("/manager");
      expect(direct.headers.location).to.equal("/login/code");
      expect((await agent.get("/login/code")).headers.location).to.equal("/two-factor/setup");
      const setup = await agent.get("/two-factor/setup");
      expect(setup.text).to.include("<svg").and.match(/id="setup-key">([A-Z2-7]{4} ){7}[A-Z2-7]{4}</);
      expect(setup.headers["cache-control"]).to.equal("no-store");
      // Nothing is stored before a code confirms the key.
      expect(await db("user_second_factors").where({ user_id: await userId(email) })).to.have.length(0);
      // The same key on a reload.
      expect((await agent.get("/two-factor/setup")).text).to.include(/id="setup-key">([^<]+)</.exec(setup.text)?.[1]);
      const wrong = await agent.post("/two-factor/setup").type("form").send({ code: "000000", _csrf: csrfFrom(setup.text) });
      expect(wrong.status).to.equal(422);
      expect(wrong.text).to.include("This code is not right").and.include("<svg");
      const done = await enrolThroughPage(app, agent, email);
      const codes = [...done.text.matchAll(/<code>([A-Z2-9-]+)<\/code>/g)].map((m) => m[1]);
      expect(codes).to.have.length(10);
      expect(new Set(codes).size).to.equal(10);
      expect(done.headers["cache-control"]).to.equal("no-store");
      expect((await agent.get("/manager")).status).to.equal(200);
      // Stored as hashes only, the key sealed.
      const stored = await db("recovery_codes").where({ user_id: await userId(email) });
      expect(stored).to.have.length(10);
      for (const c of codes) expect(JSON.stringify(stored)).not.to.include(defined(c).replace(/-/g, ""));
      const factor = defined(await db("user_second_factors").where({ user_id: await userId(email) }).first());
      expect(factor.secret).to.match(/^v1\./).and.not.include(totpKeyOf(email));
      expect(await auditCount("two-factor.enrolled", email)).to.equal(1);
    });

    it("a recovery code signs in once", async () => {
      const email = "recovery.finance@demo.test";
      await newStaff(email, "finance");
      const { agent } = await attemptSignIn(app, email);
      const done = await enrolThroughPage(app, agent, email);
      const recovery = defined(/<code>([A-Z2-9-]+)<\/code>/.exec(done.text)?.[1]);
      advanceSeconds(60);
      const first = await attemptSignIn(app, email);
      const ok = await postCode(first.agent, "/login/code", recovery.toLowerCase().replace(/-/g, " "));
      expect(ok.status).to.equal(303);
      expect(ok.headers.location).to.equal("/finance");
      const home = await first.agent.get("/finance");
      expect(home.text).to.include("9 recovery codes left");
      const again = await attemptSignIn(app, email);
      const refused = await postCode(again.agent, "/login/code", recovery);
      expect(refused.status).to.equal(422);
      expect(await auditCount("two-factor.recovery-code-used", email)).to.equal(1);
    });

    it("wrong codes are throttled like passwords, per account, and audited", async () => {
      const email = "throttled.admin@demo.test";
      await newStaff(email, "admin");
      const { agent } = await attemptSignIn(app, email);
      await enrolThroughPage(app, agent, email);
      advanceSeconds(60);
      const { agent: other } = await attemptSignIn(app, email);
      for (let i = 0; i < SIGN_IN_THROTTLE.pairFreeFailures; i++) expect((await postCode(other, "/login/code", "123456")).status).to.equal(422);
      // Even the right code now waits, from another address too.
      const waiting = await other.post("/login/code").set("X-Forwarded-For", "192.0.2.77").type("form")
        .send({ code: currentCode(app, email), _csrf: csrfFrom((await other.get("/login/code")).text) });
      expect(waiting.status).to.equal(429);
      expect(waiting.headers["retry-after"]).to.equal("5");
      expect(waiting.text).to.include("Too many wrong codes");
      expect(await auditCount("two-factor.throttled", email)).to.equal(1);
      expect(await auditCount("two-factor.failed", email)).to.equal(SIGN_IN_THROTTLE.pairFreeFailures);
      advanceSeconds(30);
      expect((await postCode(other, "/login/code", currentCode(app, email))).status).to.equal(303);
    });

    it("a half-finished sign-in ends after ten minutes", async () => {
      advanceSeconds(60);
      const { agent } = await attemptSignIn(app, "finance@demo.test");
      const page = await agent.get("/login/code");
      advanceSeconds(11 * 60);
      const late = await agent.post("/login/code").type("form").send({ code: currentCode(app, "finance@demo.test"), _csrf: csrfFrom(page.text) });
      expect(late.status).to.equal(403);
      expect((await agent.get("/finance")).headers.location).to.equal("/login");
    });

    describe("step-up", () => {
      it("preparing a SEPA batch with a stale second factor asks for a code, then resumes the form as sent", async () => {
        advanceSeconds(60);
        const finance = await signIn(app, "finance@demo.test");
        advanceSeconds(5 * 60 + 1);
        const home = await finance.get("/finance");
        const sent = await finance.post("/finance/sepa").type("form").send({ _csrf: csrfFrom(home.text), claimIds: ["999", "998"], executionDate: "2027-03-09" });
        expect(sent.status).to.equal(303);
        expect(sent.headers.location).to.equal("/step-up");
        const page = await finance.get("/step-up");
        expect(page.text).to.include("within the last 5 minutes");
        advanceSeconds(30);
        const confirmed = await postCode(finance, "/step-up", currentCode(app, "finance@demo.test"));
        expect(confirmed.headers.location).to.equal("/step-up/continue");
        const resume = await finance.get("/step-up/continue");
        expect(resume.text).to.include('action="/finance/sepa"').and.include('name="claimIds" value="999"').and.include('name="claimIds" value="998"')
          .and.include('name="executionDate" value="2027-03-09"');
        const fields = [...resume.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]);
        const body = fields.map(([k, v]) => `${encodeURIComponent(defined(k))}=${encodeURIComponent(defined(v))}`).join("&");
        const done = await finance.post("/finance/sepa").type("form").send(body);
        // The handler itself answers now: claims that do not exist are refused by the batch rules.
        expect(done.status).to.not.equal(303);
        expect(done.status).to.be.within(400, 499);
      });

      for (const [what, path] of [["recording payments", "/finance/payments"], ["executing a batch", "/finance/sepa/1/executed"]] as const) {
        it(`${what} needs a fresh second factor too`, async () => {
          advanceSeconds(60);
          const finance = await signIn(app, "finance@demo.test");
          const token = csrfFrom((await finance.get("/finance")).text);
          advanceSeconds(6 * 60);
          const res = await finance.post(path).type("form").send({ _csrf: token, claimIds: "1", paidOn: "2027-03-01", bankReference: "REF" });
          expect(res.headers.location).to.equal("/step-up");
        });
      }

      it("a second factor from the last five minutes lets the request through", async () => {
        advanceSeconds(60);
        const finance = await signIn(app, "finance@demo.test");
        advanceSeconds(4 * 60);
        const res = await finance.post("/finance/sepa").type("form").send({ _csrf: csrfFrom((await finance.get("/finance")).text), claimIds: "999", executionDate: "2027-03-09" });
        expect(res.headers.location ?? "").not.to.equal("/step-up");
      });

      it("changing a user's role needs a fresh second factor; after the code the change goes through", async () => {
        advanceSeconds(60);
        const admin = await signIn(app, "admin@demo.test");
        const target = await userId("amager@demo.test");
        advanceSeconds(10 * 60);
        const token = csrfFrom((await admin.get("/admin/users")).text);
        const sent = await admin.post(`/admin/users/${target}/role`).type("form").send({ _csrf: token, role: "finance" });
        expect(sent.headers.location).to.equal("/step-up");
        expect(defined(await db("users").where({ id: target }).first("role")).role).to.equal("applicant");
        advanceSeconds(30);
        await postCode(admin, "/step-up", currentCode(app, "admin@demo.test"));
        const resume = await admin.get("/step-up/continue");
        expect(resume.text).to.include(`action="/admin/users/${target}/role"`).and.include('name="role" value="finance"');
        const done = await admin.post(`/admin/users/${target}/role`).type("form").send({ _csrf: csrfFrom(resume.text), role: "finance" });
        expect(done.headers.location).to.equal("/admin/users");
        expect(defined(await db("users").where({ id: target }).first("role")).role).to.equal("finance");
      });

      it("a user whose new role needs a second factor is sent to enrol at once, even while signed in", async () => {
        advanceSeconds(60);
        const email = "brabant@demo.test";
        const applicant = await signIn(app, email);
        expect((await applicant.get("/applicant")).status).to.equal(200);
        await db("users").where({ email }).update({ role: "finance", company_id: null });
        const res = await applicant.get("/finance");
        expect(res.headers.location).to.equal("/login/code");
        expect((await applicant.get("/login/code")).headers.location).to.equal("/two-factor/setup");
        await enrolThroughPage(app, applicant, email);
        expect((await applicant.get("/finance")).status).to.equal(200);
      });
    });

    describe("an administrator's reset", () => {
      it("resets another user's second factor, audit-logged; that user's sessions end and the next sign-in enrols again", async () => {
        advanceSeconds(60);
        const email = "reset.manager@demo.test";
        await newStaff(email, "manager");
        const { agent: user } = await attemptSignIn(app, email);
        await enrolThroughPage(app, user, email);
        expect((await user.get("/manager")).status).to.equal(200);
        const admin = await signIn(app, "admin@demo.test");
        const list = await admin.get("/admin/users");
        expect(list.text).to.include(`/admin/users/${await userId(email)}/two-factor/reset`);
        const res = await admin.post(`/admin/users/${await userId(email)}/two-factor/reset`).type("form").send({ _csrf: csrfFrom(list.text) });
        expect(res.status).to.equal(303);
        expect(await db("user_second_factors").where({ user_id: await userId(email) })).to.have.length(0);
        expect(await db("recovery_codes").where({ user_id: await userId(email) })).to.have.length(0);
        expect(await auditCount("two-factor.reset", email)).to.equal(1);
        expect((await user.get("/manager")).headers.location).to.equal("/login");
        const again = await attemptSignIn(app, email);
        expect(again.res.headers.location).to.equal("/two-factor/setup");
      });

      it("never one's own: refused with the reason", async () => {
        advanceSeconds(60);
        const admin = await signIn(app, "admin@demo.test");
        const list = await admin.get("/admin/users");
        const own = await userId("admin@demo.test");
        expect(list.text).not.to.include(`/admin/users/${own}/two-factor/reset`);
        const res = await admin.post(`/admin/users/${own}/two-factor/reset`).type("form").send({ _csrf: csrfFrom(list.text) });
        expect(res.status).to.equal(409);
        expect(res.text).to.include("You cannot reset your own second factor");
        expect(await db("user_second_factors").where({ user_id: own })).to.have.length(1);
      });
    });

    describe("applicants", () => {
      it("may switch two-factor sign-in on from their account page, and off again with a code", async () => {
        advanceSeconds(60);
        const email = "hillerod@demo.test";
        const agent = await signIn(app, email);
        const elsewhere = await signIn(app, email);
        await elsewhere.get("/applicant").expect(200);
        const account = await agent.get("/account/two-factor");
        expect(account.text).to.include("Two-factor sign-in is <strong>off</strong>");
        await enrolThroughPage(app, agent, email);
        expect((await agent.get("/account/two-factor")).text).to.include("Two-factor sign-in is <strong>on</strong>");
        // Setting up the second factor ends the account's other sessions, never the one doing it.
        expect((await elsewhere.get("/applicant")).status).to.equal(303);
        advanceSeconds(60);
        const { agent: next, res } = await attemptSignIn(app, email);
        expect(res.headers.location).to.equal("/login/code");
        expect((await postCode(next, "/login/code", currentCode(app, email))).headers.location).to.equal("/applicant");
        advanceSeconds(30);
        const off = await postCode(next, "/account/two-factor/disable", currentCode(app, email));
        expect(off.headers.location).to.equal("/account/two-factor");
        expect(await auditCount("two-factor.disabled", email)).to.equal(1);
        // Switching it off ends the other sessions too: the one that set it up is signed out.
        expect((await agent.get("/applicant")).status).to.equal(303);
        expect((await next.get("/applicant")).status).to.equal(200);
        expect((await attemptSignIn(app, email)).res.headers.location).to.equal("/applicant");
      });

      it("staff cannot switch it off", async () => {
        advanceSeconds(60);
        const agent = await signIn(app, "manager@demo.test");
        expect((await agent.get("/account/two-factor")).text).to.include("cannot be switched off").and.not.include("/account/two-factor/disable");
        const token = csrfFrom((await agent.get("/account/two-factor")).text);
        const res = await agent.post("/account/two-factor/disable").type("form").send({ code: currentCode(app, "manager@demo.test"), _csrf: token });
        expect(res.status).to.equal(403);
        expect(await db("user_second_factors").where({ user_id: await userId("manager@demo.test") })).to.have.length(1);
      });
    });

    it("signing in needs the server's key: a stored key sealed with another secret cannot be read", async () => {
      const other = buildApp(db, { clock: clock.now, config: testConfig({ secretKey: "another-secret-another-secret-0123456789" }) });
      advanceSeconds(60);
      const { agent } = await attemptSignIn(other, "manager@demo.test");
      const res = await postCode(agent, "/login/code", generateSync({ secret: defined(DEMO_TOTP_KEYS["manager@demo.test"]), epoch: Math.floor(clock.now().getTime() / 1000) }));
      expect(res.status).to.equal(409);
      expect(res.text).to.include("cannot be read");
    });
  });
}
