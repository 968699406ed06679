/**
 * `npm run bench`: Voucherdesk's main pages, exports, award letters, approvals and start-up, each
 * next to a reference measured in the same run on the same machine, printed as a table of ratios.
 *
 * - Pages: autocannon, 50 connections, against Voucherdesk in production mode (a child process)
 *   and against the bare-stack reference page (bare Express + Handlebars + knex, one query, 25 rows;
 *   another child process on the same database), on the demo data and on the large programme
 *   (`npm run bench:seed` builds it; the pages on it are skipped with a note when it is missing),
 *   all four measured in turns with each page.
 * - Exports: GET /finance/ledger.csv and .xlsx of a programme with about 100,000 ledger entries,
 *   each in a fresh server process (peak RSS above its baseline from /proc), against the sqlite3
 *   command-line tool running the same join.
 * - Award letter and approvals: approvals through the service on a copy of the large programme
 *   (each renders and stores its letter); the letter alone is rendered again from its data.
 * - Cold start: spawn to first /healthz answer, compiled (`npm start`'s way), through tsx (the
 *   old way) and a plain Node http server.
 *
 *   npm run bench                       # everything, 10 s per page
 *   npm run bench -- --duration 5 --only pages
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { loadConfig } from "../server/config";
import { createDb, migrate, type Db } from "../server/db/connection";
import { DEMO_TOTP_KEYS, seedDemo } from "../db/seeds/demo";
import { generateSync } from "otplib";
import { type ApprovalResult, measureApprovals } from "./approvals";
import { EXPORT_SQL } from "./export-ledger";
import { ANCHOR, BENCH_SECRET_KEY, DEFAULT_BENCH_FILE, seedLargeProgramme } from "./large-programme";
import { percentile } from "./stats";

const ROOT = path.resolve(__dirname, "..");
const TSX = [...process.execArgv];

interface Server { child: ChildProcess; port: number; base: string }

function startChild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), base: `http://127.0.0.1:${m[1]}` });
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

const startServer = (mode: "app" | "bare", file: string) => startChild([...TSX, path.join(__dirname, "server.ts"), mode, file]);

function stop(s: Server): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null) return resolve();
    s.child.once("exit", () => resolve());
    s.child.kill("SIGTERM");
  });
}

function procStatus(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Signs in through the login form; returns the session cookie. */
async function signIn(base: string, email: string): Promise<string> {
  const form = await fetch(`${base}/login`);
  const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? "";
  const res = await fetch(`${base}/login`, {
    method: "POST", redirect: "manual", headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password: "demo-voucherdesk", _csrf: token }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in as ${email} answered ${res.status}`);
  const session = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const key = DEMO_TOTP_KEYS[email];
  if (res.headers.get("location") !== "/login/code" || !key) return session;
  // Staff accounts give their second factor, computed from the published demo key.
  const page = await fetch(`${base}/login/code`, { headers: { cookie: session } });
  const codeToken = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
  const post = () => fetch(`${base}/login/code`, {
    method: "POST", redirect: "manual", headers: { cookie: session, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ code: generateSync({ secret: key }), _csrf: codeToken }).toString(),
  });
  let done = await post();
  // A code is accepted once: signing the same account in again within its 30 seconds waits for the next one.
  if (done.status === 422) {
    await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 500));
    done = await post();
  }
  if (done.status !== 303) throw new Error(`the second factor of ${email} answered ${done.status}`);
  return (done.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

interface Load { rps: number; p50: number; p99: number; bad: number }

/**
 * Waits until the server has worked off the requests of a finished run: autocannon closes its
 * connections when the time is up, but the server still answers what it had accepted, which
 * would otherwise be charged to the next page.
 */
async function drain(base: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const t0 = Date.now();
    const res = await fetch(`${base}/healthz`).catch(() => null);
    if (res?.status === 200 && Date.now() - t0 < 250) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Target { base: string; path: string; cookie: string | null }

type Run = { requests: { total: number }; duration: number; latency: { p50: number; p99: number }; non2xx: number; errors: number };

async function run(t: Target, connections: number, opts: { duration?: number; amount?: number }): Promise<Run> {
  const r = await autocannon({ url: t.base + t.path, connections, headers: t.cookie ? { cookie: t.cookie } : undefined, timeout: 300, ...opts });
  await drain(t.base);
  return r;
}

/** Requests over time of several runs, with the latencies of the longest one. */
function summed(runs: readonly Run[]): Load {
  const total = runs.reduce((n, r) => n + r.requests.total, 0);
  const seconds = runs.reduce((n, r) => n + r.duration, 0);
  const main = [...runs].sort((a, b) => b.duration - a.duration)[0];
  return { rps: total / seconds, p50: main?.latency.p50 ?? 0, p99: main?.latency.p99 ?? 0, bad: runs.reduce((n, r) => n + r.non2xx + r.errors, 0) };
}

/*
 * A page and the bare reference are measured in turns, on the demo data and on the large programme
 * in the same rounds: [bare, page] on the demo data, then on the large programme, three rounds of
 * a third of the time each. The load of everything else on the machine drifts over minutes (the
 * reference alone moved by 40% between pages of one run); taken in the same rounds, it weighs on
 * all four alike, so a page's ratio and its "large vs demo" keep their meaning. A page so slow
 * that few requests finish in its time is measured over a number of requests instead (two per
 * connection), so that it still gets a rate.
 */
async function inTurns<P extends { bare: Target; page: Target }>(pairs: readonly P[], seconds: number, connections: number): Promise<{ pair: P; page: Load; bare: Load }[]> {
  const slice = Math.max(1, Math.round(seconds / 3));
  const warmUp = Math.max(1, Math.round(seconds / 4));
  const turns = pairs.map((pair) => ({ pair, bareRuns: [] as Run[], pageRuns: [] as Run[] }));
  for (const t of turns) {
    await run(t.pair.bare, connections, { duration: warmUp });
    await run(t.pair.page, connections, { duration: warmUp });
  }
  for (let round = 0; round < 3; round++) {
    for (const t of turns) {
      t.bareRuns.push(await run(t.pair.bare, connections, { duration: slice }));
      t.pageRuns.push(await run(t.pair.page, connections, { duration: slice }));
    }
  }
  const loads: { pair: P; page: Load; bare: Load }[] = [];
  for (const t of turns) {
    const tooFew = t.pageRuns.reduce((n, r) => n + r.requests.total, 0) < connections * 2;
    loads.push({ pair: t.pair, bare: summed(t.bareRuns), page: summed(tooFew ? [await run(t.pair.page, connections, { amount: connections * 2 })] : t.pageRuns) });
  }
  return loads;
}

interface Page { name: string; path: string; user: string | null }

async function pagesOf(db: Db): Promise<Page[]> {
  const manager = await db("users").where({ email: "manager@demo.test" }).first("id", "partner_id");
  const app = await db("applications").where({ partner_id: manager?.partner_id ?? 0 }).whereIn("state", ["paid", "claim-submitted", "accepted"])
    .orderBy("id", "desc").first("id");
  const call = await db("applications").groupBy("call_id").select("call_id").count({ n: "*" }).orderBy("n", "desc").first();
  return [
    { name: "Review queue", path: "/manager", user: "manager@demo.test" },
    { name: "Application (manager)", path: `/manager/applications/${app?.id ?? 1}`, user: "manager@demo.test" },
    { name: "Call", path: `/manager/calls/${String(call?.call_id ?? 1)}`, user: "manager@demo.test" },
    { name: "Ledger", path: "/finance/ledger", user: "finance@demo.test" },
    { name: "Reconciliation", path: "/finance/reconciliation", user: "finance@demo.test" },
    { name: "SME home", path: "/applicant", user: "sme@demo.test" },
    { name: "Landing (anonymous)", path: "/", user: null },
  ];
}

interface PageResult { data: string; page: string; load: Load; bare: Load }

/** One data set's product server and bare reference, with its pages and signed-in sessions. */
interface DataSet { label: string; app: Server; bare: Server; pages: Page[]; cookies: Map<string, string> }

async function openDataSet(label: string, file: string): Promise<DataSet> {
  const db = createDb({ sqliteFile: file });
  // A data set built by an older version of the code gets the migrations (indexes) measured here.
  await migrate(db);
  const pages = await pagesOf(db);
  await db.destroy();
  const bare = await startServer("bare", file);
  const app = await startServer("app", file);
  const cookies = new Map<string, string>();
  for (const p of pages) if (p.user && !cookies.has(p.user)) cookies.set(p.user, await signIn(app.base, p.user));
  return { label, app, bare, pages, cookies };
}

async function measurePages(sets: readonly DataSet[], seconds: number, connections: number): Promise<PageResult[]> {
  const results: PageResult[] = [];
  for (const name of sets[0]?.pages.map((p) => p.name) ?? []) {
    const pairs = sets.map((set) => {
      const p = set.pages.find((x) => x.name === name) ?? { name, path: "/", user: null };
      return { set, path: p.path, bare: { base: set.bare.base, path: "/", cookie: null }, page: { base: set.app.base, path: p.path, cookie: p.user ? set.cookies.get(p.user) ?? null : null } };
    });
    for (const { pair: { set, path: pagePath }, page: r, bare } of await inTurns(pairs, seconds, connections)) {
      console.log(`  ${set.label}: ${name} ${pagePath}: ${r.rps.toFixed(0)} req/s against bare ${bare.rps.toFixed(0)} req/s (${(r.rps / bare.rps).toFixed(3)}x), p50 ${r.p50} ms, p99 ${r.p99} ms${r.bad ? `, ${r.bad} not 2xx/errors` : ""}`);
      results.push({ data: set.label, page: name, load: r, bare });
    }
  }
  return results;
}

async function demoDatabase(dir: string): Promise<string> {
  const file = path.join(dir, "demo.sqlite");
  const db = createDb({ sqliteFile: file });
  await migrate(db);
  await seedDemo(db, benchConfig(), () => new Date(ANCHOR));
  await db.destroy();
  return file;
}

function benchConfig() {
  return { ...loadConfig({ ...process.env, NODE_ENV: "development", VOUCHERDESK_SECRET_KEY: BENCH_SECRET_KEY, DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "vd-bench-cfg-")) }), timeZone: "Europe/Copenhagen" };
}


interface ExportResult { format: string; rows: number; seconds: number; cliSeconds: number; rssAboveBaselineMb: number; bytes: number }

/** Rounds of the exports and their reference: one run alone moved the sqlite3 CLI's time by half. */
const EXPORT_ROUNDS = 3;

const EXPORT_FORMATS = ["csv", "xlsx"] as const;

interface ExportRun { seconds: number; rssAboveBaselineMb: number; bytes: number }

/** One export through a fresh server (each run is its first export), with its peak RSS above the server's baseline. */
async function exportOnce(file: string, format: string): Promise<ExportRun> {
  const server = await startServer("app", file);
  try {
    const cookie = await signIn(server.base, "finance@demo.test");
    const pid = server.child.pid ?? 0;
    const baseline = procStatus(pid, "VmRSS");
    const t1 = process.hrtime.bigint();
    const res = await fetch(`${server.base}/finance/ledger.${format}`, { headers: { cookie } });
    if (res.status !== 200) throw new Error(`ledger.${format} answered ${res.status}`);
    let bytes = 0;
    for await (const chunk of res.body ?? []) bytes += (chunk as Uint8Array).length;
    const seconds = Number(process.hrtime.bigint() - t1) / 1e9;
    return { seconds, rssAboveBaselineMb: (procStatus(pid, "VmHWM") - baseline) / 1048576, bytes };
  } finally {
    await stop(server);
  }
}

/*
 * The sqlite3 CLI and each format are run in turns, three rounds, so that whatever else loads the
 * machine weighs on the reference and the exports alike; each reports its median time, and the
 * exports their highest peak RSS.
 */
async function measureExports(file: string): Promise<ExportResult[]> {
  const db = createDb({ sqliteFile: file });
  const rows = Number((await db("ledger_entries").count({ n: "*" }))[0]?.n ?? 0);
  await db.destroy();
  const cliRuns: number[] = [];
  const runs: Record<(typeof EXPORT_FORMATS)[number], ExportRun[]> = { csv: [], xlsx: [] };
  for (let round = 0; round < EXPORT_ROUNDS; round++) {
    const t0 = process.hrtime.bigint();
    const cli = spawnSync("sqlite3", ["-csv", file, EXPORT_SQL], { maxBuffer: 1 << 30 });
    cliRuns.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (cli.status !== 0) throw new Error(`sqlite3 failed: ${cli.stderr.toString()}`);
    for (const format of EXPORT_FORMATS) runs[format].push(await exportOnce(file, format));
  }
  const cliSeconds = percentile(cliRuns, 50);
  console.log(`  sqlite3 CLI: ${cliRuns.map((x) => x.toFixed(2)).join(", ")} s`);
  return EXPORT_FORMATS.map((format) => {
    const r = runs[format];
    const seconds = percentile(r.map((x) => x.seconds), 50);
    const rssAboveBaselineMb = Math.max(...r.map((x) => x.rssAboveBaselineMb));
    console.log(`  export ${format}: ${rows} entries in ${r.map((x) => x.seconds.toFixed(2)).join(", ")} s (median ${seconds.toFixed(2)} s; sqlite3 CLI ${cliSeconds.toFixed(2)} s, ` +
      `${(seconds / cliSeconds).toFixed(1)}x), ${((r[0]?.bytes ?? 0) / 1048576).toFixed(1)} MB, peak RSS up to ${rssAboveBaselineMb.toFixed(0)} MB above the baseline`);
    return { format, rows, seconds, cliSeconds, rssAboveBaselineMb, bytes: r[0]?.bytes ?? 0 };
  });
}


interface ColdStart { compiled: number; tsx: number; plainNode: number }

async function timeToHealthz(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const t0 = process.hrtime.bigint();
  const child = spawn(args[0] ?? process.execPath, args.slice(1), { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" }, stdio: "ignore" });
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (res.status === 200) return Number(process.hrtime.bigint() - t0) / 1e6;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`${args.join(" ")} exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill("SIGTERM");
  }
}

