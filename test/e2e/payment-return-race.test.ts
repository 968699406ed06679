import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import * as budget from "../../server/services/finance/budget";
import { buildApp, csrfFrom, signIn } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { insertVerifiedClaim, payClaim, registerSme, seedCall } from "../support/journey";
import { raceGate } from "../support/overlap";
import { defined } from "../support/defined";

/*
 * The bank's return of one payment recorded twice at the same moment (two tabs, or two finance
 * officers reading the same statement), through HTTP on both databases: the payment's entry is
 * reversed once, the second request is refused in words, and the ledger still agrees with its
 * running totals. A second reversal would hand the award back twice: paid would go below zero
 * and the claim could be paid once more than it was returned.
 */
const ROUNDS = 5;

for (const engine of testDatabases()) {
  describe(`a returned payment recorded twice at once (e2e, ${engine.name})`, function () {
    this.timeout(180000);
    let db: Db;
    const clock = new TestClock(new Date("2027-06-20T10:00:00Z"));

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, clock.now);
    });
    after(() => db.destroy());

    it(`one reversal, one refusal (${ROUNDS} rounds)`, async () => {
      const callId = await seedCall(db, () => new Date("2027-01-15T10:00:00.000Z"), { totalCents: 100_000_000 });
      for (let round = 0; round < ROUNDS; round++) {
        const sme = await registerSme(db, { region: "DK", at: "2027-01-10T10:00:00.000Z" });
        const claim = await insertVerifiedClaim(db, { email: sme.email, callId, type: "IN" });
        await payClaim(db, claim.claimId, "2027-06-15T10:00:00.000Z");
        const paymentId = Number(defined(await db("payments").where({ claim_id: claim.claimId }).first()).id);
        const url = `/finance/payments/${paymentId}/returned`;

        const gate = raceGate(buildApp(db, { clock: clock.now }), 2, (req) => req.method === "POST" && req.path === url);
        const tabs = await Promise.all([0, 1].map(async () => {
          const agent = await signIn(gate.app, "finance@demo.test");
          return { agent, token: csrfFrom((await agent.get(`/finance/payments/${paymentId}`)).text) };
        }));
        const results = await Promise.all(tabs.map(({ agent, token }) =>
          agent.post(url).type("form").send({ _csrf: token, returnedOn: "2027-06-18", reason: "Account closed", confirm: "on" })));
        expect(gate.maxInside(), `round ${round}: both requests were inside the app at once`).to.equal(2);
        expect(results.map((r) => r.status).sort(), `round ${round}`).to.deep.equal([303, 409]);
        expect(defined(results.find((r) => r.status === 409)).text).to.contain("already recorded as returned by the bank");

        const payments = await db("ledger_entries").where({ application_id: claim.applicationId, kind: "payment" }).orderBy("id").pluck("amount_cents");
        expect(payments.map(Number), `round ${round}: one payment, one reversal`).to.deep.equal([400_000, -400_000]);
        expect(await db("audit_events").where({ action: "payment.returned", entity_id: String(claim.claimId) })).to.have.length(1);
        expect(defined(await db("applications").where({ id: claim.applicationId }).first()).state).to.equal("claim-verified");
      }
      for (const check of await budget.verifyLedgerTotals(db, callId)) expect(check.ok, `ceiling ${check.key}`).to.equal(true);
      expect(await budget.ledgerSumsAgree(db, callId)).to.equal(true);
    });
  });
}
