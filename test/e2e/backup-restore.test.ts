import { spawn } from "node:child_process";
import { lettersWritten } from "../../server/services/letters/letters";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Express } from "express";
import request from "supertest";
import { createDb, type Db, migrate } from "../../server/db/connection";
import { toBuffer } from "../../server/services/letters/letters";
import { buildApp, csrfToken, postForm, signIn } from "../support/app";
import { TestClock } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { insertSubmitted, seedCall } from "../support/journey";

/*
 * SQLite: `npm run backup` while managers approve (each approval writes a ledger commit and an
 * award letter), then `npm run restore` with the server stopped. PostgreSQL backups are pg_dump's
 * job; the commands only say so (checked at the end).
 */
const ROOT = path.resolve(__dirname, "../..");

function cli(script: "backup" | "restore", args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; started: number; ended: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, `server/cli/${script}.ts`), ...args], {
    cwd: ROOT, env: { ...process.env, NODE_ENV: "test", ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out, started, ended: Date.now() })));
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("backup and restore (SQLite, e2e through the commands)", function () {
  this.timeout(180_000);
  const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "vd-backup-"));
  const file = path.join(dataDir, "voucherdesk.sqlite");
  const backupFile = path.join(mkdtempSync(path.join(os.tmpdir(), "vd-backups-")), "voucherdesk-backup.sqlite");
  let db: Db;
  let app: Express;
  let applications: number[];

  before(async () => {
    db = createDb({ sqliteFile: file });
    await migrate(db);
    await seedDemoData(db, clock.now);
    // These approvals give one company several vouchers at once; R10's open-voucher rule, which
    // would refuse the second, has its own tests, so it is switched off here.
    await db("schemes").update({ block_while_claim_open: false });
    const callId = await seedCall(db, clock.now, { totalCents: 100_000_000 });
    applications = [];
    for (const email of ["sme@demo.test", "oresund@demo.test", "amager@demo.test", "hillerod@demo.test"]) {
      for (const type of ["MG", "IN"] as const) applications.push(await insertSubmitted(db, { email, callId, type }));
    }
    app = buildApp(db, { clock: clock.now });
  });
  after(async () => {
    await db?.destroy();
  });

  it("backs up while approvals run, restores with the server stopped, and every letter still verifies", async () => {
    const manager = await signIn(app, "manager@demo.test");
    const approve = async (id: number) => {
      const start = Date.now();
      const res = await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, {});
      expect(res.status, `approval of ${id}`).to.equal(303);
      await lettersWritten(db);
      return { start, end: Date.now() };
    };
    for (const id of applications.slice(0, 3)) await approve(id);
    const beforeBackup = (await db("award_letters").select("id")).map((r) => Number(r.id));
    expect(beforeBackup).to.have.length(3);

    // The backup runs as its own process while further approvals commit.
    const backup = cli("backup", [backupFile], { DATA_DIR: dataDir });
    const during: { start: number; end: number }[] = [];
    let done = false;
    void backup.then(() => (done = true));
    for (const id of applications.slice(3)) {
      if (done) break;
      during.push(await approve(id));
    }
    const result = await backup;
    expect(result.code, result.out).to.equal(0);
    expect(during.some((w) => w.start < result.ended && result.started < w.end), "approvals committed while the backup ran").to.equal(true);

    // The copy holds every commit made before it started (they sat in the WAL, not the main file)
    // and is consistent: each approval with its letter (stored or pending) and its budget commit, or
    // not at all.
    const copy = createDb({ sqliteFile: backupFile });
    let copied: { id: number; application_id: number; reference: string; sha256: string; pdf: Buffer }[];
    try {
      copied = (await copy("award_letters").select("id", "application_id", "reference", "sha256", "pdf")).map((r) => ({ ...r, id: Number(r.id), application_id: Number(r.application_id), pdf: toBuffer(r.pdf) }));
      expect(copied.map((l) => l.id)).to.include.members(beforeBackup);
      const approved = (await copy("applications").where({ state: "approved" }).select("id")).map((r) => Number(r.id)).sort();
      const commits = (await copy("ledger_entries").where({ kind: "commit" }).select("application_id")).map((r) => Number(r.application_id)).sort();
      // A letter is stored just after its approval commits; a copy taken in between holds it
      // pending (its facts recorded with the approval), which recovery stores after a restore.
      const pending = (await copy("pending_award_letters").select("application_id")).map((r) => Number(r.application_id));
      expect([...copied.map((l) => l.application_id), ...pending].sort()).to.deep.equal(approved);
      expect(commits).to.deep.equal(approved);
    } finally {
      await copy.destroy();
    }

    // Restore refuses while the server has the database open, and refuses a file that is not a backup.
    const refused = await cli("restore", [backupFile], { DATA_DIR: dataDir });
    expect(refused.code).to.not.equal(0);
    expect(refused.out).to.include("in use by a running Voucherdesk server");
    const notBackup = path.join(os.tmpdir(), `not-a-backup-${Date.now()}.sqlite`);
    writeFileSync(notBackup, "hello");
    const wrong = await cli("restore", [notBackup], { DATA_DIR: dataDir });
    expect(wrong.code).to.not.equal(0);
    expect(wrong.out).to.include("is not an SQLite database");

    await db.destroy();
    const restored = await cli("restore", [backupFile], { DATA_DIR: dataDir });
    expect(restored.code, restored.out).to.equal(0);
    expect(restored.out).to.include(`(${copied.length} award letters)`);
    expect(restored.out).to.include("before-restore-");

    db = createDb({ sqliteFile: file });
    await migrate(db);
    app = buildApp(db, { clock: clock.now });
    const letters = await db("award_letters").select("reference", "sha256", "pdf");
    expect(letters.map((l) => l.reference).sort()).to.deep.equal(copied.map((l) => l.reference).sort());
    for (const l of letters) {
      const pdf = toBuffer(l.pdf);
      expect(sha256(pdf), l.reference).to.equal(l.sha256);
      const agent = request.agent(app);
      const token = await csrfToken(agent, "/verify");
      const res = await agent.post("/verify").field("_csrf", token).field("reference", l.reference)
        .attach("pdf", pdf, { filename: "letter.pdf", contentType: "application/pdf" });
      expect(res.status, l.reference).to.equal(200);
      expect(res.text, l.reference).to.include("This award letter is genuine");
    }
  });

  it("points to pg_dump/pg_restore instead of copying when DATABASE_URL is set", async () => {
    const env = { DATA_DIR: dataDir, DATABASE_URL: "postgresql://nobody:nothing@127.0.0.1:1/none" };
    const backup = await cli("backup", [backupFile + ".pg"], env);
    expect(backup.code).to.equal(2);
    expect(backup.out).to.include("pg_dump");
    const restore = await cli("restore", [backupFile], env);
    expect(restore.code).to.equal(2);
    expect(restore.out).to.include("pg_restore");
  });
});
