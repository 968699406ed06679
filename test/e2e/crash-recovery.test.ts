import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { expect } from "chai";
import knex from "knex";
import request from "supertest";
import { createDb, type Db, knexConfig, migrate } from "../../server/db/connection";
import { csrfFrom, csrfToken, signIn } from "../support/app";
import { testConfig, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { insertCall, insertSubmitted, insertVerifiedClaim, registerSme, seedCall } from "../support/journey";
import { defined } from "../support/defined";

/*
 * kill -9 of the real server (a child process) while approvals and payments run over HTTP. Every
 * use case is one transaction, so after a restart the database must show each approval with its
 * budget commit and award letter, each payment with its ledger entry, or none of them.
 */
const ROOT = path.resolve(__dirname, "../..");

interface Server { child: ChildProcess; url: string; exited: Promise<void> }

function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server/main.ts")], {
    cwd: ROOT, env: { ...process.env, NODE_ENV: "test", PORT: "0", HOST: "127.0.0.1", ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  let errors = "";
  child.stderr.on("data", (d) => (errors += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = /\(port (\d+);/.exec(line);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}`, exited });
    });
    void exited.then(() => reject(new Error(`the server exited before listening: ${errors}`)));
  });
}


/**
 * Claims verified a month ago through the services, ready to be paid today on the real clock; each
 * of an SME of its own, as R10 allows one open voucher per company.
 */
async function verifiedClaims(db: Db, n: number): Promise<number[]> {
  const day = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
  const callId = await insertCall(db, { opensAt: day(-100), closesAt: day(-70), title: "Summer call", totalCents: 100_000_000 });
  const timeline = { submittedAt: day(-90), approvedAt: day(-60), acceptedAt: day(-59), activityStart: day(-50).slice(0, 10), claimedAt: day(-40), verifiedAt: day(-30) };
  const claims: number[] = [];
  for (let i = 0; i < n; i++) {
    const { email } = await registerSme(db);
    claims.push((await insertVerifiedClaim(db, { email, callId, type: "MG", requestedCents: 50_000, payableCents: 40_000 + i, timeline })).claimId);
  }
  return claims;
}

/** Rows that would prove a half-done use case; all must be empty. */
async function halfStates(db: Db): Promise<Record<string, unknown[]>> {
  const ids = async (q: PromiseLike<{ id: unknown }[]>) => (await q).map((r) => Number(r.id));
  return {
    approvedWithoutCommit: await ids(db("applications as a").where("a.state", "approved")
      .whereNotExists(db("ledger_entries as l").whereRaw("l.application_id = a.id").where("l.kind", "commit")).select("a.id")),
    approvedWithoutLetter: await ids(db("applications as a").where("a.state", "approved")
      .whereNotExists(db("award_letters as w").whereRaw("w.application_id = a.id")).select("a.id")),
    commitWithoutApproval: await ids(db("applications as a").where("a.state", "submitted")
      .whereExists(db("ledger_entries as l").whereRaw("l.application_id = a.id")).select("a.id")),
    letterWithoutApproval: await ids(db("applications as a").where("a.state", "submitted")
      .whereExists(db("award_letters as w").whereRaw("w.application_id = a.id")).select("a.id")),
    paymentWithoutLedger: await ids(db("payments as p")
      .whereNotExists(db("ledger_entries as l").whereRaw("l.payment_id = p.id").where("l.kind", "payment")).select("p.id")),
    paidWithoutPayment: await ids(db("applications as a").where("a.state", "paid")
      .whereNotExists(db("payments as p").whereRaw("p.application_id = a.id")).select("a.id")),
    paymentNotPaid: await ids(db("payments as p").join("applications as a", "a.id", "p.application_id").whereNot("a.state", "paid").select("p.id")),
  };
}


for (const engine of testDatabases()) {
  describe(`kill -9 of the server during approvals and payments [${engine.name}]`, function () {
    this.timeout(240_000);
    let db: Db;
    let env: Record<string, string>;
    let server: Server | undefined;
    let applications: number[];
    let claims: number[];

    before(async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "vd-crash-"));
      // The server's secret opens the TOTP keys the demo data sealed with the tests' secret.
      env = { DATA_DIR: dataDir, SESSION_SECRET: testConfig().sessionSecret };
      if (engine.name === "postgres") {
        const schema = `t_${randomBytes(6).toString("hex")}`;
        const admin = knex({ client: "pg", connection: process.env.TEST_DATABASE_URL! });
        await admin.raw(`create schema ${schema}`);
        await admin.destroy();
        const url = new URL(process.env.TEST_DATABASE_URL!);
        url.searchParams.set("options", `-c search_path=${schema}`);
        env.DATABASE_URL = url.toString();
        db = knex({ ...knexConfig({ databaseUrl: env.DATABASE_URL }), pool: { min: 0, max: 4 } });
      } else {
        db = createDb({ sqliteFile: path.join(dataDir, "voucherdesk.sqlite") });
      }
      await migrate(db);
      await seedDemoData(db);
      const callId = await seedCall(db, () => new Date(), { totalCents: 100_000_000 });
      // The real server runs on the real clock: the activities start after today (R11).
      const activityStart = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
      applications = [];
      for (const email of ["sme@demo.test", "oresund@demo.test", "amager@demo.test", "hillerod@demo.test"]) {
        for (const type of ["MG", "IN", "CO"] as const) applications.push(await insertSubmitted(db, { email, callId, type, activityStart }));
      }
      claims = await verifiedClaims(db, 8);
    });
    after(async () => {
      server?.child.kill("SIGKILL");
      await server?.exited;
      await db.destroy();
    });

    it("leaves no approval without its commit or letter and no payment without its ledger entry, and works on after a restart", async () => {
      server = await startServer(env);
      const manager = await signIn(server.url, "manager@demo.test");
      const finance = await signIn(server.url, "finance@demo.test");
      const managerToken = await csrfToken(manager, "/manager");
      const financeToken = csrfFrom((await finance.get("/finance")).text);
      const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Copenhagen" }).format(new Date());

      const { child } = server;
      let successes = 0;
      const kill = () => {
        if (++successes === 4) child.kill("SIGKILL");
      };
      const outcomes: string[] = [];
      const send = async (what: string, req: () => Promise<request.Response>) => {
        try {
          const res = await req();
          outcomes.push(`${what}: ${res.status}`);
          if (res.status === 303) kill();
        } catch (err) {
          outcomes.push(`${what}: ${(err as { code?: string }).code ?? "error"}`);
        }
      };
      // Everything is sent at once; the fourth success pulls the plug while the rest are in flight.
      await Promise.all([
        ...applications.map((id) => send(`approve ${id}`, () => manager.post(`/manager/applications/${id}/approve`).type("form").send({ _csrf: managerToken }))),
        ...claims.map((id) => send(`pay ${id}`, () => finance.post("/finance/payments").type("form").send({ _csrf: financeToken, claimIds: String(id), paidOn: today, bankReference: `CRASH-${id}` }))),
      ]);
      child.kill("SIGKILL");
      await server.exited;
      const cut = outcomes.filter((o) => !/: \d+$/.test(o));
      expect(outcomes.filter((o) => / 5\d\d$/.test(o)), outcomes.join(", ")).to.deep.equal([]);
      expect(outcomes.some((o) => / 303$/.test(o)), outcomes.join(", ")).to.equal(true);
      expect(cut.length, `requests cut off by the kill: ${outcomes.join(", ")}`).to.be.greaterThan(0);

      server = await startServer(env);
      expect(await halfStates(db)).to.deep.equal({
        approvedWithoutCommit: [], approvedWithoutLetter: [], commitWithoutApproval: [], letterWithoutApproval: [],
        paymentWithoutLedger: [], paidWithoutPayment: [], paymentNotPaid: [],
      });

      // Nothing is left locked: what was not done before the kill is done now.
      const manager2 = await signIn(server.url, "manager@demo.test");
      const finance2 = await signIn(server.url, "finance@demo.test");
      const token2 = await csrfToken(manager2, "/manager");
      for (const a of await db("applications").whereIn("id", applications).where({ state: "submitted" }).select("id")) {
        const res = await manager2.post(`/manager/applications/${a.id}/approve`).type("form").send({ _csrf: token2 });
        expect(res.status, `approval of ${a.id} after the restart`).to.be.oneOf([303, 422]);
      }
      const financeToken2 = csrfFrom((await finance2.get("/finance")).text);
      const unpaid = (await db("claims").whereIn("id", claims).whereNotExists(db("payments as p").whereRaw("p.claim_id = claims.id")).select("id")).map((r) => Number(r.id));
      for (const id of unpaid) {
        const res = await finance2.post("/finance/payments").type("form").send({ _csrf: financeToken2, claimIds: String(id), paidOn: today, bankReference: `AFTER-${id}` });
        expect(res.status, `payment of claim ${id} after the restart`).to.equal(303);
      }
      expect(Number(defined((await db("payments").whereIn("claim_id", claims).count({ n: "*" }))[0]).n)).to.equal(claims.length);
      expect(Object.values(await halfStates(db)).flat()).to.deep.equal([]);
    });
  });
}
