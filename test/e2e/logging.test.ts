import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import { isPostgres, type Db } from "../../server/db/connection";
import { csrfToken } from "../support/app";
import { testConfig, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { createApp } from "../../server/web/app";
import { defined } from "../support/defined";

/*
 * The log is read by people who must not see secrets. A database error is provoked the honest
 * way (a trigger makes the database itself refuse the write, so the error is the driver's real
 * error with the real statement), the log goes to a captured stream, and the test reads it.
 */
for (const engine of testDatabases()) {
  describe(`logs hold no secrets (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let app: Express;
    let log: string[];
    let regionDk: number;
    let sectorBio: number;

    const IBAN = "DE02 1203 0000 0000 2020 51";
    const IBAN_COMPACT = IBAN.replace(/ /g, "");
    const PASSWORD = "correct horse battery staple";

    async function refuseInsertsInto(table: string): Promise<void> {
      if (isPostgres(db)) {
        await db.raw("create or replace function refuse_write() returns trigger language plpgsql as $$ begin raise exception 'refused by the database'; end $$");
        await db.raw(`create trigger refuse_${table} before insert on ${table} for each row execute function refuse_write()`);
      } else {
        await db.raw(`create trigger refuse_${table} before insert on ${table} begin select raise(abort, 'refused by the database'); end`);
      }
    }
    async function allowInsertsInto(table: string): Promise<void> {
      await db.raw(isPostgres(db) ? `drop trigger refuse_${table} on ${table}` : `drop trigger refuse_${table}`);
    }

    const registration = (email: string) => ({
      name: "Ida Lund", email, password: PASSWORD,
      legalName: "Lund Bio ApS", vatNumber: "DK31415927", address: "Ole Maaløes Vej 3, 2200 København N", country: "dk",
      regionId: String(regionDk), sectorId: String(sectorBio), staffHeadcount: "12", turnover: "2.100.000,00", balanceSheet: "900000",
      iban: IBAN, accountHolder: "Lund Bio ApS",
    });

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      log = [];
      app = createApp({ db, config: testConfig({ logLevel: "info" }), logDestination: { write: (line: string) => void log.push(line) } });
      regionDk = Number(defined(await db("regions").where({ code: "DK" }).first("id")).id);
      sectorBio = Number(defined(await db("sectors").where({ code: "biotech" }).first("id")).id);
    });
    after(() => db.destroy());

    function assertClean(text: string, secrets: string[]): void {
      for (const s of secrets) expect(text, `the log holds ${s}`).to.not.include(s);
      expect(text).to.not.match(/\$argon2/i);
      expect(text).to.not.match(/insert into|update .* set /i);
      expect(text).to.not.include(IBAN_COMPACT).and.not.include(IBAN).and.not.include("DE02120300");
    }

    it("a refused INSERT of a user logs the error code and request id, but no SQL, hash, password, IBAN or token", async () => {
      await refuseInsertsInto("users");
      try {
        log.length = 0;
        const agent = request.agent(app);
        const page = await agent.get("/register");
        const token = await csrfToken(agent, "/register");
        const res = await agent.post("/register").type("form").send({ _csrf: token, ...registration("ida@lundbio.test") });
        expect(res.status).to.equal(500);
        const requestId = String(res.headers["x-request-id"]);
        const text = log.join("");
        const errorLine = log.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "unhandled error");
        expect(errorLine, text).to.exist;
        expect(errorLine!.code).to.equal("internal");
        expect((errorLine!.req as { id: string }).id).to.equal(requestId);
        const err = errorLine!.err as { code: string; message: string };
        expect(err.code).to.equal(isPostgres(db) ? "P0001" : "SQLITE_CONSTRAINT");
        expect(err.message).to.include("refused by the database");
        const cookie = /vd\.sid=([^;]+)/.exec(String(page.headers["set-cookie"]));
        const sids = (await db("sessions").select("sid")).map((r) => String(r.sid));
        assertClean(text, [PASSWORD, token, ...sids, ...(cookie?.[1] ? [cookie[1], decodeURIComponent(cookie[1])] : [])]);
        // Nothing was half-written.
        expect(await db("companies").where({ legal_name: "Lund Bio ApS" }).first()).to.equal(undefined);
      } finally {
        await allowInsertsInto("users");
      }
    });

    it("a refused INSERT of a company with an IBAN logs at most its last four characters", async () => {
      await refuseInsertsInto("companies");
      try {
        log.length = 0;
        const agent = request.agent(app);
        const token = await csrfToken(agent, "/register");
        const res = await agent.post("/register").type("form").send({ _csrf: token, ...registration("ole@lundbio.test") });
        expect(res.status).to.equal(500);
        const text = log.join("");
        expect(text).to.include(String(res.headers["x-request-id"]));
        assertClean(text, [PASSWORD, token]);
      } finally {
        await allowInsertsInto("companies");
      }
    });

    it("one-time-link tokens and query strings in URLs are not logged", async () => {
      log.length = 0;
      const resetToken = "Zx9_kQ2mPq7rT4vW8yB1nC5dF3gH6jK0LmNoPqRsTuV";
      await request(app).get(`/password-reset/${resetToken}`).expect(410);
      await request(app).get(`/confirm/${resetToken}?email=ida%40lundbio.test`);
      const text = log.join("");
      expect(text).to.include("/password-reset/[redacted]");
      expect(text).to.not.include(resetToken).and.not.include("lundbio");
    });
  });
}
