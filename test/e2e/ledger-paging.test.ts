import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { commit, createCeilings } from "../../server/services/finance/budget";
import { ledgerCursor } from "../../server/services/finance/ledger-filter";
import { LEDGER_PAGE_SIZE } from "../../server/services/finance/ledger-queries";
import { inTransaction, insertedId } from "../../server/services/platform/context";
import { type Agent, buildApp, signIn } from "../support/app";
import { testConfig, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";

const NOW = "2026-06-15T10:00:00.000Z";

/** The entry ids in the ledger table of a page, in page order. */
const entryIds = (html: string) => [...html.matchAll(/<tr class="entry-row" id="entry-(\d+)">/g)].map((m) => Number(m[1]));
const link = (html: string, rel: string) => {
  const m = new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(html);
  return m ? m[1]!.replace(/&amp;/g, "&").replace(/&#x3D;/g, "=") : null;
};

for (const engine of testDatabases()) describe(`ledger page links over HTTP (e2e, ${engine.name})`, function () {
  this.timeout(120_000);
  let db: Db;
  let app: Express;
  let finance: Agent;
  const config = testConfig();

  before(async () => {
    db = await engine.create();
    await seedDemoData(db, () => new Date(NOW));
    app = buildApp(db, { clock: () => new Date(NOW), config });
    finance = await signIn(app, "finance@demo.test");
    // Enough entries for a second page.
    const manager = await actorByEmail(db, "manager@demo.test");
    const ctx = testContext(db, manager, () => new Date(NOW), config);
    const scheme = await db("schemes").first("id");
    const company = await db("companies").orderBy("id").first("id");
    const type = await db("voucher_types").orderBy("id").first("id");
    const partner = await db("partners").orderBy("id").first("id");
    expect(scheme && company && type && partner).to.not.equal(undefined);
    const [c] = await db("calls").insert({
      scheme_id: scheme!.id, title: "Paging call", opens_at: NOW, closes_at: "2026-12-31T00:00:00.000Z", status: "draft",
      created_by: manager.id, created_at: NOW, updated_at: NOW,
    }).returning("id");
    const callId = insertedId(c);
    await inTransaction(ctx, (trx) => createCeilings(trx, ctx, callId, [{ key: "total", label: "Total", ceilingCents: 1_000_000_000 }]));
    const [a] = await db("applications").insert({
      call_id: callId, company_id: company!.id, voucher_type_id: type!.id, partner_id: partner!.id, state: "approved",
      created_by: manager.id, created_at: NOW, updated_at: NOW,
    }).returning("id");
    const applicationId = insertedId(a);
    await inTransaction(ctx, async (trx) => {
      for (let i = 0; i < LEDGER_PAGE_SIZE + 5; i++) {
        await commit(trx, ctx, { callId, applicationId, amountCents: 100 + i, ceilingKeys: ["total"], idempotencyKey: `http-paging-${i}` });
      }
    });
  });
  after(() => db.destroy());

  it("links to the next page and back to the same first page", async () => {
    const first = await finance.get("/finance/ledger");
    expect(first.status).to.equal(200);
    const firstIds = entryIds(first.text);
    expect(firstIds).to.have.length(LEDGER_PAGE_SIZE);
    expect(link(first.text, "prev")).to.equal(null);
    const next = link(first.text, "next");
    expect(next).to.match(/^\/finance\/ledger\?after=/);
    const second = await finance.get(next!);
    expect(second.status).to.equal(200);
    const secondIds = entryIds(second.text);
    expect(secondIds.length).to.be.greaterThan(0);
    expect(Math.min(...secondIds)).to.be.greaterThan(Math.max(...firstIds));
    expect(second.text).to.contain("Page 2");
    const back = await finance.get(link(second.text, "prev")!);
    expect(back.status).to.equal(200);
    expect(entryIds(back.text)).to.deep.equal(firstIds);
  });

  it("refuses a link that was not made for this ledger view with a 400 that says why, never a 500", async () => {
    const good = ledgerCursor({ direction: "after", id: 3, page: 1, running: { committed: 500, released: 0, paid: 0 } }, {}, config.sessionSecret);
    expect((await finance.get(`/finance/ledger?after=${good}`)).status).to.equal(200);
    const forged = good.replace(".500.", ".900.");
    const cases = [
      "/finance/ledger?after=garbage",
      `/finance/ledger?after=${forged}`,
      `/finance/ledger?before=${good}`,
      `/finance/ledger?kind=commit&after=${good}`,
      `/finance/ledger?after=${good}&before=${good}`,
      `/finance/ledger?after=${good}&after=${good}`,
      `/finance/ledger?after=${good.slice(0, -3)}`,
    ];
    for (const url of cases) {
      const res = await finance.get(url);
      expect(res.status, url).to.equal(400);
      expect(res.text, url).to.contain("page link is not valid");
    }
  });
});
