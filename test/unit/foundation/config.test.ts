import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ConfigError, loadConfig } from "../../../server/config";
import { PRODUCT_SESSION_LIMITS } from "../../support/db";

describe("configuration", () => {
  const dataDir = () => mkdtempSync(path.join(os.tmpdir(), "vd-config-"));

  it("has working defaults and keeps a generated development secret", () => {
    const dir = dataDir();
    const c = loadConfig({ DATA_DIR: dir });
    expect(c.port).to.equal(3000);
    expect(c.timeZone).to.equal("Europe/Copenhagen");
    expect(c.sqliteFile).to.equal(path.join(dir, "voucherdesk.sqlite"));
    expect(c.secureCookies).to.equal(false);
    expect(readFileSync(path.join(dir, "session-secret"), "utf8").trim()).to.equal(c.sessionSecret);
    expect(loadConfig({ DATA_DIR: dir }).sessionSecret).to.equal(c.sessionSecret);
    // The session-limit tests run with these; they must be what a real installation gets.
    expect(c.sessionLimits).to.deep.equal(PRODUCT_SESSION_LIMITS);
  });

  it("creates the data directory", () => {
    const dir = path.join(dataDir(), "nested", "data");
    loadConfig({ DATA_DIR: dir });
    expect(existsSync(dir)).to.equal(true);
  });

  const bad: [Record<string, string>, string][] = [
    [{ PORT: "70000" }, "PORT"],
    [{ PORT: "abc" }, "PORT"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ TIME_ZONE: "Mars/Olympus" }, "TIME_ZONE"],
    [{ BASE_URL: "not a url" }, "BASE_URL"],
    [{ NODE_ENV: "production" }, "SESSION_SECRET"],
    [{ SESSION_SECRET: "short" }, "SESSION_SECRET"],
  ];
  for (const [env, variable] of bad) {
    it(`stops with a message naming ${variable} for ${JSON.stringify(env)}`, () => {
      expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).to.throw(ConfigError, variable);
    });
  }

  it("uses secure cookies when BASE_URL is https", () => {
    expect(loadConfig({ DATA_DIR: dataDir(), BASE_URL: "https://vouchers.example.org/" }).secureCookies).to.equal(true);
  });
});
