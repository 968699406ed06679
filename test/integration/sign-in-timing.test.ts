import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { authenticate } from "../../server/services/people/sign-in";
import { testContext, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";

/*
 * An unknown e-mail must not be refused measurably faster than a known one, or the timing tells
 * which addresses have accounts. Measured on the service, where the two paths differ, in pairs
 * taken back to back (alternating which goes first), so that load from other processes on the
 * machine hits both sides of a pair alike; the median of the pair ratios is compared.
 */
for (const engine of testDatabases()) {
  describe(`sign-in timing does not reveal accounts (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
    });
    after(() => db.destroy());

    it("an unknown e-mail takes about as long to refuse as a known one with a wrong password", async () => {
      const ctx = testContext(db, null);
      const time = async (email: string, ip: string) => {
        const started = process.hrtime.bigint();
        const actor = await authenticate(ctx, email, "not-the-password", ip);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        expect(actor).to.equal(null);
        return ms;
      };
      const ratios: number[] = [];
      const known: number[] = [];
      const unknown: number[] = [];
      // Each attempt from a fresh address, so that no throttle applies.
      for (let i = 0; i < 27; i++) {
        let k: number, u: number;
        if (i % 2 === 0) {
          k = await time("manager@demo.test", `198.18.1.${i}`);
          u = await time(`nobody${i}@demo.test`, `198.18.2.${i}`);
        } else {
          u = await time(`nobody${i}@demo.test`, `198.18.2.${i}`);
          k = await time("manager@demo.test", `198.18.1.${i}`);
        }
        if (i < 2) continue; // warm-up
        ratios.push(k / u);
        known.push(k);
        unknown.push(u);
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      console.log(`      [${engine.name}] refusing a wrong password, median of 25: known e-mail ${defined(median(known)).toFixed(1)} ms, unknown ${defined(median(unknown)).toFixed(1)} ms, pair ratio ${defined(median(ratios)).toFixed(2)}`);
      expect(median(ratios), "median of known/unknown time ratios").to.be.within(0.5, 2);
    });
  });
}