async function measureColdStart(demoFile: string, dir: string): Promise<ColdStart> {
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
  const dataDir = path.join(dir, "cold");
  rmSync(dataDir, { recursive: true, force: true });
  execFileSync("mkdir", ["-p", dataDir]);
  copyFileSync(demoFile, path.join(dataDir, "voucherdesk.sqlite"));
  const env = { DATA_DIR: dataDir, LOG_LEVEL: "warn", NODE_ENV: "development" };
  const plain = "require('node:http').createServer((q,s)=>s.end('ok')).listen(+process.env.PORT,'127.0.0.1')";
  const runs = { compiled: [] as number[], tsx: [] as number[], plainNode: [] as number[] };
  for (let i = 0; i < 3; i++) {
    runs.compiled.push(await timeToHealthz([process.execPath, "dist/server/main.js"], env));
    runs.tsx.push(await timeToHealthz([process.execPath, path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "server/main.ts"], env));
    runs.plainNode.push(await timeToHealthz([process.execPath, "-e", plain], env));
  }
  const r = { compiled: percentile(runs.compiled, 50), tsx: percentile(runs.tsx, 50), plainNode: percentile(runs.plainNode, 50) };
  console.log(`  cold start (median of 3): compiled ${r.compiled.toFixed(0)} ms, tsx ${r.tsx.toFixed(0)} ms, plain node http ${r.plainNode.toFixed(0)} ms`);
  return r;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "10" }, connections: { type: "string", default: "50" },
      large: { type: "string", default: DEFAULT_BENCH_FILE }, only: { type: "string" }, approvals: { type: "string", default: "40" },
      "export-applications": { type: "string", default: "60000" },
    },
  });
  const seconds = Number(values.duration);
  const connections = Number(values.connections);
  const want = (part: string) => !values.only || values.only.split(",").includes(part);
  const largeFile = path.resolve(values.large);
  const hasLarge = existsSync(largeFile);
  const dir = mkdtempSync(path.join(os.tmpdir(), "vd-bench-"));
  console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  try {
    const demoFile = await demoDatabase(dir);
    const pages: PageResult[] = [];
    if (want("pages")) {
      if (!hasLarge) console.log(`  large programme not found at ${values.large}: run npm run bench:seed -- --applications 20000`);
      const sets: DataSet[] = [];
      try {
        sets.push(await openDataSet("demo", demoFile));
        if (hasLarge) sets.push(await openDataSet("large", largeFile));
        pages.push(...await measurePages(sets, seconds, connections));
      } finally {
        for (const set of sets) await Promise.all([stop(set.app), stop(set.bare)]);
      }
    }
    let exports: ExportResult[] = [];
    if (want("exports")) {
      const exportFile = path.join(ROOT, "data", "bench", `ledger-${values["export-applications"]}.sqlite`);
      if (!existsSync(exportFile)) {
        console.log(`  building the export data set (${values["export-applications"]} applications) into ${path.relative(ROOT, exportFile)}`);
        execFileSync("mkdir", ["-p", path.dirname(exportFile)]);
        const db = createDb({ sqliteFile: exportFile });
        await migrate(db);
        await seedLargeProgramme(db, benchConfig(), { applications: Number(values["export-applications"]) });
        await db.destroy();
      }
      exports = await measureExports(exportFile);
    }
    let approvals: ApprovalResult | null = null;
    if (want("approvals") && hasLarge) approvals = await measureApprovals(largeFile, dir, Number(values.approvals));
    let cold: ColdStart | null = null;
    if (want("cold")) cold = await measureColdStart(demoFile, dir);

    console.log("\n| Measure | Data | Result | Reference | Ratio |\n|---|---|---:|---:|---:|");
    for (const p of pages) {
      console.log(`| ${p.page} | ${p.data} | ${p.load.rps.toFixed(0)} req/s (p50 ${p.load.p50} ms) | ${p.bare.rps.toFixed(0)} req/s | ${(p.load.rps / p.bare.rps).toFixed(3)}x |`);
    }
    const demoOf = new Map(pages.filter((p) => p.data === "demo").map((p) => [p.page, p.load.rps / p.bare.rps]));
    for (const p of pages.filter((x) => x.data === "large")) {
      const d = demoOf.get(p.page);
      if (d) console.log(`| ${p.page}: large vs demo | | ${(p.load.rps / p.bare.rps).toFixed(3)}x | ${d.toFixed(3)}x | ${((p.load.rps / p.bare.rps) / d).toFixed(2)} |`);
    }
    for (const e of exports) {
      console.log(`| Ledger ${e.format.toUpperCase()} | ${e.rows} entries | ${e.seconds.toFixed(2)} s, +${e.rssAboveBaselineMb.toFixed(0)} MB RSS | sqlite3 CLI ${e.cliSeconds.toFixed(2)} s | ${(e.seconds / e.cliSeconds).toFixed(1)}x |`);
    }
    if (approvals) {
      console.log(`| Award letter (render, letter writer's thread) | large | ${approvals.letterMs.toFixed(1)} ms (CPU ${approvals.letterCpuMs.toFixed(1)} ms) | target 20 ms | ${(approvals.letterMs / 20).toFixed(2)} |`);
      console.log(`| Award letter (render, a thread new to letters) | large | ${approvals.coldThreadLetterMs.toFixed(1)} ms | | |`);
      console.log(`| Approval p95 (${approvals.approvals}, ${approvals.queries} queries each) | large | ${approvals.p95.toFixed(1)} ms (p50 ${approvals.p50.toFixed(1)}; CPU p95 ${approvals.cpuP95.toFixed(1)}, p50 ${approvals.cpuP50.toFixed(1)}) | target 60 ms | ${(approvals.p95 / 60).toFixed(2)} |`);
      console.log(`| Approval to letter stored | large | p95 ${approvals.storedP95.toFixed(1)} ms (p50 ${approvals.storedP50.toFixed(1)}) | | |`);
    }
    if (cold) {
      console.log(`| Cold start, compiled | demo | ${cold.compiled.toFixed(0)} ms | plain node ${cold.plainNode.toFixed(0)} ms | ${(cold.compiled / cold.plainNode).toFixed(1)}x |`);
      console.log(`| Cold start, tsx (before) | demo | ${cold.tsx.toFixed(0)} ms | plain node ${cold.plainNode.toFixed(0)} ms | ${(cold.tsx / cold.plainNode).toFixed(1)}x |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
