import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { expect } from "chai";
import type { Express } from "express";
import request from "supertest";
import { createDb, type Db, migrate } from "../../server/db/connection";
import { createApp } from "../../server/web/app";
import { attemptSignIn, buildApp, csrfToken, postForm, signIn } from "../support/app";
import { TestClock, testConfig } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { insertSubmitted, seedCall } from "../support/journey";
import { defined } from "../support/defined";

/*
 * SQLite only: PostgreSQL has row locks and no database-wide write lock. A second process (the
 * writer script stands in for `npm run jobs` or a backup) holds the write lock again and again
 * while managers approve, people register and sign in over HTTP.
 */
const WRITER = path.resolve(__dirname, "../support/sqlite-writer.cjs");

interface Writer { child: ChildProcess; locks: [number, number][]; held: Promise<void>; done: Promise<number | null> }

function startWriter(file: string, holdMs: number, pauseMs: number, rounds: number): Writer {
  const child = spawn(process.execPath, [WRITER, file, String(holdMs), String(pauseMs), String(rounds)], { stdio: ["ignore", "pipe", "inherit"] });
  const locks: [number, number][] = [];
  let onHeld!: () => void;
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  createInterface({ input: child.stdout }).on("line", (line) => {
    const [kind, start, end] = line.split(" ");
    if (kind === "held") onHeld();
    if (kind === "lock") locks.push([Number(start), Number(end)]);
  });
  const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, locks, held, done };
}

