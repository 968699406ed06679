import { expect } from "chai";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createDb, migrate } from "../../server/db/connection";

const ROOT = path.resolve(__dirname, "../..");
const run = promisify(execFile);

/** Starts a command in its own process group and resolves with the port it reports listening on. */
function startServer(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Voucherdesk is running on .*\(port (\d+);/.exec(output);
      if (m) resolve({ child, port: Number(m[1]), output: () => output });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${output}`)));
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    process.kill(-child.pid!, "SIGTERM");
  });
}

describe("production build (compiled ahead, no compiler at start-up)", function () {
  this.timeout(180000);
  let child: ChildProcess | undefined;
  afterEach(() => stop(child));

  before(async () => {
    await run("npm", ["run", "build", "--silent"], { cwd: ROOT });
  });

  it("compiles the server and every migration to JavaScript", () => {
    expect(existsSync(path.join(ROOT, "dist/server/main.js"))).to.equal(true);
    const sources = readdirSync(path.join(ROOT, "db/migrations")).filter((f) => f.endsWith(".ts")).map((f) => f.replace(/\.ts$/, ".js"));
    expect(readdirSync(path.join(ROOT, "dist/db/migrations")).filter((f) => f.endsWith(".js"))).to.have.members(sources);
  });

  it("every relative import() the compiled server loads on demand names a file that exists", () => {
    // The build keeps import() native, and Node's loader then needs the file's extension: a lazy
    // "./letter-pdf" worked under tsx and failed in production.
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".js") ? [path.join(dir, e.name)] : []);
    const lazy = files(path.join(ROOT, "dist/server")).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)].map((m) => ({ file, target: m[1]! })));
    expect(lazy.map((l) => l.target), "the award letter's PDF writer is loaded on demand").to.include("./letter-pdf.js");
    for (const { file, target } of lazy) expect(existsSync(path.resolve(path.dirname(file), target)), `${path.relative(ROOT, file)}: import("${target}")`).to.equal(true);
  });

  it("the compiled server, run by plain node, migrates an empty data directory and serves /healthz, pages and assets", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "vd-build-"));
    const server = await startServer(process.execPath, ["dist/server/main.js"], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn", NODE_ENV: "development" });
    child = server.child;
    const base = `http://127.0.0.1:${server.port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.equal({ status: "ok", db: "ok" });
    const login = await fetch(`${base}/login`);
    expect(login.status).to.equal(200);
    expect(await login.text()).to.include('name="password"');
    expect((await fetch(`${base}/assets/app.css`)).status).to.equal(200);
  });

  it("a database migrated from the sources is up to date for the compiled server (migrations keep their names)", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "vd-build-"));
    const file = path.join(dataDir, "voucherdesk.sqlite");
    const names = async () => {
      const db = createDb({ sqliteFile: file });
      try {
        return (await db("knex_migrations").orderBy("id").select<{ name: string }[]>("name")).map((r) => r.name);
      } finally {
        await db.destroy();
      }
    };
    const db = createDb({ sqliteFile: file });
    await migrate(db).finally(() => db.destroy());
    const before = await names();
    expect(before.length).to.be.greaterThan(0);
    expect(before.every((n) => n.endsWith(".ts"))).to.equal(true);

    const server = await startServer("npm", ["start", "--silent"], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn", NODE_ENV: "development" });
    child = server.child;
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).to.equal(200);
    expect(await names(), "no migration ran again under a .js name").to.deep.equal(before);
  });
});
