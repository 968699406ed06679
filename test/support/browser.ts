import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { Express } from "express";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { Config } from "../../server/config";
import type { Db } from "../../server/db/connection";
import { buildApp, currentCode, forgetUsedCodes, sameTargetAs } from "./app";
import { testDatabases } from "./db";
import { defined } from "./defined";
import { expect } from "chai";

/** Debian's Chromium, never a downloaded browser; flags keep it off the (closed) network. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export async function listen(app: Express): Promise<{ server: Server; baseUrl: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sameTargetAs(baseUrl, app);
  sameTargetAs(server, app);
  return { server, baseUrl };
}

/** A migrated SQLite database, the real app listening on a free port, and Chromium. */
export interface BrowserRig {
  db: Db;
  browser: Browser;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startBrowserRig(prepare: (db: Db) => Promise<void>, clock?: () => Date, config?: Config): Promise<BrowserRig> {
  const db = await defined(testDatabases()[0]).create();
  await prepare(db);
  const { server, baseUrl } = await listen(buildApp(db, { clock, config }));
  const browser = await launchBrowser();
  return {
    db, browser, baseUrl,
    async close() {
      await browser.close();
      server.close();
      await db.destroy();
    },
  };
}

/** Signs in through the login form in a fresh browser context. */
export async function signInWithBrowser(rig: BrowserRig, email: string, opts: { acceptDownloads?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await rig.browser.newContext({ acceptDownloads: opts.acceptDownloads ?? false });
  const page = await context.newPage();
  await page.goto(`${rig.baseUrl}/login`);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill("demo-voucherdesk");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState("load");
  await giveSecondFactor(rig.baseUrl, page, email);
  return { context, page };
}

/** On the code page after the password, types the code the account's authenticator app would show. */
export async function giveSecondFactor(baseUrl: string, page: Page, email: string): Promise<void> {
  if (new URL(page.url()).pathname !== "/login/code") return;
  await forgetUsedCodes(baseUrl, email);
  await page.getByRole("textbox", { name: "Code" }).fill(currentCode(baseUrl, email));
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState("load");
}

// axe-core's own bundle, evaluated in the page through the DevTools protocol (the page's CSP
// forbids inline scripts, which is right for the application and irrelevant to this check).
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

/** The page's serious and critical WCAG 2.1 A/AA violations found by axe. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate<{ violations: AxeViolation[]; passes: unknown[] }>(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })");
  // axe really looked at the page: rules passed as well as failed.
  expect(result.passes.length).to.be.greaterThan(10);
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
