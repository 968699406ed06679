import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { dashboard } from "../../server/services/results/dashboard";
import { resultsFilter } from "../../server/services/results/filter";
import { ledgerTotals } from "../../server/services/finance/ledger-queries";
import { indicatorReport } from "../../server/services/results/report";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";

/*
 * Every amount and count on the results dashboard, recomputed here from the raw rows of
 * ledger_entries and applications (read whole and summed in the test), and compared to the cent.
 */

type Entry = { call_id: number; application_id: number; kind: string; amount_cents: number | string; at: string };
type App = { id: number; call_id: number; partner_id: number; state: string; submitted_at: string | null; approved_on: string | null; company_id: number };

function sums(entries: Entry[]) {
  const s = { committed: 0, released: 0, paid: 0 };
  for (const e of entries) {
    const c = Number(e.amount_cents);
    if (e.kind === "commit") s.committed += c; else if (e.kind === "release") s.released += c; else s.paid += c;
  }
  return s;
}

for (const engine of testDatabases()) {
  describe(`results reconcile with the ledger (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let entries: Entry[];
    let apps: App[];
    let partnerOf: Map<number, number>;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, () => new Date(), { activity: true });
      entries = await db("ledger_entries").select("call_id", "application_id", "kind", "amount_cents", "at");
      apps = await db("applications").select("id", "call_id", "partner_id", "state", "submitted_at", "approved_on", "company_id");
      partnerOf = new Map(apps.map((a) => [a.id, a.partner_id]));
    });
    after(() => db.destroy());

    const filters: { name: string; from?: string; to?: string; call?: number }[] = [
      { name: "whole programme" },
      { name: "call 1", call: 1 },
      { name: "call 2", call: 2 },
      { name: "the last 60 days", from: new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10) },
      { name: "up to 100 days ago", to: new Date(Date.now() - 100 * 86_400_000).toISOString().slice(0, 10) },
    ];

    for (const fx of filters) {
      it(`agrees to the cent for ${fx.name}`, async () => {
        const f = resultsFilter({ from: fx.from, to: fx.to, callId: fx.call }, "Europe/Copenhagen");
        const inPeriod = (iso: string) => (!f.fromUtc || iso >= f.fromUtc) && (!f.toUtcExclusive || iso < f.toUtcExclusive);
        const mine = entries.filter((e) => (!fx.call || e.call_id === fx.call) && inPeriod(e.at));
        const d = await dashboard(db, f);
        const expected = sums(mine);
        expect(expected.committed, "the demo has commitments in this filter").to.be.greaterThan(fx.to ? -1 : 0);
        expect({ committed: d.amounts.committed, released: d.amounts.released, paid: d.amounts.paid }).to.deep.equal(expected);

        // The ledger page's totals for the same dates and call.
        const ledger = await ledgerTotals(db, { fromUtc: f.fromUtc, toUtcExclusive: f.toUtcExclusive, callId: f.callId });
        expect([ledger.committed, ledger.released, ledger.paid]).to.deep.equal([expected.committed, expected.released, expected.paid]);

        // Per call and per partner add up to the same entries.
        for (const c of d.calls) expect(c.totals).to.deep.equal(sums(mine.filter((e) => e.call_id === c.callId)));
        for (const p of d.partners) expect(p.totals).to.deep.equal(sums(mine.filter((e) => partnerOf.get(e.application_id) === p.partnerId)));
        const last = d.burn[d.burn.length - 1];
        const all = sums(entries.filter((e) => (!fx.call || e.call_id === fx.call) && (!f.toUtcExclusive || e.at < f.toUtcExclusive)));
        if (last) expect([last.committedNet, last.paid]).to.deep.equal([all.committed - all.released, all.paid]);

        // Counts from the applications.
        const submitted = apps.filter((a) => a.submitted_at !== null && (!fx.call || a.call_id === fx.call) && inPeriod(a.submitted_at));
        expect(d.submittedCount).to.equal(submitted.length);
        expect(d.byRegionType.flat().reduce((a, b) => a + b, 0)).to.equal(submitted.length);
        expect(Object.values(d.byState).reduce((a, b) => a + b, 0)).to.equal(submitted.length);
        expect(d.approvedEver).to.equal(submitted.filter((a) => a.approved_on !== null).length);
        expect(d.byState.paid).to.equal(submitted.filter((a) => a.state === "paid" || a.state === "closed").length);

        // The report's transnational figure is counted row by row; the dashboard's in SQL.
        const report = await indicatorReport(db, f);
        expect(report.indicators.find((i) => i.key === "transnational")?.value).to.equal(d.cooperations.reached);
        const partnersIndicator = report.indicators.find((i) => i.key === "partners");
        expect(partnersIndicator?.value).to.equal(expected.committed - expected.released);
      });
    }
  });
}
