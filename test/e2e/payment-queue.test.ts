import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { PAYMENTS_PER_PAGE } from "../../server/services/finance/payment-queries";
import type { Agent } from "../support/app";
import { testDatabases } from "../support/db";
import { insertSubmittedRow, seedCall, startFinanceWorld } from "../support/journey";
import { defined } from "../support/defined";
import { relLink as link } from "../support/pages";

/* The payment queue at a programme's size: verified claims a page at a time, oldest verification first. */

const claimIds = (html: string) => [...html.matchAll(/name="claimIds" value="(\d+)"/g)].map((m) => Number(m[1]));

for (const engine of testDatabases()) {
  describe(`finance: the payment queue at size (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let finance: Agent;

    before(async () => {
      let clock;
      ({ db, finance, clock } = await startFinanceWorld(engine, "2027-06-15T10:00:00.000Z"));
      const callId = await seedCall(db, clock.now);
      const verifier = defined(await db("users").where({ email: "manager@demo.test" }).first("id"));
      // Verified claims written as rows: the services allow one voucher of a type per company and call (R10).
      for (let i = 0; i < PAYMENTS_PER_PAGE + 10; i++) {
        const id = await insertSubmittedRow(db, { email: "sme@demo.test", callId, type: "IN" });
        await db("applications").where({ id }).update({ state: "claim-verified", approved_cents: 400_000, reference: `IN-Q-${i}` });
        // Pairs verified at the same moment: the id decides between them.
        const at = new Date(Date.UTC(2027, 4, 20, 10, 59 - Math.floor(i / 2))).toISOString();
        await db("claims").insert({
          application_id: id, status: "verified", report: "Met", organisations_met: "", result_contacts: "", result_product: "", follow_up: "",
          submitted_at: "2027-05-01T10:00:00.000Z", submitted_by: verifier.id, verified_at: at, verified_by: verifier.id, payable_cents: 350_000,
        });
      }
    });
    after(() => db.destroy());

    it("shows the oldest verifications first, a page at a time, every waiting claim once, and back again", async () => {
      const expected = (await db("claims as cl").join("applications as a", "a.id", "cl.application_id").leftJoin("payments as pm", "pm.claim_id", "cl.id")
        .where({ "cl.status": "verified", "a.state": "claim-verified" }).whereNull("pm.id")
        .orderBy([{ column: "cl.verified_at" }, { column: "cl.id" }]).select<{ id: number }[]>("cl.id")).map((r) => Number(r.id));
      expect(expected.length).to.be.above(PAYMENTS_PER_PAGE);

      const first = await finance.get("/finance");
      expect(first.status).to.equal(200);
      expect(claimIds(first.text)).to.deep.equal(expected.slice(0, PAYMENTS_PER_PAGE));
      expect(first.text).to.contain(`${PAYMENTS_PER_PAGE} of ${expected.length} claims waiting`);
      expect(link(first.text, "prev")).to.equal(null);
      const second = await finance.get(defined(link(first.text, "next")));
      expect(claimIds(second.text)).to.deep.equal(expected.slice(PAYMENTS_PER_PAGE));
      expect(link(second.text, "next")).to.equal(null);
      expect(link(second.text, "first")).to.equal("/finance");
      // The page still pays and batches: its form and the batch list are there.
      expect(second.text).to.contain('action="/finance/payments"').and.contain('formaction="/finance/sepa"');
      const back = await finance.get(defined(link(second.text, "prev")));
      expect(claimIds(back.text)).to.deep.equal(expected.slice(0, PAYMENTS_PER_PAGE));
    });

    it("refuses a page link that is not one with a 4xx page", async () => {
      expect((await finance.get("/finance?after=yesterday")).status).to.be.within(400, 499);
      expect((await finance.get(`/finance?before=${"9".repeat(80)}`)).status).to.equal(400);
    });
  });
}
