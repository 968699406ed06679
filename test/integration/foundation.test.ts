import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { isPostgres } from "../../server/db/connection";
import { audit } from "../../server/services/platform/audit";
import { inTransaction } from "../../server/services/platform/context";
import { createUser } from "../../server/services/people/users";
import { getScheme, listPartners, listRegions, listSectors, listVoucherTypes } from "../../server/services/scheme/reference";
import { testContext, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { refusal, rejection } from "../support/rejects";

for (const engine of testDatabases()) {
  describe(`database foundation (${engine.name})`, function () {
    this.timeout(30000);
    let db: Db;
    before(async () => {
      db = await engine.create();
    });
    after(() => db.destroy());

    it("runs the same migrations and holds the required reference data", async () => {
      expect(isPostgres(db)).to.equal(engine.name === "postgres");
      const scheme = await getScheme(db);
      expect(scheme.deMinimisCeilingCents).to.equal(30_000_000);
      expect(scheme.timeZone).to.equal("Europe/Copenhagen");
      const types = await listVoucherTypes(db);
      expect(types.map((t) => [t.code, t.amountRule, t.maxCents])).to.deep.equal([["MG", "capped", 50_000], ["IN", "fixed", 400_000], ["CO", "fixed", 700_000]]);
      expect(await listRegions(db)).to.have.length(8);
      const partners = await listPartners(db);
      expect(partners.map((p) => p.shortName)).to.include.members(["BioPeople", "BOM", "BioRegio STERN"]);
      expect((await listSectors(db)).map((s) => s.code).sort()).to.deep.equal(["biotech", "medtech", "nutrition", "pharma"]);
    });

    it("stores money as integers and reads bigints back as exact numbers", async () => {
      // Beyond 2^31, so a 32-bit integer column would fail; PostgreSQL returns bigint as a string.
      await db("schemes").update({ de_minimis_ceiling_cents: 9_007_199_254_740 });
      expect((await getScheme(db)).deMinimisCeilingCents).to.equal(9_007_199_254_740);
      await db("schemes").update({ de_minimis_ceiling_cents: 30_000_000 });
    });

    it("enforces foreign keys", async () => {
      await rejection(db("partners").insert({ region_id: 999999, name: "x", short_name: "x", address: "x" }), Error);
    });

    it("writes the audit event in the same transaction as the change (none when it rolls back)", async () => {
      const ctx = testContext(db, null);
      const before = Number(defined((await db("audit_events").count({ n: "*" }))[0]).n);
      const boom = await rejection(inTransaction(ctx, async (trx) => {
        await audit(trx, ctx, { action: "test.event", entityType: "test", entityId: 1, after: { x: 1 } });
        throw new Error("boom");
      }), Error);
      expect(boom.message).to.equal("boom");
      expect(Number(defined((await db("audit_events").count({ n: "*" }))[0]).n)).to.equal(before);
      await createUser(ctx, { email: "Audit@Example.org", name: "Audit Person", password: "long-enough-password", role: "finance" });
      const ev = defined(await db("audit_events").where({ action: "user.created" }).first(), "ev");
      expect((JSON.parse(defined(ev.after_json)) as { email: string }).email).to.equal("audit@example.org");
    });

    it("refuses a second account with the same e-mail in any letter case", async () => {
      const ctx = testContext(db, null);
      const err = await refusal(createUser(ctx, { email: "AUDIT@example.org", name: "Someone", password: "long-enough-password", role: "finance" }));
      expect(JSON.stringify(err.fields)).to.include("already exists");
    });
  });
}
