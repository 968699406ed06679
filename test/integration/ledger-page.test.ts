import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { commit, createCeilings, release } from "../../server/services/finance/budget";
import type { LedgerFilter, LedgerPosition } from "../../server/services/finance/ledger-filter";
import { ledgerExportRows, ledgerPage, ledgerTotals, type LedgerPage } from "../../server/services/finance/ledger-queries";
import type { LedgerExportRow } from "../../server/exports/ledger-row";
import { type Actor, type ServiceContext, inTransaction, insertedId } from "../../server/services/platform/context";
import { testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";

const NOW = "2026-11-23T10:00:00.000Z";
const PAGE = 7;

/** Running totals recomputed from the whole filtered ledger, entry by entry, oldest first. */
async function expectedRunning(db: Db, f: LedgerFilter): Promise<Map<number, [number, number, number]>> {
  const out = new Map<number, [number, number, number]>();
  let c = 0, r = 0, p = 0;
  for await (const e of ledgerExportRows(db, f)) {
    if (e.kind === "commit") c += e.amountCents;
    if (e.kind === "release") r += e.amountCents;
    if (e.kind === "payment") p += e.amountCents;
    out.set(e.entryId, [c, r, p]);
  }
  return out;
}

const view = (p: LedgerPage) => p.rows.map((r) => [r.entryId, r.runningCommitted, r.runningReleased, r.runningPaid]);

for (const t of testDatabases()) {
  describe(`ledger page: keyset paging with running totals (${t.name})`, function () {
    this.timeout(60_000);
    let db: Db;
    let ctx: ServiceContext;
    let manager: Actor;
    let calls: number[] = [];
    let apps: { id: number; callId: number }[] = [];
    let seq = 0;

    async function book(n: number): Promise<void> {
      for (let i = 0; i < n; i++) {
        const app = apps[seq % apps.length]!;
        const k = ++seq;
        await inTransaction(ctx, (trx) => commit(trx, ctx, { callId: app.callId, applicationId: app.id, amountCents: 1_000 + k, ceilingKeys: ["total"], idempotencyKey: `page-commit-${k}` }));
        if (k % 3 === 0) {
          await inTransaction(ctx, (trx) => release(trx, ctx, { callId: app.callId, applicationId: app.id, amountCents: 100 + k, ceilingKeys: ["total"], idempotencyKey: `page-release-${k}` }));
        }
      }
    }

    before(async () => {
      db = await t.create();
      await seedDemoData(db, () => new Date(NOW));
      manager = await actorByEmail(db, "manager@demo.test");
      ctx = testContext(db, manager, () => new Date(NOW));
      const scheme = await db("schemes").first("id");
      const company = await db("companies").orderBy("id").first("id");
      // Two partners and two voucher types, so that a region or type filter leaves entries out.
      const types = await db("voucher_types").orderBy("id").limit(2).pluck("id");
      const partners = await db("partners").orderBy("id").limit(2).pluck("id");
      expect(scheme && company && types.length === 2 && partners.length === 2).to.equal(true);
      calls = [];
      for (const title of ["Paging call A", "Paging call B"]) {
        const [row] = await db("calls").insert({
          scheme_id: scheme!.id, title, opens_at: NOW, closes_at: "2026-12-23T10:00:00.000Z", status: "draft", created_by: manager.id, created_at: NOW, updated_at: NOW,
        }).returning("id");
        const callId = insertedId(row);
        await inTransaction(ctx, (trx) => createCeilings(trx, ctx, callId, [{ key: "total", label: "Total", ceilingCents: 100_000_000 }]));
        calls.push(callId);
      }
      apps = [];
      for (let i = 0; i < 6; i++) {
        const callId = calls[i % 2]!;
        const [row] = await db("applications").insert({
          call_id: callId, company_id: company!.id, voucher_type_id: types[i % 3 === 0 ? 1 : 0], partner_id: partners[Math.floor(i / 3) % 2], state: "approved",
          created_by: manager.id, created_at: NOW, updated_at: NOW,
        }).returning("id");
        apps.push({ id: insertedId(row), callId });
      }
      await book(20); // 20 commits and 6 releases
    });

    after(async () => {
      await db?.destroy();
    });

    async function walk(f: LedgerFilter): Promise<LedgerPage[]> {
      const pages: LedgerPage[] = [];
      let at: LedgerPosition | null = null;
      for (;;) {
        const p = await ledgerPage(db, f, at, PAGE);
        pages.push(p);
        if (!p.next) return pages;
        at = p.next;
      }
    }

    it("follows next links over every entry once, oldest first, with running totals of the whole ledger up to each row", async () => {
      const pages = await walk({});
      const ids = pages.flatMap((p) => p.rows.map((r) => r.entryId));
      const all = [...(await expectedRunning(db, {})).keys()];
      expect(ids).to.deep.equal(all);
      expect(pages.map((p) => p.page)).to.deep.equal(pages.map((_, i) => i + 1));
      expect(pages.slice(0, -1).every((p) => p.rows.length === PAGE)).to.equal(true);
      expect(pages[0]!.previous).to.equal(null);
      const expected = await expectedRunning(db, {});
      for (const p of pages) for (const r of p.rows) expect([r.runningCommitted, r.runningReleased, r.runningPaid], `entry ${r.entryId}`).to.deep.equal(expected.get(r.entryId));
      const last = pages.at(-1)!.rows.at(-1)!;
      const totals = await ledgerTotals(db, {});
      expect([last.runningCommitted, last.runningReleased, last.runningPaid, last.runningOutstanding])
        .to.deep.equal([totals.committed, totals.released, totals.paid, totals.committed - totals.released - totals.paid]);
      expect(totals.count).to.equal(all.length);
    });

    it("goes back with previous links to exactly the pages it came from", async () => {
      const pages = await walk({});
      expect(pages.length).to.be.greaterThan(2);
      let current = pages.at(-1)!;
      for (let i = pages.length - 2; i >= 0; i--) {
        expect(current.previous, `page ${i + 2} has a previous link`).to.not.equal(null);
        const back = await ledgerPage(db, {}, current.previous, PAGE);
        expect(view(back), `page ${i + 1}`).to.deep.equal(view(pages[i]!));
        expect(back.page).to.equal(i + 1);
        current = back;
      }
      expect(current.previous).to.equal(null);
    });

    it("keeps a page's rows and running totals when entries are booked meanwhile", async () => {
      const first = await ledgerPage(db, {}, null, PAGE);
      const second = await ledgerPage(db, {}, first.next, PAGE);
      await book(9);
      expect(view(await ledgerPage(db, {}, first.next, PAGE))).to.deep.equal(view(second));
      expect(view(await ledgerPage(db, {}, second.previous, PAGE))).to.deep.equal(view(first));
      expect(view(await ledgerPage(db, {}, null, PAGE))).to.deep.equal(view(first));
    });

    it("pages and totals one call's entries on their own", async () => {
      const f: LedgerFilter = { callId: calls[1] };
      const pages = await walk(f);
      const rows = pages.flatMap((p) => p.rows);
      expect(rows.length).to.be.greaterThan(PAGE);
      expect(rows.every((r) => r.callId === calls[1])).to.equal(true);
      const expected = await expectedRunning(db, f);
      expect(rows.map((r) => r.entryId)).to.deep.equal([...expected.keys()]);
      for (const r of rows) expect([r.runningCommitted, r.runningReleased, r.runningPaid]).to.deep.equal(expected.get(r.entryId));
      const totals = await ledgerTotals(db, f);
      const last = rows.at(-1)!;
      expect([totals.committed, totals.released, totals.paid]).to.deep.equal([last.runningCommitted, last.runningReleased, last.runningPaid]);
    });

    it("takes the totals of a kind, region, type or period from one aggregate that agrees with the entries", async () => {
      const filters: LedgerFilter[] = [
        { kind: "release" }, { region: "DK" }, { type: "MG", callId: calls[1] },
        { fromUtc: "2026-11-23T00:00:00.000Z", toUtcExclusive: "2026-11-24T00:00:00.000Z" },
      ];
      for (const f of filters) {
        const rows: LedgerExportRow[] = [];
        for await (const r of ledgerExportRows(db, f, 4)) rows.push(r);
        expect(rows.length, JSON.stringify(f)).to.be.greaterThan(0);
        const sum = (k: string) => rows.filter((r) => r.kind === k).reduce((s, r) => s + r.amountCents, 0);
        const totals = await ledgerTotals(db, f);
        expect([totals.committed, totals.released, totals.paid, totals.count], JSON.stringify(f)).to.deep.equal([sum("commit"), sum("release"), sum("payment"), rows.length]);
      }
      // No entry here is a Collaboration: that filter totals nothing.
      expect(await ledgerTotals(db, { type: "CO" })).to.include({ committed: 0, released: 0, paid: 0, count: 0 });
    });
  });
}
