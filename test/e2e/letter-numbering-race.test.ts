import { expect } from "chai";
import { lettersWritten } from "../../server/services/letters/letters";
import request from "supertest";
import type { Db } from "../../server/db/connection";
import { buildApp, csrfFrom, signIn } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { insertSubmitted, seedCall } from "../support/journey";
import { raceGate } from "../support/overlap";

/*
 * Award-letter numbers come from one counter per reference prefix (programme, year, partner region,
 * voucher type): approvals under the same prefix at the same moment must each get their own number,
 * one after the other, with no gap and no duplicate.
 */
const APPLICANTS = ["sme@demo.test", "oresund@demo.test", "amager@demo.test", "hillerod@demo.test"];

for (const engine of testDatabases()) {
  describe(`award-letter numbers under concurrent approvals (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    beforeEach(async () => {
      db = await engine.create();
      await seedDemoData(db, clock.now);
    });
    afterEach(() => db.destroy());

    it(`${APPLICANTS.length} approvals under one prefix at once number their letters consecutively, each once`, async () => {
      // Each in a call of its own: approvals in one call already wait for each other on the call's
      // budget ceilings, so only approvals in different calls meet at the letter's number.
      const ids: number[] = [];
      for (const email of APPLICANTS) {
        const callId = await seedCall(db, clock.now, { totalCents: 10_000_000 });
        ids.push(await insertSubmitted(db, { email, callId, type: "MG", requestedCents: 50_000 }));
      }
      const prefixes = await db("applications as a").join("partners as p", "p.id", "a.partner_id").join("regions as r", "r.id", "p.region_id")
        .whereIn("a.id", ids).distinct().pluck("r.code");
      expect(prefixes, "all four fall under one partner region").to.have.length(1);

      const gate = raceGate(buildApp(db, { clock: clock.now }), ids.length, (req) => req.method === "POST" && req.path.endsWith("/approve"));
      // One session per request (a session's form token is the one its last page gave), from two managers.
      const posts: { agent: request.Agent; id: number; token: string }[] = [];
      for (const [i, id] of ids.entries()) {
        const agent = await signIn(gate.app, i % 2 === 0 ? "manager@demo.test" : "manager2@demo.test");
        posts.push({ agent, id, token: csrfFrom((await agent.get(`/manager/applications/${id}`)).text) });
      }
      const results = await Promise.all(posts.map(({ agent, id, token }) =>
        agent.post(`/manager/applications/${id}/approve`).type("form").send({ _csrf: token, amount: "500.00" })));
      expect(results.map((r) => r.status), results.map((r) => r.text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").slice(0, 1200)).join("\n")).to.deep.equal(Array<number>(ids.length).fill(303));
      expect(gate.maxInside(), "the approvals were inside the app at once").to.equal(ids.length);

      await lettersWritten(db);
      const references: string[] = await db("award_letters").whereIn("application_id", ids).pluck("reference");
      const numbers = references.map((r) => Number(r.slice(r.lastIndexOf("-") + 1))).sort((a, b) => a - b);
      expect(numbers).to.deep.equal([1, 2, 3, 4]);
      expect(new Set(references.map((r) => r.slice(0, r.lastIndexOf("-")))).size).to.equal(1);
      const counter = await db("letter_numbers").where({ prefix: `${references[0]!.slice(0, references[0]!.lastIndexOf("-") + 1)}` }).first("last_sequence");
      expect(Number(counter?.last_sequence)).to.equal(4);
    });
  });
}
