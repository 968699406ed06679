/**
 * `npm run screenshots`: every page as every role at 390, 1280 and 1920 px wide, full height,
 * into screenshots/<role>/<width>/ (git-ignored), with an index.html to leaf through them.
 *
 * `npm run screenshots -- --role=manager` takes one role only.
 *
 * `npm run screenshots -- --docs` instead writes the small pictures the docs show: each component
 * of the design system (docs/design/*.png, from views/pages/design/components.hbs) and a gallery
 * of the main pages at 1280 px (docs/gallery/*.png).
 *
 * It runs its own server on a fresh SQLite database in a temporary folder, loaded with the demo
 * data, and Debian's Chromium; nothing is downloaded.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { Express } from "express";
import type { Page } from "playwright-core";
import { loadConfig } from "../server/config";
import { createDb, migrate } from "../server/db/connection";
import { createApp } from "../server/web/app";
import { seedDemo } from "../db/seeds/demo";
import { contextFor, launchChromium, ROLE_ACCOUNTS, slug, walkPages } from "./page-walk";

const ROOT = path.resolve(__dirname, "..");
const WIDTHS = [390, 1280, 1920];

/** The main pages of the gallery: role, path, file name. */
const GALLERY: { role: string; path: string; name: string }[] = [
  { role: "sme", path: "/applicant", name: "applicant-home" },
  { role: "sme", path: "/company", name: "company-profile" },
  { role: "manager", path: "/manager", name: "review-queue" },
  { role: "manager", path: "first:/manager?state=submitted", name: "decision-page" },
  { role: "finance", path: "/finance/ledger", name: "ledger" },
  { role: "finance", path: "/finance", name: "payments" },
];

async function listen(app: Express): Promise<{ server: Server; baseUrl: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function render(app: Express, view: string, locals: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    app.render(view, locals, (err: Error | null, html?: string) => (err ? reject(err) : resolve(html ?? "")));
  });
}

/** Each `.specimen[id]` of the components sheet as its own picture. */
async function componentPictures(app: Express, page: Page, baseUrl: string, out: string): Promise<string[]> {
  const html = await render(app, "pages/design/components", { pageTitle: "Components", timeZone: "Europe/Copenhagen" });
  await page.setViewportSize({ width: 900, height: 900 });
  await page.goto(`${baseUrl}/login`);
  await page.setContent(html, { waitUntil: "load" });
  const ids = await page.evaluate<string[]>("Array.from(document.querySelectorAll('.specimen[id]'), (s) => s.id)");
  mkdirSync(out, { recursive: true });
  for (const id of ids) await page.locator(`#${id}`).screenshot({ path: path.join(out, `${id}.png`) });
  return ids;
}

async function main(): Promise<void> {
  const docs = process.argv.includes("--docs");
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "voucherdesk-screens-"));
  const config = loadConfig({ ...process.env, DATABASE_URL: undefined, DATA_DIR: dataDir, NODE_ENV: "development", PORT: "0", LOG_LEVEL: "warn" });
  const db = createDb({ sqliteFile: config.sqliteFile });
  await migrate(db);
  await seedDemo(db, config);
  const app = createApp({ db, config, logDestination: { write: () => undefined } });
  const { server, baseUrl } = await listen(app);
  const browser = await launchChromium();
  try {
    if (docs) {
      const { context, page } = await contextFor(browser, baseUrl, { role: "public", email: null, home: "/" });
      const ids = await componentPictures(app, page, baseUrl, path.join(ROOT, "docs/design"));
      await context.close();
      console.log(`docs/design: ${ids.length} component pictures`);
      mkdirSync(path.join(ROOT, "docs/gallery"), { recursive: true });
      for (const shot of GALLERY) {
        const account = ROLE_ACCOUNTS.find((a) => a.role === shot.role);
        if (!account) continue;
        const signedIn = await contextFor(browser, baseUrl, account);
        let target = shot.path;
        // "first:<list>": the first application listed there, e.g. the oldest one waiting for a decision.
        if (target.startsWith("first:")) {
          await signedIn.page.goto(`${baseUrl}${target.slice("first:".length)}`);
          target = (await signedIn.page.locator('main a[href^="/manager/applications/"]').first().getAttribute("href")) ?? account.home;
        }
        await signedIn.page.setViewportSize({ width: 1280, height: 820 });
        await signedIn.page.goto(`${baseUrl}${target}`);
        await signedIn.page.screenshot({ path: path.join(ROOT, "docs/gallery", `${shot.name}.png`) });
        await signedIn.context.close();
      }
      // The confirmation step answers a POST, so it is reached through the decision page's form.
      const manager = ROLE_ACCOUNTS.find((a) => a.role === "manager");
      if (manager) {
        const { context, page } = await contextFor(browser, baseUrl, manager);
        await page.setViewportSize({ width: 1280, height: 820 });
        await page.goto(`${baseUrl}/manager?state=submitted`);
        const href = await page.locator('main a[href^="/manager/applications/"]').first().getAttribute("href");
        await page.goto(`${baseUrl}${href ?? "/manager"}`);
        await page.locator("#choice-reject > summary").click();
        await page.getByLabel("Reason for the rejection").fill("The activity is outside the scope of this call: it does not involve a partner in another programme region.");
        await page.locator("#choice-reject").getByRole("button", { name: "Reject…" }).click();
        await page.waitForSelector("#confirmation");
        await page.screenshot({ path: path.join(ROOT, "docs/gallery", "decision-confirm.png") });
        await context.close();
      }
      console.log(`docs/gallery: ${GALLERY.length + 1} pages`);
      return;
    }
    const out = path.join(ROOT, "screenshots");
    const only = process.argv.find((a) => a.startsWith("--role="))?.slice("--role=".length);
    rmSync(only ? path.join(out, only) : out, { recursive: true, force: true });
    const index: string[] = [];
    for (const account of ROLE_ACCOUNTS.filter((a) => !only || a.role === only)) {
      const { context, page } = await contextFor(browser, baseUrl, account);
      const paths = await walkPages(page, baseUrl, account, { perShape: 2 });
      for (const width of WIDTHS) {
        const dir = path.join(out, account.role, String(width));
        mkdirSync(dir, { recursive: true });
        await page.setViewportSize({ width, height: 900 });
        for (const p of paths) {
          await page.goto(`${baseUrl}${p}`);
          const file = `${slug(p)}.png`;
          // Long pages (the audit log) take a while to capture on a busy machine.
          await page.screenshot({ path: path.join(dir, file), fullPage: true, timeout: 180_000 });
          index.push(`<li><a href="${account.role}/${width}/${file}">${account.role} · ${width} px · ${p}</a></li>`);
        }
      }
      console.log(`${account.role}: ${paths.length} pages × ${WIDTHS.length} widths`);
      await context.close();
    }
    writeFileSync(path.join(out, "index.html"), `<!doctype html><meta charset="utf-8"><title>Voucherdesk screenshots</title><ul>${index.join("\n")}</ul>\n`);
    console.log(`${index.length} screenshots in ${path.relative(process.cwd(), out)}/ (index.html lists them)`);
  } finally {
    await browser.close();
    server.close();
    await db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
