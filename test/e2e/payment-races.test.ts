import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import request from "supertest";
import { DEMO_PASSWORD } from "../../db/seeds/demo";
import type { Db } from "../../server/db/connection";
import { createUser } from "../../server/services/people/users";
import { type Agent, buildApp, csrfFrom, signIn } from "../support/app";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { insertCall, insertVerifiedClaim, registerSme, type Timeline } from "../support/journey";
import { defined } from "../support/defined";

/*
 * Payment races through HTTP against the real app on a real port, on both databases: every
 * round, two finance officers press two buttons for the same claim at the same moment, and
 * afterwards the claim must be on exactly one money path, with the ledger and the pain.001 files
 * telling the same story.
 *
 * Overlap is measured, not assumed: the server counts requests in flight, and knex's query
 * events give each transaction's BEGIN and COMMIT/ROLLBACK times. On PostgreSQL the two payment
 * transactions must really have been open at the same time (so the row locks and the unique
 * index were what decided); on SQLite the single connection serialises them by design, so there
 * the requests overlap and the transactions must not.
 */
const NOW = "2026-06-15T10:00:00.000Z";
const TODAY = "2026-06-15";
const ROUNDS = 20;

interface Claim { claimId: number; applicationId: number; reference: string }

/** The year before the spring 2027 timeline, so that every claim is verified before NOW. */
const TIMELINE: Timeline = {
  submittedAt: "2026-02-10T10:00:00.000Z", approvedAt: "2026-03-01T10:00:00.000Z", activityStart: "2026-04-10",
  acceptedAt: "2026-03-02T10:00:00.000Z", claimedAt: "2026-05-01T10:00:00.000Z", verifiedAt: "2026-05-10T10:00:00.000Z",
};

/** A claim verified through the services, of an SME of its own (R10 allows one open voucher per company). */
async function verifiedClaim(db: Db): Promise<Claim> {
  let call = await db("calls").where({ title: "Race call" }).first("id");
  call ??= { id: await insertCall(db, { opensAt: "2026-01-01T00:00:00.000Z", closesAt: "2026-12-31T00:00:00.000Z", title: "Race call", totalCents: 1_000_000_000 }) };
  const { email } = await registerSme(db);
  return insertVerifiedClaim(db, { email, callId: Number(call.id), type: "IN", timeline: TIMELINE });
}

/** Transactions seen through knex's query events: when each began and ended, and whether it touched payment paths. */
class TxWatch {
  private txs = new Map<string, { begin: bigint; end: bigint | null; money: boolean }>();
  constructor(db: Db) {
    db.on("query", (q: { sql: string; __knexTxId?: string }) => {
      if (!q.__knexTxId) return;
      const now = process.hrtime.bigint();
      const sql = q.sql.trim();
      if (/^BEGIN/i.test(sql)) this.txs.set(q.__knexTxId, { begin: now, end: null, money: false });
      const tx = this.txs.get(q.__knexTxId);
      if (!tx) return;
      if (/payment_paths|sepa_batches/i.test(sql)) tx.money = true;
      if (/^(COMMIT|ROLLBACK)/i.test(sql)) tx.end = now;
    });
  }
  reset(): void { this.txs.clear(); }
  /** True when two payment transactions of this round were open at the same moment. */
  overlapped(): boolean {
    const list = [...this.txs.values()].filter((t) => t.money && t.end !== null);
    return list.some((a, i) => list.some((b, j) => i !== j && a.begin < b.end! && b.begin < a.end!));
  }
}

