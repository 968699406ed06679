import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { SIGN_IN_THROTTLE } from "../../server/domain/throttle";
import { buildApp, csrfToken } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";

const RIGHT = "demo-voucherdesk";
const WRONG = "not-the-password";

for (const engine of testDatabases()) {
  describe(`sign-in throttling cannot lock out others (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db, { clock: clock.now });
    });
    after(() => db.destroy());

    async function attempt(email: string, password: string, ip: string) {
      const agent = request.agent(app);
      const token = await csrfToken(agent);
      return agent.post("/login").set("X-Forwarded-For", ip).type("form").send({ email, password, _csrf: token });
    }

    it("the owner signs in from their own address after an attacker failed many times from other addresses", async () => {
      const email = "manager2@demo.test";
      for (const ip of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) {
        for (let i = 0; i < SIGN_IN_THROTTLE.pairFreeFailures; i++) expect((await attempt(email, WRONG, ip)).status).to.equal(401);
        // The attacker's own address now waits, even with the right password.
        const refused = await attempt(email, RIGHT, ip);
        expect(refused.status).to.equal(429);
        expect(refused.text).to.include("please wait 5 seconds");
      }
      const owner = await attempt(email, RIGHT, "192.0.2.10");
      expect(owner.status).to.equal(303);
      // The password is accepted: the staff account goes on to its second factor.
      expect(owner.headers.location).to.equal("/login/code");
      const throttled = await db("audit_events").where({ action: "login.throttled", entity_id: email });
      expect(throttled).to.have.length(3);
      expect(throttled.map((e) => (JSON.parse(defined(e.after_json)) as { ip: string }).ip)).to.have.members(["203.0.113.1", "203.0.113.2", "203.0.113.3"]);
    });

    it("an office address where many colleagues mistyped does not stop a colleague who types the right password", async () => {
      const office = "198.51.100.50";
      const colleagues = ["sme@demo.test", "oresund@demo.test", "amager@demo.test", "hillerod@demo.test", "brabant@demo.test", "neckar@demo.test"];
      // Each colleague fails up to the free count: 18 failures from one address, some accounts now waiting.
      for (const email of colleagues) {
        for (let i = 0; i < SIGN_IN_THROTTLE.pairFreeFailures; i++) expect((await attempt(email, WRONG, office)).status).to.equal(401);
      }
      expect((await attempt("sme@demo.test", RIGHT, office)).status).to.equal(429);
      const colleague = await attempt("finance@demo.test", RIGHT, office);
      expect(colleague.status).to.equal(303);
      expect(colleague.headers.location).to.equal("/login/code");
    });

    it("one address guessing many accounts reaches the higher per-address ceiling, then waits", async () => {
      const ip = "198.51.100.99";
      for (let i = 0; i < SIGN_IN_THROTTLE.addressCeiling; i++) {
        expect((await attempt(`guess${i}@nowhere.test`, WRONG, ip)).status).to.equal(401);
      }
      const res = await attempt("manager.nl@demo.test", RIGHT, ip);
      expect(res.status).to.equal(429);
      expect(res.headers["retry-after"]).to.equal(String(SIGN_IN_THROTTLE.baseDelaySeconds));
      // Another address is not affected.
      expect((await attempt("manager.nl@demo.test", RIGHT, "192.0.2.77")).status).to.equal(303);
    });

    it("the wait grows with each further failure, and a success starts the count again", async () => {
      const email = "finance@demo.test";
      const ip = "203.0.113.200";
      for (let i = 0; i < SIGN_IN_THROTTLE.pairFreeFailures; i++) expect((await attempt(email, WRONG, ip)).status).to.equal(401);
      const waits: number[] = [];
      for (let round = 0; round < 3; round++) {
        const refused = await attempt(email, WRONG, ip);
        expect(refused.status).to.equal(429);
        const wait = Number(refused.headers["retry-after"]);
        waits.push(wait);
        // One second early is still too early.
        clock.set(new Date(clock.now().getTime() + (wait - 1) * 1000).toISOString());
        expect((await attempt(email, WRONG, ip)).status).to.equal(429);
        clock.set(new Date(clock.now().getTime() + 1000).toISOString());
        expect((await attempt(email, WRONG, ip)).status).to.equal(401);
      }
      expect(waits).to.deep.equal([5, 10, 20]);
      const refused = await attempt(email, RIGHT, ip);
      expect(refused.status).to.equal(429);
      expect(refused.headers["retry-after"]).to.equal("40");
      expect(refused.text).to.include("please wait 40 seconds");
      clock.set(new Date(clock.now().getTime() + 40_000).toISOString());
      expect((await attempt(email, RIGHT, ip)).status).to.equal(303);
      expect((await attempt(email, WRONG, ip)).status).to.equal(401);
      expect((await attempt(email, RIGHT, ip)).status).to.equal(303);
    });
  });
}
