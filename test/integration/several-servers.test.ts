import { readdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import knex from "knex";
import { createDb, type Db, knexConfig, migrate } from "../../server/db/connection";
import { inTransaction } from "../../server/services/platform/context";
import { type DailyJob, runDailyJobsExclusive, startBackgroundJobs, systemContext } from "../../server/services/platform/jobs";
import { deliverOutbox, queueEmail, retryDelayMs } from "../../server/services/platform/mail";
import { buildApp, signIn } from "../support/app";
import { TestClock, testConfig, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";

/*
 * Several app servers on one database. Each "server" here is its own knex pool (its own
 * connections, as a second process would have) with its own data directory.
 */
function secondInstance(db: Db): Db {
  const { config } = db.client as { config: { searchPath?: string[]; connection?: { filename?: string } } };
  if (config.searchPath) {
    return knex({ ...knexConfig({ databaseUrl: process.env.TEST_DATABASE_URL! }), searchPath: config.searchPath, pool: { min: 0, max: 12 } });
  }
  return createDb({ sqliteFile: config.connection!.filename! });
}

function emlIds(dir: string): number[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".eml")).map((f) => Number(f.slice(0, 6)));
  } catch {
    return [];
  }
}

async function queueRaw(db: Db, n: number, at: string): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => ({
    to_address: `person${i}@example.test`, subject: `Message ${i}`, body_text: `Body ${i}`, template: "test", created_at: at,
  }));
  for (let i = 0; i < rows.length; i += 50) await db("emails").insert(rows.slice(i, i + 50));
}

