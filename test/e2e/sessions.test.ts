import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { TOUCH_INTERVAL_MS } from "../../server/web/session-store";
import { buildApp, csrfFrom, signIn } from "../support/app";
import { PRODUCT_SESSION_LIMITS, testConfig, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { DEMO_PASSWORD } from "../../db/seeds/demo";

async function sessionRows(db: Db): Promise<{ sid: string; sess: string; expired: string }[]> {
  const rows = await db("sessions").select("sid", "sess", "expired").orderBy("sid");
  return rows.map((r) => ({
    sid: String(r.sid),
    sess: typeof r.sess === "string" ? r.sess : JSON.stringify(r.sess),
    expired: r.expired instanceof Date ? r.expired.toISOString() : String(r.expired),
  }));
}

for (const engine of testDatabases()) {
  describe(`sessions are written only when there is something to keep (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let app: Express;
    let now = Date.now();

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db, { clock: () => new Date(now), config: testConfig({ sessionLimits: PRODUCT_SESSION_LIMITS }) });
    });
    after(() => db.destroy());
    beforeEach(async () => {
      await db("sessions").delete();
    });

    it("a signed-in page, its error pages included, tells the browser not to keep it; public pages and assets may be kept", async () => {
      const agent = await signIn(app, "manager@demo.test");
      for (const path of ["/manager", "/finance/ledger", "/no-such-page"]) {
        const res = await agent.get(path);
        expect(res.headers["cache-control"], path).to.equal("no-store");
        expect(res.headers.etag, path).to.equal(undefined);
      }
      const landing = await request(app).get("/").expect(200);
      expect(landing.headers["cache-control"] ?? "").to.not.include("no-store");
      const css = await request(app).get("/assets/app.css").expect(200);
      expect(css.headers.etag, "static assets keep their validator").to.be.a("string");
    });

    it("the browser's own /favicon.ico request leaves a flash message to the page it belongs to", async () => {
      const agent = await signIn(app, "manager@demo.test");
      const page = await agent.get("/account/sessions").expect(200);
      await agent.post("/account/sessions/others").type("form").send({ _csrf: csrfFrom(page.text) }).expect(303);
      const icon = await agent.get("/favicon.ico");
      expect((await agent.get("/account/sessions").expect(200)).text).to.include("flash-success");
      expect(icon.status).to.equal(301);
      expect(icon.headers.location).to.equal("/assets/favicon.svg");
      expect(icon.headers["set-cookie"], "the session is not touched").to.equal(undefined);
      expect((await request(app).get("/assets/favicon.svg").expect(200)).headers["content-type"]).to.include("image/svg+xml");
    });

    it("a flash message waits through redirects and downloads for the next page shown", async () => {
      const agent = await signIn(app, "finance@demo.test");
      const page = await agent.get("/account/sessions").expect(200);
      await agent.post("/account/sessions/others").type("form").send({ _csrf: csrfFrom(page.text) }).expect(303);
      expect((await agent.get("/").expect(303)).headers.location).to.equal("/finance");
      expect((await agent.get("/finance/ledger.csv").expect(200)).headers["content-type"]).to.include("text/csv");
      const shown = await agent.get("/account/sessions").expect(200);
      expect(shown.text).to.include("flash-success");
      expect((await agent.get("/account/sessions").expect(200)).text, "shown once").to.not.include("flash-success");
    });

    it("a redirect is answered only once its session is stored: the page it leads to, asked for at once, shows the message", async () => {
      const server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      // Another writer holds the sessions table, so storing the new session has to wait for it.
      let release!: () => void;
      let locked!: () => void;
      const held = new Promise<void>((resolve) => (locked = resolve));
      const writer = db.transaction(async (trx) => {
        if (engine.name === "postgres") await trx.raw("lock table sessions in exclusive mode");
        else await trx("sessions").where({ sid: "nobody" }).delete();
        locked();
        await new Promise<void>((resolve) => (release = resolve));
      });
      try {
        await held;
        const { port } = server.address() as AddressInfo;
        const get = (path: string, cookie?: string) => new Promise<http.IncomingMessage>((resolve, reject) => {
          http.get({ port, host: "127.0.0.1", path, headers: cookie ? { cookie } : {} }, resolve).on("error", reject);
        });
        const text = (res: http.IncomingMessage) => new Promise<string>((resolve) => {
          let html = "";
          res.setEncoding("utf8").on("data", (chunk: string) => (html += chunk)).on("end", () => resolve(html));
        });
        // A visitor opens a signed-in page: "sign in to continue" is left in a new session for /login.
        const answer = get("/applicant");
        const early = await Promise.race([answer.then(() => "answered"), new Promise((resolve) => setTimeout(() => resolve("waiting"), 300))]);
        if (early === "waiting") release();
        const redirect = await answer;
        expect(redirect.statusCode).to.equal(303);
        // What a browser does: follow the redirect on its headers, before the body has ended.
        const cookie = String(redirect.headers["set-cookie"]?.[0]).split(";")[0];
        const login = await get(String(redirect.headers.location), cookie);
        release();
        redirect.resume();
        expect(early, "the redirect waited for the session to be stored").to.equal("waiting");
        expect(await text(login)).to.include("flash-info");
      } finally {
        release?.();
        await writer;
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it("signing in stores the session no more often than express-session and passport do themselves", async () => {
      let writes = 0;
      const count = (q: { sql: string }) => {
        // The session's data written (an insert or replace; on PostgreSQL an upsert); not a touch of its expiry.
        if (/^\s*(insert|update|with)\b/i.test(q.sql) && /\bsessions\b/.test(q.sql) && /\bsess\b/.test(q.sql)) writes++;
      };
      const agent = request.agent(app);
      const form = await agent.get("/login").expect(200);
      db.on("query", count);
      try {
        // passport stores the new session before its redirect; express-session stores it once more
        // at the end, as it does for every regenerated session. The redirect adds no third write.
        await agent.post("/login").type("form").send({ email: "sme@demo.test", password: DEMO_PASSWORD, _csrf: csrfFrom(form.text) }).expect(303);
      } finally {
        db.off("query", count);
      }
      expect(writes).to.equal(2);
    });

    it("75 anonymous landing-page requests create no session row and set no cookie", async () => {
      for (let i = 0; i < 75; i++) {
        const res = await request(app).get("/").expect(200);
        expect(res.headers["set-cookie"], "no session cookie for a visitor shown no form").to.equal(undefined);
      }
      expect(await sessionRows(db)).to.have.length(0);
    });

    it("a page that shows a form stores its token, and only that form's token is accepted", async () => {
      const anonymous = await request(app).post("/login").type("form").send({ email: "admin@demo.test", password: "demo-voucherdesk", _csrf: "x".repeat(256) });
      expect(anonymous.status, "no session, so no token can match").to.equal(403);
      const agent = request.agent(app);
      const page = await agent.get("/login").expect(200);
      const rows = await sessionRows(db);
      expect(rows).to.have.length(1);
      expect(JSON.parse(rows[0]!.sess)).to.have.property("csrfToken", csrfFrom(page.text));
      const forged = await agent.post("/login").type("form").send({ email: "admin@demo.test", password: "demo-voucherdesk", _csrf: "x".repeat(256) });
      expect(forged.status).to.equal(403);
      const ok = await agent.post("/login").type("form").send({ email: "admin@demo.test", password: "demo-voucherdesk", _csrf: csrfFrom(page.text) });
      expect(ok.status).to.equal(303);
    });

    it("a signed-in GET within a minute does not write the session row; one after a minute extends it", async () => {
      const agent = await signIn(app, "manager@demo.test");
      // Sign-in starts a new session; its first page holds the sign-out form, whose token is kept.
      await agent.get("/manager").expect(200);
      const signedIn = await sessionRows(db);
      expect(signedIn).to.have.length(1);

      now += TOUCH_INTERVAL_MS - 1000;
      for (const page of ["/manager", "/manager", "/"]) {
        const res = await agent.get(page);
        expect(res.status).to.be.oneOf([200, 303]);
        expect(String(res.headers["set-cookie"])).to.include("vd.sid=");
      }
      expect(await sessionRows(db), "row untouched within the minute").to.deep.equal(signedIn);

      now += 2000;
      await agent.get("/manager").expect(200);
      const later = await sessionRows(db);
      expect(later).to.have.length(1);
      // Only the last activity and the cookie's expiry move (recorded in the same once-a-minute write).
      const withoutLastSeen = (sess: string) => {
        const parsed = JSON.parse(sess) as { activity?: { lastSeenAt?: number }; cookie?: unknown };
        if (parsed.activity) delete parsed.activity.lastSeenAt;
        delete parsed.cookie;
        return parsed;
      };
      expect(withoutLastSeen(later[0]!.sess)).to.deep.equal(withoutLastSeen(signedIn[0]!.sess));
      expect((JSON.parse(later[0]!.sess) as { activity: { lastSeenAt: number } }).activity.lastSeenAt).to.equal(now);
      expect(new Date(later[0]!.expired).getTime(), "expiry extended after a minute").to.be.greaterThan(new Date(signedIn[0]!.expired).getTime());
    });
  });
}
