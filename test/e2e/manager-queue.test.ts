import { expect } from "chai";
import { LEDGER_CHECK_ACTION } from "../../server/services/calls/ledger-check";
import { runDailyJobs, systemContext } from "../../server/services/platform/jobs";
import { testConfig, testDatabases } from "../support/db";
import { eachManagerSession, insertSubmitted, insertSubmittedRow, seedCall } from "../support/journey";
import { unescapeHref as unescape } from "../support/pages";

/* The review queue and the call page at more than a page of applications: keyset pages, queries that do not grow per call, the daily ledger check. */


function queueIds(html: string): number[] {
  const table = html.slice(html.indexOf("Applications of your region"));
  return [...table.slice(0, table.indexOf("</table>")).matchAll(/href="\/manager\/applications\/(\d+)"/g)].map((m) => Number(m[1]));
}

/** A queue's page link, resolved against the queue's address (the links are relative to it). */
function link(html: string, label: "Next page" | "Previous page", queue = "/manager"): string | null {
  const m = new RegExp(`<a href="([^"]*)">${label}</a>`).exec(html);
  const href = m?.[1] ? unescape(m[1]) : null;
  return href && href.startsWith("?") ? `${queue}${href}` : href;
}

type Agent = ReturnType<typeof eachManagerSession>["manager"];

/**
 * Follows a queue's Next links from its first page, checks every row comes once in the expected
 * order, then follows the Previous links back from the last page, each previous page the one seen
 * on the way forward.
 */
async function walkQueue(agent: Agent, queue: string, ids: (html: string) => number[], expected: number[], keyOf: (id: number) => Promise<string>): Promise<string> {
  const pages: number[][] = [];
  let firstPage = "";
  let next: string | null = queue;
  while (next) {
    const res = await agent.get(next);
    expect(res.status, res.text).to.equal(200);
    firstPage ||= res.text;
    pages.push(ids(res.text));
    expect(res.text, next).to.include(`Page ${pages.length}<`);
    next = link(res.text, "Next page", queue);
    expect(pages.length).to.be.below(10);
  }
  expect(pages.length).to.equal(Math.ceil(expected.length / 25));
  expect(pages.flat()).to.deep.equal(expected);

  let html = (await agent.get(`${queue}?page=${pages.length}&after=${encodeURIComponent(await keyOf(pages[pages.length - 2]!.at(-1)!))}`)).text;
  expect(ids(html)).to.deep.equal(pages[pages.length - 1]);
  for (let p = pages.length - 1; p >= 1; p--) {
    const prev = link(html, "Previous page", queue);
    expect(prev, `previous link on page ${p + 1}`).to.be.a("string");
    html = (await agent.get(prev!)).text;
    expect(ids(html)).to.deep.equal(pages[p - 1]);
  }
  expect(link(html, "Previous page", queue)).to.equal(null);
  return firstPage;
}