for (const engine of testDatabases()) {
  describe(`several app servers on one database [${engine.name}]`, function () {
    this.timeout(120_000);
    let a: Db;
    let b: Db;
    const clock = new TestClock(new Date("2027-03-01T10:00:00.000Z"));

    before(async () => {
      a = await engine.create();
      b = secondInstance(a);
      await seedDemoData(a, clock.now);
    });
    after(async () => {
      await b.destroy();
      await a.destroy();
    });
    beforeEach(() => a("emails").del());

    it("sends 100 queued e-mails exactly once when two servers deliver the outbox at the same time", async () => {
      await queueRaw(a, 100, clock.now().toISOString());
      const ctxA = systemContext(a, testConfig(), clock.now);
      const ctxB = systemContext(b, testConfig(), clock.now);
      const [sentA, sentB] = await Promise.all([deliverOutbox(ctxA), deliverOutbox(ctxB)]);
      const filesA = emlIds(ctxA.config.mail.outboxDir);
      const filesB = emlIds(ctxB.config.mail.outboxDir);
      expect(sentA + sentB).to.equal(100);
      // Both really worked at the same time, and no message left twice.
      expect(sentA).to.be.greaterThan(0);
      expect(sentB).to.be.greaterThan(0);
      expect(filesA.length + filesB.length).to.equal(100);
      expect(new Set([...filesA, ...filesB]).size).to.equal(100);
      expect(Number(defined((await a("emails").whereNull("sent_at").count({ n: "*" }))[0]).n)).to.equal(0);
      expect(Number(defined((await a("emails").where("attempts", ">", 1).count({ n: "*" }))[0]).n)).to.equal(0);
    });

    it("keeps a failed send queued with its error and retries it when it is due", async () => {
      await queueRaw(a, 1, clock.now().toISOString());
      // Nothing listens on port 1: the SMTP connection is refused.
      const broken = systemContext(a, testConfig({ mail: { ...testConfig().mail, smtpUrl: "smtp://127.0.0.1:1" } }), clock.now);
      expect(await deliverOutbox(broken)).to.equal(0);
      let row = await a("emails").first();
      expect(defined(row).sent_at).to.equal(null);
      expect(defined(row).error).to.match(/ECONNREFUSED|connect/i);
      expect(Number(defined(row).attempts)).to.equal(1);
      expect(defined(row).next_attempt_at).to.equal(new Date(clock.now().getTime() + retryDelayMs(1)).toISOString());

      const working = systemContext(a, testConfig(), clock.now);
      expect(await deliverOutbox(working), "not due yet").to.equal(0);
      clock.set(defined(defined(row).next_attempt_at));
      expect(await deliverOutbox(working)).to.equal(1);
      row = await a("emails").first();
      expect(defined(row).sent_at).to.equal(clock.now().toISOString());
      expect(defined(row).error).to.equal(null);
      expect(Number(defined(row).attempts)).to.equal(2);
    });

    it("delivers an e-mail right after the transaction that queued it commits, and none from a rolled-back one", async () => {
      const config = testConfig();
      const jobs = startBackgroundJobs(a, config, { runDailyNow: false });
      try {
        await jobs.mailIdle();
        const ctx = systemContext(a, config, clock.now);
        await inTransaction(ctx, (trx) => queueEmail(trx, ctx, "ida@example.test", "password-reset", { name: "Ida", link: "http://x/y", hours: 2 }));
        await jobs.mailIdle();
        const row = defined(await a("emails").where({ to_address: "ida@example.test" }).first(), "row");
        expect(row.sent_at).to.not.equal(null);
        expect(emlIds(config.mail.outboxDir)).to.deep.equal([Number(row.id)]);

        await inTransaction(ctx, async (trx) => {
          await queueEmail(trx, ctx, "ole@example.test", "password-reset", { name: "Ole", link: "http://x/z", hours: 2 });
          throw new Error("the use case failed");
        }).catch(() => undefined);
        await jobs.mailIdle();
        expect(await a("emails").where({ to_address: "ole@example.test" }).first()).to.equal(undefined);
      } finally {
        jobs.stop();
      }
    });

    it("lets a user signed in on one server continue on the other (sessions live in the database)", async () => {
      const appA = buildApp(a, { clock: clock.now });
      const appB = buildApp(b, { clock: clock.now });
      const onA = await signIn(appA, "manager@demo.test");
      const onB = await signIn(appB, "finance@demo.test");
      expect((await onA.get("/manager")).status).to.equal(200);
      expect((await onB.get("/finance")).status).to.equal(200);
      const cookie = (await onA.get("/manager")).request.cookies;
      const request = (await import("supertest")).default;
      const crossed = await request(appB).get("/manager").set("Cookie", cookie);
      expect(crossed.status).to.equal(200);
      expect(crossed.text).to.include("manager@demo.test");
    });

    if (engine.name === "postgres") {
      it("runs the daily jobs on one server only when two start them at the same time", async () => {
        let runs = 0;
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const probe: DailyJob = {
          name: "probe",
          run: async () => {
            runs++;
            await gate;
            return 1;
          },
        };
        const first = runDailyJobsExclusive(systemContext(a, testConfig(), clock.now), [probe]);
        const second = runDailyJobsExclusive(systemContext(b, testConfig(), clock.now), [probe]);
        // The probe holds its run open until one of the two calls has returned: with the lock the
        // other call returns at once ("running elsewhere"); without it both would wait forever.
        let giveUp: NodeJS.Timeout | undefined;
        const deadlock = new Promise((_, reject) => { giveUp = setTimeout(() => reject(new Error("both servers ran the jobs")), 20_000); });
        const winner = await Promise.race([first, second, deadlock]).finally(() => clearTimeout(giveUp));
        release();
        const results = await Promise.all([first, second]);
        expect(winner).to.equal(null);
        expect(runs).to.equal(1);
        expect(results.filter((r) => r === null)).to.have.length(1);
        expect(results.find((r) => r !== null)).to.deep.equal({ probe: 1, emailsSent: 0 });
        // The lock is gone with the transaction: the next run goes ahead.
        expect(await runDailyJobsExclusive(systemContext(b, testConfig(), clock.now), [])).to.deep.equal({ emailsSent: 0 });
      });

      it("migrates a fresh database when two servers start at the same time, and frees a lock left by a killed one", async () => {
        const schema = `t_${randomBytes(6).toString("hex")}`;
        const admin = knex({ client: "pg", connection: process.env.TEST_DATABASE_URL! });
        await admin.raw(`create schema ${schema}`);
        await admin.destroy();
        const server = () => knex({ ...knexConfig({ databaseUrl: process.env.TEST_DATABASE_URL! }), searchPath: [schema], pool: { min: 0, max: 4 } });
        const one = server();
        const two = server();
        try {
          await Promise.all([migrate(one), migrate(two)]);
          // knex types the list as any: [completed, pending].
          const [, pending] = (await one.migrate.list()) as [unknown[], unknown[]];
          expect(pending).to.deep.equal([]);
          // A server killed mid-migration leaves knex's lock row set; the next start frees it.
          await one("knex_migrations_lock").update({ is_locked: 1 });
          await migrate(two);
          expect(Number(defined(await one("knex_migrations_lock").first<{ is_locked: number | boolean } | undefined>()).is_locked)).to.equal(0);
        } finally {
          await one.destroy();
          await two.destroy();
        }
      });
    }
  });
}

