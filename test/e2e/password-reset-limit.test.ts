import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { PASSWORD_RESET_LIMITS } from "../../server/domain/throttle";
import { buildApp, csrfFrom } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { raceGate } from "../support/overlap";
import { defined } from "../support/defined";

const NEUTRAL = "If an account exists for";

for (const engine of testDatabases()) {
  describe(`password-reset requests are limited per e-mail and per address (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let app: Express;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db, { clock: clock.now });
    });
    after(() => db.destroy());

    async function requestReset(email: string, ip: string) {
      const agent = request.agent(app);
      const page = await agent.get("/password-reset").set("X-Forwarded-For", ip);
      const res = await agent.post("/password-reset").set("X-Forwarded-For", ip).type("form").send({ email, _csrf: csrfFrom(page.text) });
      expect(res.status).to.equal(200);
      expect(res.text).to.include(NEUTRAL);
      return res;
    }
    const queued = async (to: string) => Number(defined((await db("emails").where({ to_address: to, template: "password-reset" }).count({ n: "*" }))[0]).n);

    it("queues at most the limit of e-mails for one address, answering the same each time", async () => {
      for (let i = 0; i < 8; i++) await requestReset("sme@demo.test", `203.0.113.${i + 1}`);
      expect(await queued("sme@demo.test")).to.equal(PASSWORD_RESET_LIMITS.perEmail);
      const throttled = await db("audit_events").where({ action: "user.password-reset-throttled", entity_id: "sme@demo.test" });
      expect(throttled).to.have.length(8 - PASSWORD_RESET_LIMITS.perEmail);
      // Once the window has passed the owner can ask again.
      clock.set(new Date(clock.now().getTime() + (PASSWORD_RESET_LIMITS.windowMinutes + 1) * 60_000).toISOString());
      await requestReset("sme@demo.test", "203.0.113.1");
      expect(await queued("sme@demo.test")).to.equal(PASSWORD_RESET_LIMITS.perEmail + 1);
    });

    it("queues nothing more from one visitor address past its limit, whatever the e-mail", async () => {
      const ip = "198.51.100.23";
      const accounts = ["manager@demo.test", "finance@demo.test", "admin@demo.test", "manager2@demo.test", "manager.nl@demo.test",
        "oresund@demo.test", "amager@demo.test", "hillerod@demo.test", "brabant@demo.test"];
      // Unknown addresses count too: the visitor cannot tell them apart, and neither should the limit.
      for (const email of [...accounts, "nobody@demo.test"].slice(0, PASSWORD_RESET_LIMITS.perAddress)) await requestReset(email, ip);
      const before = Number(defined((await db("emails").where({ template: "password-reset" }).count({ n: "*" }))[0]).n);
      await requestReset("neckar@demo.test", ip);
      expect(await queued("neckar@demo.test")).to.equal(0);
      expect(Number(defined((await db("emails").where({ template: "password-reset" }).count({ n: "*" }))[0]).n)).to.equal(before);
      const ev = defined(await db("audit_events").where({ action: "user.password-reset-throttled", entity_id: "neckar@demo.test" }).first(), "ev");
      expect(JSON.parse(defined(ev.after_json))).to.deep.equal({ ip, limit: "address" });
      // The same e-mail from another address still gets its link.
      await requestReset("neckar@demo.test", "192.0.2.44");
      expect(await queued("neckar@demo.test")).to.equal(1);
    });

    it("requests sent at the same moment cannot slip past the limit", async () => {
      clock.set(new Date(clock.now().getTime() + (PASSWORD_RESET_LIMITS.windowMinutes + 1) * 60_000).toISOString());
      const email = "hillerod@demo.test";
      const already = await queued(email);
      const parties = 8;
      const gate = raceGate(app, parties, (req) => req.method === "POST" && req.path === "/password-reset");
      const forms = await Promise.all(Array.from({ length: parties }, async (_v, i) => {
        const agent = request.agent(gate.app);
        const page = await agent.get("/password-reset");
        return { agent, token: csrfFrom(page.text), ip: `192.0.2.${100 + i}` };
      }));
      const results = await Promise.all(forms.map(({ agent, token, ip }) =>
        agent.post("/password-reset").set("X-Forwarded-For", ip).type("form").send({ email, _csrf: token })));
      expect(results.map((r) => r.status)).to.deep.equal(Array(parties).fill(200));
      expect(gate.maxInside()).to.equal(parties);
      expect((await queued(email)) - already).to.equal(PASSWORD_RESET_LIMITS.perEmail);
    });
  });
}