describe("SQLite: a second process writing while the server works (e2e)", function () {
  this.timeout(120_000);
  const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));
  let file: string;
  let db: Db;
  let app: Express;
  let applications: number[];
  let callId: number;
  let regionId: string;
  let sectorId: string;

  before(async () => {
    file = path.join(mkdtempSync(path.join(os.tmpdir(), "vd-lock-")), "voucherdesk.sqlite");
    db = createDb({ sqliteFile: file });
    await migrate(db);
    await seedDemoData(db, clock.now);
    // These approvals give one company several vouchers at once; R10's open-voucher rule, which
    // would refuse the second, has its own tests, so it is switched off here.
    await db("schemes").update({ block_while_claim_open: false });
    callId = await seedCall(db, clock.now, { totalCents: 100_000_000 });
    applications = [];
    for (const email of ["sme@demo.test", "oresund@demo.test", "amager@demo.test"]) {
      for (const type of ["MG", "IN", "CO"] as const) applications.push(await insertSubmitted(db, { email, callId, type }));
    }
    regionId = String(defined(await db("regions").where({ code: "DK" }).first("id")).id);
    sectorId = String(defined(await db("sectors").where({ code: "biotech" }).first("id")).id);
    app = buildApp(db, { clock: clock.now });
  });
  after(() => db.destroy());

  it("answers every approval, registration and sign-in without a 5xx while another process keeps taking the write lock", async () => {
    const manager = await signIn(app, "manager@demo.test");
    const writer = startWriter(file, 40, 5, 0);
    await writer.held;
    const timings: { status: number; what: string; start: number; end: number }[] = [];
    const timed = async (what: string, send: () => Promise<request.Response>) => {
      const start = Date.now();
      const res = await send();
      timings.push({ status: res.status, what, start, end: Date.now() });
      return res;
    };
    try {
      await Promise.all([
        (async () => {
          for (const id of applications) {
            await timed(`approve ${id}`, () => postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, {}));
          }
        })(),
        (async () => {
          for (let i = 0; i < 4; i++) {
            const agent = request.agent(app);
            const token = await csrfToken(agent, "/register");
            await timed(`register ${i}`, () => agent.post("/register").type("form").send({ _csrf: token, ...registration(i) }));
            await timed(`sign-in ${i}`, async () => (await attemptSignIn(app, "sme@demo.test")).res);
          }
        })(),
      ]);
    } finally {
      writer.child.kill();
      await writer.done;
    }
    const failed = timings.filter((t) => t.status >= 500).map((t) => `${t.what}: ${t.status}`);
    expect(failed).to.deep.equal([]);
    // The requests really ran while the other process held the lock.
    const overlapping = timings.filter((t) => writer.locks.some(([s, e]) => t.start < e && s < t.end));
    expect(writer.locks.length).to.be.greaterThan(10);
    expect(overlapping.length).to.be.greaterThan(timings.length / 2);
    const approved = timings.filter((t) => t.what.startsWith("approve") && t.status === 303).length;
    expect(approved).to.be.greaterThan(0);
    expect(Number(defined((await db("applications").where({ state: "approved" }).count({ n: "*" }))[0]).n)).to.equal(approved);
    expect(Number(defined((await db("users").where("email", "like", "writer-race-%").count({ n: "*" }))[0]).n)).to.equal(4);
  });

  it("answers 503 'busy, try again' with Retry-After when the lock is held longer than the wait bound, and nothing is half-written", async () => {
    const impatient = createDb({ sqliteFile: file, sqliteBusyTimeoutMs: 200 });
    try {
      const impatientApp = buildApp(impatient, { clock: clock.now });
      const manager = await signIn(impatientApp, "manager@demo.test");
      // A call of its own: R10 allows one voucher of a type per company and call.
      const otherCall = await seedCall(db, clock.now, { totalCents: 1_000_000 });
      const id = await insertSubmitted(db, { email: "sme@demo.test", callId: otherCall, type: "MG", requestedCents: 10_000 });
      const pending = defined(await db("applications").where({ id }).first("id", "version"), "pending");
      const token = await csrfToken(manager, `/manager/applications/${pending.id}`);
      const loginAgent = request.agent(impatientApp);
      const loginToken = await csrfToken(loginAgent);

      const writer = startWriter(file, 2500, 0, 1);
      await writer.held;
      const approval = await manager.post(`/manager/applications/${pending.id}/approve`).type("form").send({ _csrf: token });
      const login = await loginAgent.post("/login").type("form").send({ email: "sme@demo.test", password: "demo-voucherdesk", _csrf: loginToken });
      const stillHeld = writer.locks.length === 0;
      expect(await writer.done).to.equal(0);

      expect(stillHeld, "both requests were answered while the other process held the lock").to.equal(true);
      for (const res of [approval, login]) {
        expect(res.status).to.equal(503);
        expect(res.headers["retry-after"]).to.equal("5");
        expect(res.text).to.include("Busy, please try again");
        expect(res.text).to.include("nothing was saved");
      }
      const after = defined(await db("applications").where({ id: pending.id }).first("state", "version"), "after");
      expect(after.state).to.equal("submitted");
      expect(Number(after.version)).to.equal(Number(pending.version));
      expect(await db("ledger_entries").where({ application_id: pending.id }).first()).to.equal(undefined);

      // Once the lock is free the same approval goes through.
      const retry = await postForm(manager, `/manager/applications/${pending.id}`, `/manager/applications/${pending.id}/approve`, {});
      expect(retry.status, /error-summary[\s\S]{0,600}/.exec(retry.text)?.[0] ?? retry.text.slice(0, 300)).to.equal(303);
      expect(defined(await db("applications").where({ id }).first("state")).state).to.equal("approved");
    } finally {
      await impatient.destroy();
    }
  });


  function registration(i: number): Record<string, string> {
    return {
      name: `Writer Race ${i}`, email: `writer-race-${i}@lundbio.test`, password: "a-long-enough-passphrase",
      legalName: `Race Bio ${i} ApS`, vatNumber: `DK1234567${i}`, address: "Ole Maaløes Vej 3, 2200 København N", country: "dk",
      regionId, sectorId, staffHeadcount: "12", turnover: "2.100.000,00", balanceSheet: "900000",
      iban: "DE02 1203 0000 0000 2020 51", accountHolder: `Race Bio ${i} ApS`,
    };
  }
});

describe("SQLite: a session that cannot be stored before a redirect (e2e)", function () {
  this.timeout(60_000);
  let file: string;
  let db: Db;
  let app: Express;
  const log: string[] = [];

  before(async () => {
    file = path.join(mkdtempSync(path.join(os.tmpdir(), "vd-lock-")), "voucherdesk.sqlite");
    // A short wait for the lock, so that another process holding it makes storing the session fail.
    db = createDb({ sqliteFile: file, sqliteBusyTimeoutMs: 200 });
    await migrate(db);
    await seedDemoData(db);
    app = createApp({ db, config: testConfig({ logLevel: "warn" }), logDestination: { write: (line: string) => void log.push(line) } });
  });
  after(() => db.destroy());

  it("still sends the redirect, and logs why the next page may miss its message", async () => {
    const writer = startWriter(file, 1500, 0, 1);
    await writer.held;
    try {
      // A visitor opens a signed-in page: "sign in to continue" is left in a new session for /login.
      const res = await request(app).get("/applicant");
      expect(res.status, "the redirect, not an error page").to.equal(303);
      expect(res.headers.location).to.equal("/login");
    } finally {
      await writer.done;
    }
    expect(writer.locks, "the other process held the lock meanwhile").to.have.length(1);
    expect(log.join("\n")).to.include("session not stored before a redirect").and.include("SQLITE_BUSY");
  });
});
