/**
 * Approvals and the award letter on a copy of the large programme: N approvals (after 5 that warm
 * the process up and are not counted) through the service, one after the other as a manager makes
 * them, then the letter alone rendered again from the last one's data. An approval is timed until
 * it answers (committed, the letter decided); its letter's PDF is written and stored after that,
 * and timed apart, until stored, before the next approval starts. Wall time and the process's CPU
 * time are both reported: on a shared machine wall time is mostly waiting for a CPU, CPU time is
 * the fairer figure.
 *
 * The letter alone is timed where the server writes its letters, in the letter writer's thread,
 * after the approvals have written theirs there, as a running server's thread has. The same
 * letter laid out on the bench's own thread, where no letter was laid out before, is printed
 * beside it: on this kind of machine the first few dozen letters of a thread are slower, until
 * V8 has optimised the layout code.
 *
 * Part of `npm run bench`; alone (for a CPU profile):
 *
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/approvals.ts [--approvals 40] [--file data/bench/voucherdesk.sqlite]
 *
 * `--queries` prints the SQL of the last approval.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../server/config";
import { createDb, type Db, migrate } from "../server/db/connection";
import { APP_STATES, hasOpenClaim } from "../server/domain/lifecycle";
import { renderAwardLetter, renderAwardLetterInWorker } from "../server/letters/award-letter";
import { awardLetterData } from "../server/services/letters/letters";
import { loadActor } from "../server/services/people/user-queries";
import { approve } from "../server/services/review/decisions";
import { ANCHOR, DEFAULT_BENCH_FILE } from "./large-programme";
import { cpuMs, percentile } from "./stats";

export interface ApprovalResult {
  approvals: number;
  /** Database queries of one approval (median), the letter's storing included. */
  queries: number;
  /** From the approval's start until its letter was stored. */
  storedP50: number;
  storedP95: number;
  refused: number;
  p50: number;
  p95: number;
  cpuP50: number;
  cpuP95: number;
  /** In the letter writer's thread. */
  letterMs: number;
  letterCpuMs: number;
  /** On a thread that had laid out no letter before. */
  coldThreadLetterMs: number;
}

const WARM_UP = 5;

function benchConfig() {
  return { ...loadConfig({ ...process.env, NODE_ENV: "development", DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "vd-bench-cfg-")) }), timeZone: "Europe/Copenhagen" };
}

/**
 * Submitted applications the scheme lets through today: activity not yet started, no conflict of
 * interest of the decider, and one per company among companies without a voucher whose claim is
 * open (R10 refuses those while the scheme blocks them, and an approval opens one). The
 * administrator decides them, so that every partner's applications can be drawn on.
 */
async function approvable(db: Db, deciderId: number, count: number): Promise<number[]> {
  const today = new Date(ANCHOR).toISOString().slice(0, 10);
  const open = APP_STATES.filter((s) => hasOpenClaim(s));
  const rows = await db("applications as a").where({ "a.state": "submitted" }).where("a.activity_start", ">", today)
    .whereNotExists(db("applications as o").whereRaw("o.company_id = a.company_id").whereIn("o.state", open).select(db.raw("1")))
    .whereNotExists(db("conflicts_of_interest as c").whereRaw("c.application_id = a.id").where("c.user_id", deciderId).select(db.raw("1")))
    .orderBy("a.id").select<{ id: number; company_id: number }[]>("a.id", "a.company_id");
  const seen = new Set<number>();
  const ids: number[] = [];
  for (const r of rows) {
    if (seen.has(r.company_id)) continue;
    seen.add(r.company_id);
    ids.push(Number(r.id));
    if (ids.length === count) break;
  }
  return ids;
}

const LETTER_RENDERINGS = 20;

/** Median wall and CPU time of the last 15 of 20 renderings: the first ones warm up the JIT and the fonts. */
async function timeLetters(render: () => Promise<Buffer>): Promise<{ ms: number; cpuMs: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < LETTER_RENDERINGS; i++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    await render();
    cpu.push(cpuMs(process.cpuUsage(c0)));
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: percentile(wall.slice(5), 50), cpuMs: percentile(cpu.slice(5), 50) };
}

