import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { formatMoney } from "../../server/domain/money";
import { findApplication } from "../../server/services/applications/records";
import { reviewApplication } from "../../server/services/review/queries";
import { approve } from "../../server/services/review/decisions";
import { findingsFor } from "../../server/services/applications/eligibility";
import { awardLetterData } from "../../server/services/letters/letters";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { declareDeMinimis, insertSubmitted, seedCall } from "../support/journey";
import { defined } from "../support/defined";

for (const engine of testDatabases()) {
  describe(`de minimis: eligibility, award letter and manager's page give one total (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, clock.now);
    });
    after(() => db.destroy());

    it("counts an undated earlier award and a declaration inside the window, and leaves out a declaration older than three years, in all three places", async () => {
      const manager = testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now);
      const callId = await seedCall(db, clock.now, { totalCents: 10_000_000 });
      await declareDeMinimis(db, "amager@demo.test", [
        { grantingBody: "Recent fund", grantedOn: "2025-01-15", amountCents: 1_234_500 },
        { grantingBody: "Old fund", grantedOn: "2024-02-29", amountCents: 9_999_900 },
      ], "2027-01-01T00:00:00.000Z");
      // An earlier voucher of the programme, paid, whose approval date was never recorded.
      const earlier = await insertSubmitted(db, { email: "amager@demo.test", callId, type: "MG", requestedCents: 45_000 });
      await db("applications").where({ id: earlier }).update({ state: "paid", approved_cents: 45_000, approved_on: null });
      const id = await insertSubmitted(db, { email: "amager@demo.test", callId, type: "IN" });
      const expectedEarlier = 1_234_500 + 45_000;

      const page = await reviewApplication(manager, id);
      expect(page.history.deMinimisTotalCents).to.equal(expectedEarlier);

      const app = defined(await findApplication(db, id), "application");
      const r9 = (await findingsFor(db, manager, app, { stage: "approve", amountCents: 400_000 })).find((f) => f.rule === "R9")!;
      expect(r9.message).to.include(`last three years ${formatMoney(expectedEarlier)} plus this award ${formatMoney(400_000)}`);

      await (await approve(manager, id, {})).letterWritten;
      const letter = await awardLetterData(db, manager, id, { reference: "IN2LS-2027-DK-IN-0001", issuedAt: "2027-03-01T10:00:00.000Z" });
      expect(letter.deMinimis.declaredLastThreeYearsCents + letter.deMinimis.earlierProgrammeAwardsCents).to.equal(expectedEarlier);
      expect(letter.deMinimis).to.include({ declaredLastThreeYearsCents: 1_234_500, earlierProgrammeAwardsCents: 45_000 });
    });
  });
}
