import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { createUser } from "../../server/services/people/users";
import { ledgerSumsAgree, verifyLedgerTotals } from "../../server/services/finance/budget";
import { ledgerTotalsAgree } from "../../server/services/finance/ledger-totals";
import { DEMO_PASSWORD } from "../../db/seeds/demo";
import { type Agent, buildApp, csrfFrom, signIn } from "../support/app";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { insertCall, insertVerifiedClaim, registerSme, type Timeline } from "../support/journey";
import { raceGate } from "../support/overlap";
import { defined } from "../support/defined";

/*
 * The finance lock order with SEPA batches that hold claims of two calls (docs/architecture.md,
 * "Finance lock order"). Half the batches hold "a claim of call A, then one of call B" in claim
 * id order, the other half "B, then A"; all of them are marked executed at the same moment,
 * together with hand payments of claims of both calls. Booked claim by claim, each batch would
 * lock its calls' budget ceilings (and the ledger's shared running sums) in its own claim order,
 * and two batches in opposite orders would wait for each other until PostgreSQL broke the
 * deadlock (and, after the retries, the user saw an error page). Every ceiling of every call is
 * locked up front, call id then key, and the running sums are written in one fixed order before
 * the commit: the requests wait for each other, every one is paid, and PostgreSQL never reports
 * a deadlock. The second case has batches of different calls (no ceiling in common) whose claims
 * are of two partners in opposite orders: they meet only at the ledger's running totals per
 * partner and per voucher type, shared by every call.
 */
const NOW = "2026-06-15T10:00:00.000Z";
const TODAY = "2026-06-15";
const BATCHES = 8;
const HAND_PAYMENTS = 8;

/** The year before NOW, so that every claim is verified before it. */
const TIMELINE: Timeline = {
  submittedAt: "2026-02-10T10:00:00.000Z", approvedAt: "2026-03-01T10:00:00.000Z", activityStart: "2026-04-10",
  acceptedAt: "2026-03-02T10:00:00.000Z", claimedAt: "2026-05-01T10:00:00.000Z", verifiedAt: "2026-05-10T10:00:00.000Z",
};

interface Claim { claimId: number; applicationId: number; reference: string; callId: number }

