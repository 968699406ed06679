import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { localDate, addDays } from "../../server/domain/time";
import { createSepaBatch, markBatchExecuted, recordPayment } from "../../server/services/finance/payments";
import { testConfig, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import type { ServiceContext } from "../../server/services/platform/context";
import { defined } from "../support/defined";
import { refusal } from "../support/rejects";


for (const engine of testDatabases()) {
  describe(`payment guards (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let ctx: ServiceContext;
    let claimId: number;
    const config = testConfig();
    const today = localDate(new Date(), config.timeZone);

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, () => new Date(), { activity: true });
      ctx = { db, config, actor: await actorByEmail(db, "finance@demo.test"), now: () => new Date() };
      const row = await db("claims as c").join("applications as a", "a.id", "c.application_id").where("a.state", "claim-verified").first<{ id: number } | undefined>("c.id");
      claimId = Number(defined(row, "a verified claim").id);
    });
    after(() => db.destroy());

    it("refuses a payment date in the future", async () => {
      const e = await refusal(recordPayment(ctx, { claimId, paidOn: addDays(today, 1), bankReference: "EARLY" }));
      expect(e.status).to.equal(422);
      expect(JSON.stringify(e.fields)).to.include("is in the future");
      expect(await db("payments").where({ claim_id: claimId }).first()).to.equal(undefined);
    });

    it("refuses a SEPA execution date in the past", async () => {
      const e = await refusal(createSepaBatch(ctx, [claimId], addDays(today, -1)));
      expect(e.status).to.equal(422);
      expect(JSON.stringify(e.fields)).to.include("has passed");
    });

    it("does not pay by hand a claim that sits in a prepared SEPA batch; executing the batch pays it once (R15)", async () => {
      const batch = await createSepaBatch(ctx, [claimId], today);
      const e = await refusal(recordPayment(ctx, { claimId, paidOn: today, bankReference: "MANUAL" }));
      expect(e.status).to.equal(409);
      expect(e.message).to.include(batch.messageId);
      expect(await db("payments").where({ claim_id: claimId }).first()).to.equal(undefined);
      const results = await markBatchExecuted(ctx, batch.id);
      expect(results.map((r) => r.ok)).to.deep.equal([true]);
      const payments = await db("payments").where({ claim_id: claimId });
      expect(payments).to.have.length(1);
      expect(defined(payments[0]).bank_reference).to.equal(batch.messageId);
      expect(await db("ledger_entries").where({ kind: "payment" }).whereIn("application_id", db("claims").where({ id: claimId }).select("application_id"))).to.have.length(1);
    });
  });
}