export async function measureApprovals(largeFile: string, dir: string, count: number, opts: { showQueries?: boolean } = {}): Promise<ApprovalResult> {
  const copy = path.join(dir, "approvals.sqlite");
  rmSync(copy, { force: true });
  execFileSync("sqlite3", [largeFile, `vacuum into '${copy}'`]);
  const db = createDb({ sqliteFile: copy });
  const config = benchConfig();
  try {
    // A programme built before the latest migrations is brought up to date, as the server would.
    await migrate(db);
    const admin = await db("users").where({ email: "admin@demo.test" }).first("id");
    const actor = await loadActor(db, Number(admin?.id));
    if (!actor) throw new Error("The large programme has no admin@demo.test; rebuild it with npm run bench:seed.");
    // The first approvals of a process compile its code paths and parse the letter's fonts; a
    // server has done that long before, so they are run but not counted.
    const ids = await approvable(db, actor.id, count + WARM_UP);
    const times: number[] = [];
    const cpu: number[] = [];
    const queries: number[] = [];
    const stored: number[] = [];
    let sql: string[] = [];
    db.on("query", (q: { sql: string }) => sql.push(q.sql));
    let refused = 0;
    for (const id of ids) {
      sql = [];
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      try {
        const approved = await approve({ db, config, actor, now: () => new Date(ANCHOR) }, id, {});
        const answered = Number(process.hrtime.bigint() - t0) / 1e6;
        const answerCpu = cpuMs(process.cpuUsage(c0));
        if (!(await approved.letterWritten)) throw new Error(`the letter of application ${id} was not stored`);
        if (ids.indexOf(id) < WARM_UP) continue;
        cpu.push(answerCpu);
        times.push(answered);
        stored.push(Number(process.hrtime.bigint() - t0) / 1e6);
        queries.push(sql.length);
        if (process.env.BENCH_TRACE) console.log(`  ${id}: ${times.at(-1)?.toFixed(1)} ms, CPU ${cpu.at(-1)?.toFixed(1)} ms`);
        if (opts.showQueries && queries.length === ids.length - WARM_UP) console.log(sql.map((q, i) => `  ${i + 1}. ${q}`).join("\n"));
      } catch (err) {
        refused++;
        if (refused === 1) console.log(`  approval refused: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    // The letter alone: rendered again from the data of the last approved application.
    const last = await db("award_letters").orderBy("id", "desc").first("application_id", "reference", "issued_at");
    if (!last) throw new Error("no approval stored a letter");
    const data = await awardLetterData(db, { config, actor }, Number(last.application_id), { reference: String(last.reference), issuedAt: String(last.issued_at) });
    const inWriter = await timeLetters(() => renderAwardLetterInWorker(data));
    const coldThread = await timeLetters(() => renderAwardLetter(data));
    const r: ApprovalResult = {
      queries: percentile(queries, 50), storedP50: percentile(stored, 50), storedP95: percentile(stored, 95), approvals: times.length, refused, p50: percentile(times, 50), p95: percentile(times, 95), cpuP50: percentile(cpu, 50), cpuP95: percentile(cpu, 95),
      letterMs: inWriter.ms, letterCpuMs: inWriter.cpuMs, coldThreadLetterMs: coldThread.ms,
    };
    console.log(`  approvals: ${r.approvals} (${refused} refused), ${r.queries} queries each, p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms ` +
      `(CPU p50 ${r.cpuP50.toFixed(1)} ms, p95 ${r.cpuP95.toFixed(1)} ms); letter stored p50 ${r.storedP50.toFixed(1)} ms, p95 ${r.storedP95.toFixed(1)} ms; ` +
      `award letter render in the writer's thread ${r.letterMs.toFixed(1)} ms (CPU ${r.letterCpuMs.toFixed(1)} ms, median), on a thread new to letters ${r.coldThreadLetterMs.toFixed(1)} ms`);
    return r;
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { approvals: { type: "string", default: "40" }, file: { type: "string", default: DEFAULT_BENCH_FILE }, queries: { type: "boolean", default: false } } });
  const dir = mkdtempSync(path.join(os.tmpdir(), "vd-bench-approvals-"));
  measureApprovals(path.resolve(values.file), dir, Number(values.approvals), { showQueries: values.queries })
    .finally(() => rmSync(dir, { recursive: true, force: true }))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