for (const engine of testDatabases()) describe(`SEPA batches across two calls executed at once (e2e, ${engine.name})`, function () {
  this.timeout(300_000);
  let db: Db;
  const clock = new TestClock(new Date(NOW));

  before(async () => {
    db = await engine.create();
    await seedDemoData(db);
    await createUser(testContext(db, await actorByEmail(db, "admin@demo.test"), clock.now), {
      email: "finance2@demo.test", name: "Second Finance Officer", password: DEMO_PASSWORD, role: "finance", emailConfirmed: true,
    });
  });
  after(() => db.destroy());

  /** A verified claim in the given call, of an SME of its own in the region (R10 allows one open voucher per company). */
  async function verifiedClaim(callId: number, region = "DK"): Promise<Claim> {
    const { email } = await registerSme(db, { region });
    // The region's cluster manager approves and verifies.
    const manager = region === "NB" ? "manager.nl@demo.test" : "manager@demo.test";
    const c = await insertVerifiedClaim(db, { email, callId, type: "IN", timeline: TIMELINE, approverEmail: manager, verifierEmail: manager });
    return { ...c, callId };
  }

  const span = { opensAt: "2026-01-01T00:00:00.000Z", closesAt: "2026-12-31T00:00:00.000Z", totalCents: 1_000_000_000 };
  const page = (r: { status: number; text: string }) => `${r.status}: ${r.text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").slice(0, 300)}`;

  /**
   * Prepares one batch per list of claims, then marks every batch executed and pays every hand
   * claim, all at the same moment through the gate, one session per request from two finance
   * officers. Every request must succeed, PostgreSQL must not have broken a deadlock, every claim
   * must be paid once and the ledger's running totals and sums must agree with its entries.
   */
  async function executeAtOnce(batches: Claim[][], hand: Claim[]): Promise<void> {
    const parties = batches.length + hand.length;
    const gate = raceGate(buildApp(db, { clock: clock.now }), parties,
      (req) => req.method === "POST" && (req.path.endsWith("/executed") || req.path === "/finance/payments"));
    const session = async (i: number): Promise<{ agent: Agent; token: string }> => {
      const agent = await signIn(gate.app, i % 2 === 0 ? "finance@demo.test" : "finance2@demo.test");
      return { agent, token: csrfFrom((await agent.get("/finance")).text) };
    };

    const batchUrls: string[] = [];
    for (const claims of batches) {
      const { agent, token } = await session(0);
      const made = await agent.post("/finance/sepa").type("form")
        .send({ _csrf: token, claimIds: claims.map((c) => String(c.claimId)), executionDate: TODAY });
      expect(made.status, page(made)).to.equal(303);
      batchUrls.push(made.headers.location as string);
    }
    const posts: (() => Promise<{ status: number; text: string }>)[] = [];
    for (const [i, url] of batchUrls.entries()) {
      const { agent, token } = await session(i);
      posts.push(() => agent.post(`${url}/executed`).type("form").send({ _csrf: token }));
    }
    for (const [i, c] of hand.entries()) {
      const { agent, token } = await session(i);
      posts.push(() => agent.post("/finance/payments").type("form").send({ _csrf: token, claimIds: String(c.claimId), paidOn: TODAY, bankReference: `HAND-${c.claimId}` }));
    }

    // PostgreSQL breaks a deadlock by failing one statement with 40P01 (inTransaction then runs
    // the use case again, and after five tries the user gets "busy, try again"): count them.
    let deadlocks = 0;
    const onError = (err: { code?: string } | undefined) => { if (err?.code === "40P01") deadlocks++; };
    db.on("query-error", onError);
    const results = await Promise.all(posts.map((p) => p()));
    db.off("query-error", onError);

    expect(gate.maxInside(), "every request was inside the app at once").to.equal(parties);
    expect(results.map((r) => r.status), results.map(page).join("\n")).to.deep.equal(Array<number>(parties).fill(303));
    expect(deadlocks, "deadlocks PostgreSQL broke").to.equal(0);

    const all = [...batches.flat(), ...hand];
    for (const c of all) {
      expect(await db("payments").where({ claim_id: c.claimId }), `${c.reference}: payments`).to.have.length(1);
      expect(await db("ledger_entries").where({ application_id: c.applicationId, kind: "payment" }), `${c.reference}: ledger payments`).to.have.length(1);
    }
    const statuses = await db("sepa_batches").whereIn("id", batchUrls.map((u) => Number(u.split("/").pop()))).pluck("status");
    expect(statuses).to.deep.equal(Array<string>(batches.length).fill("executed"));
    for (const callId of new Set(all.map((c) => c.callId))) {
      const checks = await verifyLedgerTotals(db, callId);
      expect(checks.filter((c) => !c.ok).map((c) => c.key), `call ${callId}: ceilings agree with the ledger`).to.deep.equal([]);
      expect(defined(checks.find((c) => c.key === "total")).running.paidCents, `call ${callId}: paid`).to.be.greaterThan(0);
      expect(await ledgerSumsAgree(db, callId), `call ${callId}: ledger_sums`).to.equal(true);
    }
    expect(await ledgerTotalsAgree(db), "ledger_totals").to.equal(true);
  }

  it(`${BATCHES} batches holding claims of two calls in opposite orders, executed at once with ${HAND_PAYMENTS} hand payments: every claim paid once, no deadlock`, async () => {
    const callA = await insertCall(db, { ...span, title: "Call A" });
    const callB = await insertCall(db, { ...span, title: "Call B" });
    expect(callA).to.be.lessThan(callB);
    // Claims are created one after the other, so their ids follow this order: batch k holds
    // (A, B) for even k and (B, A) for odd k.
    const batches: Claim[][] = [];
    for (let k = 0; k < BATCHES; k++) {
      const [first, second] = k % 2 === 0 ? [callA, callB] : [callB, callA];
      batches.push([await verifiedClaim(first), await verifiedClaim(second)]);
    }
    const hand: Claim[] = [];
    for (let k = 0; k < HAND_PAYMENTS; k++) hand.push(await verifiedClaim(k % 2 === 0 ? callA : callB));
    for (const [k, [x, y]] of batches.entries()) {
      expect(defined(x).claimId, `batch ${k}: claim order`).to.be.lessThan(defined(y).claimId);
      expect([defined(x).callId, defined(y).callId], `batch ${k}: calls in claim order`).to.deep.equal(k % 2 === 0 ? [callA, callB] : [callB, callA]);
    }
    await executeAtOnce(batches, hand);
  });

  it(`${BATCHES} batches of two calls, each holding claims of two partners in opposite orders, executed at once: the shared running totals never deadlock`, async () => {
    // No two batches of different calls share a budget ceiling; what they share are the ledger's
    // running totals per partner and per voucher type, which each batch books for its claims.
    const callC = await insertCall(db, { ...span, title: "Call C" });
    const callD = await insertCall(db, { ...span, title: "Call D" });
    const batches: Claim[][] = [];
    for (let k = 0; k < BATCHES; k++) {
      const [callId, first, second] = k % 2 === 0 ? [callC, "DK", "NB"] : [callD, "NB", "DK"];
      batches.push([await verifiedClaim(callId, first), await verifiedClaim(callId, second)]);
    }
    const partnerOf = async (c: Claim) => Number(defined(await db("applications").where({ id: c.applicationId }).first("partner_id")).partner_id);
    const dk = await partnerOf(defined(batches[0]?.[0]));
    const nb = await partnerOf(defined(batches[0]?.[1]));
    expect(dk).to.not.equal(nb);
    for (const [k, claims] of batches.entries()) {
      expect(await Promise.all(claims.map(partnerOf)), `batch ${k}: partners in claim order`).to.deep.equal(k % 2 === 0 ? [dk, nb] : [nb, dk]);
    }
    await executeAtOnce(batches, []);
  });
});