for (const engine of testDatabases()) {
describe(`manager: review queue and call page at size (e2e, ${engine.name})`, function () {
  this.timeout(120000);
  const w = eachManagerSession(engine);

  it("pages through the queue by key: every application once, oldest submission first, and back again", async () => {
    const callId = await seedCall(w.db, w.clock.now);
    // Pairs of applications submitted at the same moment: the id decides between them.
    for (let i = 0; i < 60; i++) {
      const at = new Date(Date.UTC(2027, 1, 10, 10, Math.floor(i / 2))).toISOString();
      await insertSubmittedRow(w.db, { email: "sme@demo.test", callId, type: "IN", submittedAt: at });
    }
    const partnerId = (await w.db("users").where({ email: "manager@demo.test" }).first("partner_id"))!.partner_id!;
    const expected = (await w.db("applications").where({ partner_id: partnerId }).whereNot({ state: "draft" })
      .orderBy([{ column: "submitted_at" }, { column: "id" }]).select("id")).map((r) => r.id);
    expect(expected.length).to.be.above(50);
    await walkQueue(w.manager, "/manager", queueIds, expected,
      async (id) => `${(await w.db("applications").where({ id }).first("submitted_at"))!.submitted_at!}~${id}`);
  });

  it("a page link that is not a key is a 4xx, not a 500", async () => {
    const res = await w.manager.get("/manager?after=not-a-key");
    expect(res.status).to.be.within(400, 499);
    const claims = await w.manager.get("/manager/claims?before=2027-01-01T00:00:00Z~x");
    expect(claims.status).to.be.within(400, 499);
    expect(claims.text).to.contain("This page link is not valid any more");
  });

  it("pages through the claims to verify by key: every claim of the region once, oldest claim first, and back again", async () => {
    const callId = await seedCall(w.db, w.clock.now);
    const manager = (await w.db("users").where({ email: "manager@demo.test" }).first("id", "partner_id"))!;
    // Claims written as rows: the services allow one voucher of a type per company and call (R10).
    for (let i = 0; i < 56; i++) {
      const id = await insertSubmittedRow(w.db, { email: "sme@demo.test", callId, type: "IN" });
      await w.db("applications").where({ id }).update({ state: "claim-submitted", approved_cents: 400_000 });
      // Pairs of claims submitted at the same moment: the id decides between them.
      const at = new Date(Date.UTC(2027, 4, 1, 10, 59 - Math.floor(i / 2))).toISOString();
      await w.db("claims").insert({ application_id: id, status: "submitted", report: "Met", organisations_met: "", result_contacts: "", result_product: "", follow_up: "", submitted_at: at, submitted_by: manager.id });
    }
    const expected = (await w.db("claims as cl").join("applications as a", "a.id", "cl.application_id")
      .where({ "cl.status": "submitted", "a.state": "claim-submitted", "a.partner_id": manager.partner_id })
      .orderBy([{ column: "cl.submitted_at" }, { column: "cl.id" }]).select<{ id: number }[]>("cl.id")).map((r) => Number(r.id));
    expect(expected.length).to.be.above(50);
    const claimIds = (html: string) => [...html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>")).matchAll(/href="\/manager\/claims\/(\d+)"/g)].map((m) => Number(m[1]));
    const first = await walkQueue(w.manager, "/manager/claims", claimIds, expected,
      async (id) => `${new Date((await w.db("claims").where({ id }).first("submitted_at"))!.submitted_at).toISOString()}~${id}`);
    expect(first).to.contain(`Claims waiting for verification (${expected.length})`);
  });

  it("the queue and the call page make as many queries with three calls as with one", async () => {
    const count = async (path: string) => {
      let n = 0;
      // The session store's reads and writes depend on when the session was last touched, not on the page.
      const onQuery = (q: { sql: string }) => { if (!/\bsessions\b/.test(q.sql)) n++; };
      w.db.on("query", onQuery);
      try {
        expect((await w.manager.get(path)).status).to.equal(200);
      } finally {
        w.db.removeListener("query", onQuery);
      }
      return n;
    };
    const callId = await seedCall(w.db, w.clock.now);
    await insertSubmitted(w.db, { email: "sme@demo.test", callId, type: "IN" });
    const queueWithOne = await count("/manager");
    const pageWithOne = await count(`/manager/calls/${callId}`);
    for (let i = 0; i < 2; i++) {
      const other = await seedCall(w.db, w.clock.now);
      for (let j = 0; j < 3; j++) await insertSubmittedRow(w.db, { email: "sme@demo.test", callId: other, type: "CO" });
    }
    expect(await count("/manager")).to.equal(queueWithOne);
    expect(await count(`/manager/calls/${callId}`)).to.equal(pageWithOne);
  });

  it("the call page shows a difference between the running totals and the ledger once the daily check has found it, and when it has gone", async () => {
    const callId = await seedCall(w.db, w.clock.now);
    const system = systemContext(w.db, testConfig(), w.clock.now);
    expect((await runDailyJobs(system)).callLedgersDisagreeing).to.equal(0);
    expect((await w.manager.get(`/manager/calls/${callId}`)).text).to.include("agrees with the ledger to the cent").and.not.include("not-reconciled");

    // A running total changed behind the budget service's back.
    const total = (await w.db("budget_ceilings").where({ call_id: callId, key: "total" }).first("committed_cents"))!;
    await w.db("budget_ceilings").where({ call_id: callId, key: "total" }).update({ committed_cents: 12_345 });
    expect((await w.manager.get(`/manager/calls/${callId}`)).text, "not checked on the view").to.not.include("not-reconciled");
    expect((await runDailyJobs(system)).callLedgersDisagreeing).to.equal(1);
    const page = (await w.manager.get(`/manager/calls/${callId}`)).text;
    expect(page).to.include("not-reconciled").and.include("does not agree with the ledger");

    await w.db("budget_ceilings").where({ call_id: callId, key: "total" }).update({ committed_cents: total.committed_cents });
    await runDailyJobs(system);
    await runDailyJobs(system);
    expect((await w.manager.get(`/manager/calls/${callId}`)).text).to.include("agrees with the ledger to the cent");
    // Recorded when the outcome changed only: agreed, differed, agreed again.
    const records = await w.db("audit_events").where({ action: LEDGER_CHECK_ACTION, entity_type: "call", entity_id: String(callId) }).orderBy("id");
    expect(records.map((r) => (JSON.parse(r.after_json!) as { ok: boolean }).ok)).to.deep.equal([true, false, true]);
  });
});
}
