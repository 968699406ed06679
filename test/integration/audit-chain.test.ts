import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { auditVerifyCommand } from "../../server/cli/audit-verify";
import { createDb, type Db, isPostgres } from "../../server/db/connection";
import { audit } from "../../server/services/platform/audit";
import { type ChainState, verifyAuditChain } from "../../server/services/platform/audit-chain";
import { inTransaction } from "../../server/services/platform/context";
import { testContext, testDatabases } from "../support/db";
import { defined } from "../support/defined";

const MIGRATION = "20261202110000_audit_chain.ts";

async function writeEvents(db: Db, n: number, tag: string): Promise<number[]> {
  const ctx = testContext(db, null);
  for (let i = 0; i < n; i++) {
    await inTransaction(ctx, async (trx) => {
      await audit(trx, ctx, { action: "test.event", entityType: "test", entityId: `${tag}-${i}`, after: { i } });
      // A second event in the same transaction is chained after the first.
      if (i % 3 === 0) await audit(trx, ctx, { action: "test.second", entityType: "test", entityId: `${tag}-${i}` });
    });
  }
  return (await db("audit_events").orderBy("id").pluck("id")).map(Number);
}

function broken(state: ChainState): Extract<ChainState, { ok: false }> {
  if (state.ok) throw new Error("expected a broken chain");
  return state;
}

for (const engine of testDatabases()) {
  describe(`audit hash chain (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    beforeEach(async () => {
      db = await engine.create();
    });
    afterEach(() => db.destroy());

    it("chains every entry to the one before it, across transactions and within one", async () => {
      const ids = await writeEvents(db, 7, "a");
      expect(ids.length).to.equal(10);
      const rows = await db("audit_events").orderBy("id");
      expect(rows[0]!.prev_id).to.equal(null);
      for (let i = 1; i < rows.length; i++) {
        expect(rows[i]!.prev_id).to.equal(rows[i - 1]!.id);
        expect(rows[i]!.prev_hash).to.equal(rows[i - 1]!.hash);
        expect(rows[i]!.hash).to.match(/^[0-9a-f]{64}$/);
      }
      const state = await verifyAuditChain(db, 3);
      expect(state).to.deep.include({ ok: true, entries: 10, lastId: ids.at(-1) });
      const lines: string[] = [];
      expect(await auditVerifyCommand(db, (l) => lines.push(l))).to.equal(0);
      expect(lines.join("\n")).to.include(`10 entries verified, up to entry ${ids.at(-1)}`);
    });

    it("names an entry whose content was edited in the database", async () => {
      const ids = await writeEvents(db, 6, "b");
      const victim = defined(ids[4]);
      await db("audit_events").where({ id: victim }).update({ after_json: JSON.stringify({ i: 99 }) });
      const state = broken(await verifyAuditChain(db, 2));
      expect(state.brokenAt).to.equal(victim);
      expect(state.verifiedUpTo).to.equal(ids[3]);
      expect(state.reason).to.include("content does not match its hash");
      const lines: string[] = [];
      expect(await auditVerifyCommand(db, (l) => lines.push(l))).to.equal(1);
      expect(lines[0]).to.equal(`The audit chain is broken at entry ${victim}: ${state.reason}.`);
    });

    it("names an entry whose actor or time was changed, and one whose hash was recomputed alone", async () => {
      const ids = await writeEvents(db, 4, "c");
      await db("audit_events").where({ id: ids[1] }).update({ at: "2020-01-01T00:00:00.000Z" });
      expect(broken(await verifyAuditChain(db)).brokenAt).to.equal(ids[1]);
      const fresh = await engine.create();
      try {
        const freshIds = await writeEvents(fresh, 4, "c");
        // A forger who rewrites a row and its own hash is caught by the next entry's link.
        await fresh("audit_events").where({ id: freshIds[2] }).update({ hash: "0".repeat(64) });
        const state = broken(await verifyAuditChain(fresh));
        expect(state.brokenAt).to.equal(freshIds[2]);
      } finally {
        await fresh.destroy();
      }
    });

    it("names an entry deleted from the middle and one deleted from the end", async () => {
      const ids = await writeEvents(db, 6, "d");
      const middle = defined(ids[3]);
      await db("audit_events").where({ id: middle }).delete();
      const state = broken(await verifyAuditChain(db, 2));
      expect(state.brokenAt).to.equal(middle);
      expect(state.reason).to.equal(`entry ${middle} is missing: entry ${ids[4]} follows it in the chain`);

      const other = await engine.create();
      try {
        const otherIds = await writeEvents(other, 3, "e");
        const last = defined(otherIds.at(-1));
        await other("audit_events").where({ id: last }).delete();
        const tail = broken(await verifyAuditChain(other));
        expect(tail.brokenAt).to.equal(last);
        expect(tail.reason).to.include("chain head records it as the newest entry");
      } finally {
        await other.destroy();
      }
    });

    it("chains the entries that existed before the migration, so the old log verifies too", async () => {
      await db.migrate.down({ name: MIGRATION });
      for (let i = 0; i < 5; i++) {
        await db("audit_events").insert({
          at: `2026-11-2${i}T10:00:00.000Z`, actor_user_id: null, actor_label: "system", action: "test.old",
          entity_type: "test", entity_id: String(i), before_json: null, after_json: i % 2 ? JSON.stringify({ i, s: "ø" }) : null, request_id: null,
        });
      }
      await db.migrate.up({ name: MIGRATION });
      const ids = await writeEvents(db, 2, "f");
      expect(ids).to.have.length(8);
      expect(await verifyAuditChain(db, 2)).to.deep.include({ ok: true, entries: 8 });
      await db("audit_events").where({ id: ids[2] }).update({ entity_id: "22" });
      expect(broken(await verifyAuditChain(db)).brokenAt).to.equal(ids[2]);
    });

    it("npm run audit:verify exits 1 and names the edited entry; 0 on an intact chain", async function () {
      this.timeout(120000);
      let env: NodeJS.ProcessEnv;
      let target: Db;
      if (isPostgres(db)) {
        const schema = defined((await db.raw<{ rows: { s: string }[] }>("select current_schema() as s")).rows[0]).s;
        const url = new URL(defined(process.env.TEST_DATABASE_URL));
        url.searchParams.set("options", `-c search_path=${schema}`);
        env = { ...process.env, DATABASE_URL: url.toString(), DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "vd-verify-")) };
        target = db;
      } else {
        const dataDir = mkdtempSync(path.join(os.tmpdir(), "vd-verify-"));
        target = createDb({ sqliteFile: path.join(dataDir, "voucherdesk.sqlite") });
        await target.migrate.latest();
        env = { ...process.env, DATABASE_URL: "", DATA_DIR: dataDir };
      }
      try {
        const ids = await writeEvents(target, 3, "g");
        const run = () => spawnSync(process.execPath, ["--import", "tsx", "server/cli/audit-verify.ts"], { env, encoding: "utf8" });
        const ok = run();
        expect(ok.stdout, ok.stderr).to.include(`entries verified, up to entry ${ids.at(-1)}`);
        expect(ok.status).to.equal(0);
        await target("audit_events").where({ id: ids[1] }).update({ actor_label: "someone-else@example.org" });
        const bad = run();
        expect(bad.status, bad.stderr).to.equal(1);
        expect(bad.stdout).to.include(`broken at entry ${ids[1]}`);
      } finally {
        if (target !== db) await target.destroy();
      }
    });
  });
}
