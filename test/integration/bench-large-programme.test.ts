import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { STATE_LABELS } from "../../server/domain/lifecycle";
import { verifyLedgerTotals } from "../../server/services/finance/budget";
import { reconciliation } from "../../server/services/finance/reconciliation";
import { seedLargeProgramme } from "../../bench/large-programme";
import { testConfig, testDatabases } from "../support/db";

for (const engine of testDatabases()) {
  describe(`bench: the large-programme data set keeps every invariant (${engine.name})`, function () {
    this.timeout(180000);
    let db: Db;
    let summary: Awaited<ReturnType<typeof seedLargeProgramme>>;

    before(async () => {
      db = await engine.create();
      summary = await seedLargeProgramme(db, testConfig(), { applications: 700, calls: 7, seed: 3 });
    });
    after(() => db.destroy());

    it("builds the requested size with applications in many states", async () => {
      expect(summary.applications).to.equal(700);
      expect(Number((await db("applications").where("reference", "like", "APP-%").count({ n: "*" }))[0]?.n)).to.be.greaterThan(500);
      expect(Object.keys(summary.states).length).to.be.greaterThanOrEqual(10);
      for (const s of Object.keys(summary.states)) expect(STATE_LABELS).to.have.property(s);
      expect(summary.ledgerEntries).to.be.greaterThan(summary.applications);
    });

    it("running totals equal the ledger, within every ceiling: the reconciliation shows no difference", async () => {
      const recon = await reconciliation(db);
      expect(recon.byCall.length).to.be.greaterThan(7);
      for (const row of recon.byCall) {
        expect(row.runningTotalsAgree, row.label).to.equal(true);
        if (row.remainingCents !== null) expect(row.remainingCents, row.label).to.be.at.least(0);
        expect(row.outstandingCents, row.label).to.be.at.least(0);
      }
      for (const call of await db("calls").select("id")) {
        for (const check of await verifyLedgerTotals(db, Number(call.id))) expect(check.ok, `call ${call.id} ${check.key}`).to.equal(true);
      }
    });

    it("money follows the state: commits only for approved awards, payments only with a claim's one payment path", async () => {
      const committed = await db("ledger_entries").where({ kind: "commit" }).distinct("application_id").pluck("application_id");
      const states = new Map((await db("applications").select("id", "state")).map((a) => [Number(a.id), a.state]));
      const neverApproved = new Set(["draft", "submitted", "more-info-requested", "rejected", "withdrawn", "reserve-listed"]);
      for (const id of committed) expect(neverApproved.has(String(states.get(Number(id)))), `application ${id}`).to.equal(false);
      const perApp = await db("ledger_entries").groupBy("application_id", "kind").select("application_id", "kind").sum({ s: "amount_cents" });
      const totals = new Map<number, Record<string, number>>();
      for (const r of perApp) {
        const t = totals.get(Number(r.application_id)) ?? {};
        t[String(r.kind)] = Number(r.s);
        totals.set(Number(r.application_id), t);
      }
      for (const [id, t] of totals) {
        const outstanding = (t.commit ?? 0) - (t.release ?? 0) - (t.payment ?? 0);
        expect(outstanding, `application ${id}`).to.be.at.least(0);
        const state = String(states.get(id));
        if (["paid", "closed", "cancelled", "expired"].includes(state)) expect(outstanding, `application ${id} (${state})`).to.equal(0);
      }
      const paid = await db("payments as p").leftJoin("payment_paths as pp", "pp.payment_id", "p.id").select<{ id: number; path: number | null }[]>("p.id", "pp.id as path");
      expect(paid.length).to.be.greaterThan(0);
      for (const p of paid) expect(p.path, `payment ${p.id}`).to.not.equal(null);
      const [{ n } = { n: 0 }] = await db("payment_paths").whereNull("closed_at").groupBy("claim_id").havingRaw("count(*) > 1").count({ n: "*" });
      expect(Number(n ?? 0)).to.equal(0);
    });

    it("is deterministic: the same seed gives the same applications and ledger", async () => {
      const again = await (async () => {
        const other = await engine.create();
        try {
          await seedLargeProgramme(other, testConfig(), { applications: 700, calls: 7, seed: 3 });
          return {
            apps: await other("applications").orderBy("id").select("reference", "state", "approved_cents", "call_id", "company_id"),
            ledger: await other("ledger_entries").orderBy("id").select("application_id", "kind", "amount_cents", "at"),
          };
        } finally {
          await other.destroy();
        }
      })();
      expect(await db("applications").orderBy("id").select("reference", "state", "approved_cents", "call_id", "company_id")).to.deep.equal(again.apps);
      expect(await db("ledger_entries").orderBy("id").select("application_id", "kind", "amount_cents", "at")).to.deep.equal(again.ledger);
    });
  });
}
