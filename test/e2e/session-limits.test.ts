import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { endSessionsOfUser } from "../../server/services/people/sessions";
import { buildApp, csrfFrom, passSecondFactor, signIn, type Agent } from "../support/app";
import { PRODUCT_SESSION_LIMITS, testConfig, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { seedDemoData } from "../support/fixtures";

const MIN = 60_000;
const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

for (const engine of testDatabases()) {
  describe(`session timeouts, the sessions page and signing out elsewhere (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let now = Date.parse("2026-12-01T08:00:00Z");
    const clock = () => new Date(now);

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db, { clock, config: testConfig({ sessionLimits: PRODUCT_SESSION_LIMITS }) });
    });
    after(() => db.destroy());
    beforeEach(async () => {
      await db("sessions").delete();
      await db("login_attempts").delete();
    });

    /** Follows a sign-out redirect to the sign-in page and returns its text. */
    async function signedOutTo(agent: Agent, path: string): Promise<string> {
      const res = await agent.get(path);
      expect(res.status, `${path} while signed out`).to.equal(303);
      expect(res.headers.location).to.equal("/login");
      return (await agent.get("/login").expect(200)).text;
    }

    it("signs a manager out after 30 minutes without activity, with the reason on the sign-in page, and back to the page asked for", async () => {
      const agent = await signIn(app, "manager@demo.test");
      await agent.get("/manager").expect(200);
      now += 29 * MIN;
      await agent.get("/manager").expect(200);
      now += 29 * MIN;
      await agent.get("/manager/calls").expect(200);
      now += 30 * MIN;
      const login = await signedOutTo(agent, "/manager/claims");
      expect(login).to.include("You were signed out after 30 minutes without activity. Please sign in again.");
      const again = await agent.post("/login").type("form").send({ email: "manager@demo.test", password: "demo-voucherdesk", _csrf: csrfFrom(login) });
      expect(again.headers.location).to.equal("/login/code");
      expect(await passSecondFactor(app, agent, "manager@demo.test", again.headers.location)).to.equal("/manager/claims");
    });

    it("keeps an applicant signed in for up to 2 idle hours", async () => {
      const agent = await signIn(app, "sme@demo.test");
      await agent.get("/applicant").expect(200);
      now += 119 * MIN;
      await agent.get("/applicant").expect(200);
      now += 120 * MIN;
      expect(await signedOutTo(agent, "/applicant")).to.include("You were signed out after 2 hours without activity.");
    });

    it("gives the reason in the language of the user signed out: Danish and French durations with their plurals", async () => {
      const agent = await signIn(app, "manager@demo.test");
      await agent.get("/manager").set("Accept-Language", "da").expect(200);
      now += 30 * MIN;
      const res = await agent.get("/manager/claims").set("Accept-Language", "da");
      expect(res.status).to.equal(303);
      const login = (await agent.get("/login").set("Accept-Language", "da").expect(200)).text;
      expect(login).to.include("Du er blevet logget ud efter 30 minutter uden aktivitet. Log ind igen.");
      expect(login).to.not.include("You were signed out");

      const sme = await signIn(app, "sme@demo.test");
      await sme.get("/applicant").expect(200);
      for (let i = 0; i < 12 * 3; i++) {
        now += 20 * MIN;
        await sme.get("/applicant").set("Accept-Language", "fr");
      }
      const page = (await sme.get("/login").set("Accept-Language", "fr").expect(200)).text;
      expect(page).to.include("Vous avez été déconnecté parce que vous étiez connecté depuis 12 heures. Veuillez vous reconnecter.");
    });

    it("signs out a session that was active all along once it is 12 hours old; a form sent then is refused the same way", async () => {
      const agent = await signIn(app, "finance@demo.test");
      await agent.get("/finance").expect(200);
      for (let i = 0; i < 12 * 3 - 1; i++) {
        now += 20 * MIN;
        await agent.get("/finance").expect(200);
      }
      const token = csrfFrom((await agent.get("/finance/rates").expect(200)).text);
      now += 20 * MIN;
      const post = await agent.post("/logout").type("form").send({ _csrf: token });
      expect(post.status).to.equal(303);
      expect(post.headers.location).to.equal("/login");
      expect((await agent.get("/login")).text).to.include("You were signed out because you had been signed in for 12 hours.");
    });

    it("records the last activity at most once a minute, so a signed-in page view writes no row within the minute", async () => {
      const agent = await signIn(app, "manager@demo.test");
      await agent.get("/manager").expect(200);
      const row = async () => String(defined(await db("sessions").first("sess")).sess instanceof Object ? JSON.stringify(defined(await db("sessions").first("sess")).sess) : defined(await db("sessions").first("sess")).sess);
      const first = await row();
      now += MIN - 1000;
      await agent.get("/manager").expect(200);
      expect(await row()).to.equal(first);
      now += 2000;
      await agent.get("/manager").expect(200);
      const later = JSON.parse(await row()) as { activity: { lastSeenAt: number; signedInAt: number } };
      expect(later.activity.lastSeenAt).to.equal(now);
      expect(later.activity.signedInAt).to.equal((JSON.parse(first) as typeof later).activity.signedInAt);
    });

    it("lists one's own sessions with device, address and times; signs out one, then everywhere else", async () => {
      const laptop = await signIn(app, "manager@demo.test");
      await laptop.get("/manager").set("User-Agent", FIREFOX_WINDOWS).expect(200);
      now += 5 * MIN;
      const phone = await signIn(app, "manager@demo.test");
      await phone.get("/manager").set("User-Agent", SAFARI_IPHONE).expect(200);
      const tablet = await signIn(app, "manager@demo.test");
      await tablet.get("/manager").set("User-Agent", SAFARI_IPHONE).expect(200);
      // Someone else's session is not listed and cannot be ended from here.
      const other = await signIn(app, "finance@demo.test");
      await other.get("/finance").expect(200);

      const page = await laptop.get("/account/sessions").expect(200);
      expect(page.text).to.include("Firefox on Windows <strong>(this session)</strong>");
      expect(page.text.match(/Safari on iOS/g)).to.have.length.greaterThan(1);
      expect(page.text).to.include("127.0.0.1").and.not.include("Chrome");
      const handles = [...page.text.matchAll(/name="session" value="([0-9a-f]{24})"/g)].map((m) => m[1]!);
      expect(handles, "the other two, not this one").to.have.length(2);
      const sids = (await db("sessions").pluck("sid")).map(String);
      for (const sid of sids) expect(page.text, "session ids never appear on the page").to.not.include(sid);

      const token = csrfFrom(page.text);
      await laptop.post("/account/sessions/end").type("form").send({ session: handles[0], _csrf: token }).expect(303);
      const ended = [phone, tablet];
      const stillIn = await Promise.all(ended.map(async (a) => (await a.get("/manager")).status));
      expect(stillIn.sort()).to.deep.equal([200, 303]);

      const refused = await laptop.post("/account/sessions/end").type("form").send({ session: handles[0], _csrf: token });
      expect(refused.status, "already ended").to.equal(404);
      const bad = await laptop.post("/account/sessions/end").type("form").send({ session: "not-a-handle", _csrf: token });
      expect(bad.status).to.equal(422);
      expect(bad.text).to.include("Choose a session from the list.");

      await laptop.post("/account/sessions/others").type("form").send({ _csrf: token }).expect(303);
      expect((await laptop.get("/account/sessions").expect(200)).text).to.include("Signed out of 1 other session.");
      for (const a of ended) expect((await a.get("/manager")).status).to.equal(303);
      await laptop.get("/manager").expect(200);
      await other.get("/finance").expect(200);
      const logged = await db("audit_events").whereIn("action", ["session.ended", "session.others-ended"]).orderBy("id").pluck("action");
      expect(logged).to.deep.equal(["session.ended", "session.others-ended"]);
    });

    it("changing the password ends the other sessions and keeps this one; a wrong current password changes nothing", async () => {
      const here = await signIn(app, "admin@demo.test");
      const there = await signIn(app, "admin@demo.test");
      await there.get("/admin").expect(200);
      const form = csrfFrom((await here.get("/account/password").expect(200)).text);
      const wrong = await here.post("/account/password").type("form").send({ currentPassword: "not-it-at-all", newPassword: "a-new-long-password", _csrf: form });
      expect(wrong.status).to.equal(422);
      expect(wrong.text).to.include("This is not your current password.").and.not.include("a-new-long-password");
      const short = await here.post("/account/password").type("form").send({ currentPassword: "demo-voucherdesk", newPassword: "short", _csrf: form });
      expect(short.status).to.equal(422);
      expect(short.text).to.include("at least 12 characters");
      await there.get("/admin").expect(200);

      const ok = await here.post("/account/password").type("form").send({ currentPassword: "demo-voucherdesk", newPassword: "a-new-long-password", _csrf: form });
      expect(ok.status).to.equal(303);
      expect((await here.get("/account/sessions").expect(200)).text).to.include("Your password was changed. Your 1 other session was signed out.");
      expect((await there.get("/admin")).status).to.equal(303);
      await signIn(app, "admin@demo.test", "a-new-long-password");
      const user = defined(await db("users").where({ email: "admin@demo.test" }).first("id"));
      // Put the demo password back for the other tests, through the same service D's two-factor change uses to end sessions.
      await db("users").where({ id: user.id }).update({ password_hash: defined(await db("users").where({ email: "manager@demo.test" }).first("password_hash")).password_hash });
      expect(await endSessionsOfUser({ db }, Number(user.id))).to.be.greaterThan(0);
    });
  });
}
