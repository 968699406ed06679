import { expect } from "chai";
import request from "supertest";
import type { Db } from "../../server/db/connection";
import { verifyAuditChain } from "../../server/services/platform/audit-chain";
import { buildApp, csrfFrom } from "../support/app";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { raceGate } from "../support/overlap";

const PARTIES = 8;

for (const engine of testDatabases()) {
  describe(`the audit chain stays linear under concurrent requests (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
    });
    after(() => db.destroy());

    it(`${PARTIES} sign-in attempts at the same moment each append one entry, and the chain verifies (3 rounds)`, async () => {
      const gate = raceGate(buildApp(db), PARTIES, (req) => req.method === "POST" && req.path === "/login");
      for (let round = 0; round < 3; round++) {
        const before = Number((await db("audit_events").count({ n: "*" }))[0]?.n);
        const agents = await Promise.all(Array.from({ length: PARTIES }, async (_, i) => {
          const agent = request.agent(gate.app);
          const token = csrfFrom((await agent.get("/login")).text);
          return { agent, token, email: `nobody-${round}-${i}@example.org` };
        }));
        const results = await Promise.all(agents.map(({ agent, token, email }) =>
          agent.post("/login").type("form").send({ email, password: "not-the-password", _csrf: token })));
        expect(results.map((r) => r.status)).to.deep.equal(Array<number>(PARTIES).fill(401));
        expect(gate.maxInside(), "the sign-ins were inside the app at once").to.equal(PARTIES);
        const after = Number((await db("audit_events").count({ n: "*" }))[0]?.n);
        expect(after - before).to.equal(PARTIES);
        const state = await verifyAuditChain(db);
        expect(state, JSON.stringify(state)).to.deep.include({ ok: true, entries: after });
      }
    });
  });
}
