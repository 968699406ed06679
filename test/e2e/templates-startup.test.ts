import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { TEMPLATE_ROOT } from "../../server/services/platform/templates";

const ROOT = path.resolve(__dirname, "../..");

/** Starts `npm start`'s entry point and waits until it exits or says it is running. */
function start(env: Record<string, string>): Promise<{ code: number | null; output: string; listening: boolean }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server/main.ts")], {
    cwd: ROOT, // production: no demo data to seed, so the server is up in a moment.
    env: { ...process.env, NODE_ENV: "production", SESSION_SECRET: "start-up-test-secret-start-up-test-secret", PORT: "0", HOST: "127.0.0.1", DATABASE_URL: "", ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let listening = false;
  return new Promise((resolve) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (!listening && output.includes("Voucherdesk is running")) {
        listening = true;
        child.kill("SIGTERM");
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.once("exit", (code) => resolve({ code, output, listening }));
  });
}

describe("start-up: the server refuses to start without its templates", function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("exits with status 1 naming the missing e-mail template, before it listens", async () => {
    const templates = mkdtempSync(path.join(os.tmpdir(), "vd-templates-"));
    const data = mkdtempSync(path.join(os.tmpdir(), "vd-data-"));
    dirs.push(templates, data);
    cpSync(TEMPLATE_ROOT, templates, { recursive: true });
    rmSync(path.join(templates, "emails", "en", "decision-approved.hbs"));
    const result = await start({ TEMPLATES_DIR: templates, DATA_DIR: data });
    expect(result.listening).to.equal(false);
    expect(result.code).to.equal(1);
    expect(result.output).to.include("decision-approved.hbs: missing");
  });

  it("starts with a complete copy of the templates", async () => {
    const templates = mkdtempSync(path.join(os.tmpdir(), "vd-templates-"));
    const data = mkdtempSync(path.join(os.tmpdir(), "vd-data-"));
    dirs.push(templates, data);
    cpSync(TEMPLATE_ROOT, templates, { recursive: true });
    const result = await start({ TEMPLATES_DIR: templates, DATA_DIR: data });
    expect(result.listening, result.output).to.equal(true);
  });
});