for (const engine of testDatabases()) describe(`payment races through HTTP (e2e, ${engine.name})`, function () {
  this.timeout(300_000);
  let db: Db;
  let server: http.Server;
  let officer1: Agent;
  let officer2: Agent;
  let token1: string;
  let token2: string;
  let watch: TxWatch;
  let inFlight = 0;
  let maxInFlight = 0;
  const clock = new TestClock(new Date(NOW));
  const stats = { requestsOverlapped: 0, transactionsOverlapped: 0, rounds: 0 };

  async function signInFinance(email: string): Promise<[Agent, string]> {
    const agent = await signIn(server, email);
    return [agent, csrfFrom((await agent.get("/finance")).text)];
  }

  before(async () => {
    db = await engine.create();
    await seedDemoData(db);
    await createUser(testContext(db, await actorByEmail(db, "admin@demo.test"), clock.now), {
      email: "finance2@demo.test", name: "Second Finance Officer", password: DEMO_PASSWORD, role: "finance", emailConfirmed: true,
    });
    server = http.createServer(buildApp(db, { clock: clock.now }));
    server.on("request", (_req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on("close", () => inFlight--);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    expect((server.address() as AddressInfo).port).to.be.greaterThan(0);
    [officer1, token1] = await signInFinance("finance@demo.test");
    [officer2, token2] = await signInFinance("finance2@demo.test");
    watch = new TxWatch(db);
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await db.destroy();
    console.log(`      [${engine.name}] ${stats.rounds} race rounds: requests overlapped in ${stats.requestsOverlapped}, payment transactions overlapped in ${stats.transactionsOverlapped}`);
  });

  /** Fires both requests at once and records whether they (and their transactions) overlapped. */
  async function race(a: () => request.Test, b: () => request.Test): Promise<[request.Response, request.Response]> {
    watch.reset();
    maxInFlight = 0;
    const both = await Promise.all([a(), b()]);
    stats.rounds++;
    expect(maxInFlight, "the two requests were in the server at the same time").to.equal(2);
    stats.requestsOverlapped++;
    if (watch.overlapped()) stats.transactionsOverlapped++;
    return both;
  }

  /**
   * The claim's money paths as the bank and the ledger see them: hand payments, batch files that
   * are live (prepared or executed) and carry its EndToEndId, the payments those batches
   * recorded, and the ledger's payment entries.
   */
  async function moneyPaths(c: Claim) {
    const payments = await db("payments").where({ claim_id: c.claimId });
    const liveFiles = (await db("sepa_batches").whereIn("status", ["prepared", "executed"]))
      .filter((b) => String(b.xml).includes(`<EndToEndId>${c.reference}</EndToEndId>`));
    const ledger = await db("ledger_entries").where({ application_id: c.applicationId, kind: "payment" });
    const open = await db("payment_paths").where({ claim_id: c.claimId }).whereNull("closed_at");
    const hand = payments.filter((p) => p.batch_id === null);
    // One path, and the ledger pays exactly what the path paid.
    expect(hand.length + liveFiles.length, `${c.reference}: money paths`).to.equal(1);
    expect(open, `${c.reference}: open paths`).to.have.length(1);
    expect(ledger.length, `${c.reference}: ledger payments`).to.equal(payments.length);
    for (const b of liveFiles) {
      const paidByFile = payments.filter((p) => Number(p.batch_id) === Number(b.id));
      expect(paidByFile.length, `${c.reference}: payments of ${String(b.message_id)}`).to.equal(b.status === "executed" ? 1 : 0);
      if (b.status === "executed") expect(defined(paidByFile[0]).bank_reference).to.equal(b.message_id);
    }
    return { hand, liveFiles, payments };
  }

  const statuses = (rs: request.Response[]) => rs.map((r) => r.status).sort();
  const prepare = (agent: Agent, token: string, c: Claim) => () =>
    agent.post("/finance/sepa").type("form").send({ _csrf: token, claimIds: String(c.claimId), executionDate: TODAY });

  it("hand payment against a SEPA batch for the same claim: exactly one wins, every round", async () => {
    let hands = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const c = await verifiedClaim(db);
      const rs = await race(
        () => officer1.post("/finance/payments").type("form").send({ _csrf: token1, claimIds: String(c.claimId), paidOn: TODAY, bankReference: `HAND-${round}` }),
        prepare(officer2, token2, c),
      );
      expect(statuses(rs), `round ${round}`).to.deep.equal([303, 409]);
      const { hand, liveFiles } = await moneyPaths(c);
      if (hand.length) {
        hands++;
        expect(rs[0].status).to.equal(303);
        expect(defined(hand[0]).bank_reference).to.equal(`HAND-${round}`);
      } else {
        expect(defined(liveFiles[0]).status).to.equal("prepared");
        const xml = await officer1.get(`/finance/sepa/${String(defined(liveFiles[0]).id)}/pain001.xml`);
        expect(xml.text).to.contain(`<EndToEndId>${c.reference}</EndToEndId>`);
      }
    }
    console.log(`      [${engine.name}] hand payment won ${hands} of ${ROUNDS} rounds`);
  });

  it("two SEPA batches for one claim at once: one batch, one EndToEndId, every round", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const c = await verifiedClaim(db);
      const rs = await race(prepare(officer1, token1, c), prepare(officer2, token2, c));
      expect(statuses(rs), `round ${round}`).to.deep.equal([303, 409]);
      const { liveFiles } = await moneyPaths(c);
      expect(liveFiles.map((b) => b.status)).to.deep.equal(["prepared"]);
    }
  });

  it("the same batch marked executed twice at once: paid once, every round", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const c = await verifiedClaim(db);
      const made = await prepare(officer1, token1, c)();
      const url = made.headers.location as string;
      const rs = await race(
        () => officer1.post(`${url}/executed`).type("form").send({ _csrf: token1 }),
        () => officer2.post(`${url}/executed`).type("form").send({ _csrf: token2 }),
      );
      expect(statuses(rs), `round ${round}`).to.deep.equal([303, 409]);
      expect(rs.find((r) => r.status === 409)!.text).to.contain("already marked executed");
      const { payments, liveFiles } = await moneyPaths(c);
      expect(payments).to.have.length(1);
      expect(liveFiles.map((b) => b.status)).to.deep.equal(["executed"]);
    }
  });

  it("executing a batch against cancelling it: paid through the file or back in the queue, never both", async () => {
    let executed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const c = await verifiedClaim(db);
      const made = await prepare(officer1, token1, c)();
      const url = made.headers.location as string;
      const rs = await race(
        () => officer1.post(`${url}/executed`).type("form").send({ _csrf: token1 }),
        () => officer2.post(`${url}/cancel`).type("form").send({ _csrf: token2, confirm: "on", reason: "race" }),
      );
      expect(statuses(rs), `round ${round}`).to.deep.equal([303, 409]);
      const batch = defined(await db("sepa_batches").where({ id: Number(url.split("/").pop()) }).first(), "batch");
      const payments = await db("payments").where({ claim_id: c.claimId });
      if (batch.status === "executed") {
        executed++;
        await moneyPaths(c);
        expect(payments).to.have.length(1);
      } else {
        expect(batch.status).to.equal("cancelled");
        expect(payments).to.have.length(0);
        expect(await db("payment_paths").where({ claim_id: c.claimId }).whereNull("closed_at")).to.have.length(0);
        expect(await db("ledger_entries").where({ application_id: c.applicationId, kind: "payment" })).to.have.length(0);
        const queue = await officer1.get("/finance");
        expect(queue.text).to.contain(c.reference);
      }
    }
    console.log(`      [${engine.name}] execution won ${executed} of ${ROUNDS} rounds`);
  });

  it("paying by hand against cancelling the batch that holds the claim: refused while the batch lives, paid once it is cancelled", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const c = await verifiedClaim(db);
      const made = await prepare(officer1, token1, c)();
      const url = made.headers.location as string;
      const rs = await race(
        () => officer1.post("/finance/payments").type("form").send({ _csrf: token1, claimIds: String(c.claimId), paidOn: TODAY, bankReference: `HAND-C-${round}` }),
        () => officer2.post(`${url}/cancel`).type("form").send({ _csrf: token2, confirm: "on" }),
      );
      const [hand, cancel] = rs;
      expect(cancel.status, `round ${round}: cancel`).to.equal(303);
      expect([303, 409], `round ${round}: hand payment`).to.include(hand.status);
      const batch = defined(await db("sepa_batches").where({ id: Number(url.split("/").pop()) }).first(), "batch");
      expect(batch.status).to.equal("cancelled");
      const payments = await db("payments").where({ claim_id: c.claimId });
      expect(payments.length, `round ${round}: payments`).to.equal(hand.status === 303 ? 1 : 0);
      expect(await db("ledger_entries").where({ application_id: c.applicationId, kind: "payment" })).to.have.length(payments.length);
      expect(await db("payment_paths").where({ claim_id: c.claimId }).whereNull("closed_at")).to.have.length(payments.length);
    }
  });

  it("the payment transactions really overlapped on PostgreSQL and were serialised on SQLite", () => {
    expect(stats.rounds).to.equal(5 * ROUNDS);
    expect(stats.requestsOverlapped).to.equal(stats.rounds);
    if (engine.name === "postgres") expect(stats.transactionsOverlapped).to.be.greaterThan(stats.rounds / 2);
    else expect(stats.transactionsOverlapped).to.equal(0);
  });
});
