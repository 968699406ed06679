import { generateSync } from "otplib";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { DEMO_TOTP_KEYS } from "../db/seeds/demo";

/**
 * Walks the pages of a running Voucherdesk as one role sees them: starts at the role's home page
 * and follows every same-site link, one page per route shape ("/manager/applications/12" and
 * "/manager/applications/13" count once). Used by `npm run screenshots` and the browser layout
 * test, so both look at the same pages.
 */

export interface RoleAccount { role: string; email: string | null; home: string }

/** The demo accounts, one per role; "public" is signed out. */
export const ROLE_ACCOUNTS: readonly RoleAccount[] = [
  { role: "public", email: null, home: "/" },
  { role: "sme", email: "sme@demo.test", home: "/applicant" },
  { role: "manager", email: "manager@demo.test", home: "/manager" },
  { role: "finance", email: "finance@demo.test", home: "/finance" },
  { role: "admin", email: "admin@demo.test", home: "/admin" },
];

export const DEMO_PASSWORD = "demo-voucherdesk";

/** Debian's Chromium, never a downloaded browser; flags keep it off the network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** A browser context signed in as the account (or signed out for "public"). */
export async function contextFor(browser: Browser, baseUrl: string, account: RoleAccount, opts: { width?: number; bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  // bypassCSP lets a test inject axe-core into pages whose policy allows only the site's own scripts.
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 }, bypassCSP: opts.bypassCSP ?? false });
  const page = await context.newPage();
  if (account.email) {
    await page.goto(`${baseUrl}/login`);
    await page.getByLabel("E-mail address").fill(account.email);
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForLoadState("load");
    await giveDemoCode(page, account.email);
  }
  return { context, page };
}

/**
 * The second factor of a demo staff account, computed from its published demo key as an
 * authenticator app would. A code is accepted once: signing the same account in again within
 * its 30 seconds waits for the next code, as a person would.
 */
async function giveDemoCode(page: Page, email: string): Promise<void> {
  const key = DEMO_TOTP_KEYS[email];
  for (let attempt = 0; key && attempt < 2 && new URL(page.url()).pathname === "/login/code"; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 500));
    await page.getByRole("textbox", { name: "Code" }).fill(generateSync({ secret: key }));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForLoadState("load");
  }
}

/** Links that are files, actions or another site, not pages to look at. */
function isPageLink(path: string): boolean {
  return !/\.(pdf|xml|csv|xlsx|eml)(\?|$)/.test(path) && !/^\/(attachments|logout|confirm|password-reset\/|invite\/)/.test(path)
    && !/[?&](format|export)=/.test(path);
}

/** The route shape of a path: numbers and letter references replaced, the query left out. */
export function routeShape(path: string): string {
  return (path.split("?")[0] ?? path).replace(/\/\d+(?=\/|$)/g, "/:id").replace(/\/[A-Z0-9]+-[A-Z0-9-]+(?=\/|$)/g, "/:ref");
}

/**
 * Paths reachable from the role's home page, breadth first, one per route shape (`perShape` to
 * keep more), at most `limit`.
 */
export async function walkPages(page: Page, baseUrl: string, account: RoleAccount, opts: { limit?: number; perShape?: number } = {}): Promise<string[]> {
  const limit = opts.limit ?? 80;
  const perShape = opts.perShape ?? 1;
  const queue = [account.home];
  const seen = new Set<string>(queue);
  const shapes = new Map<string, number>([[routeShape(account.home), 1]]);
  const pages: string[] = [];
  for (let path = queue.shift(); path !== undefined && pages.length < limit; path = queue.shift()) {
    const res = await page.goto(`${baseUrl}${path}`);
    if (!res || res.status() >= 400 || !page.url().startsWith(baseUrl)) continue;
    pages.push(path);
    const hrefs = await page.evaluate<string[]>("Array.from(document.querySelectorAll('a[href]:not([download])'), (a) => a.getAttribute('href'))");
    for (const href of hrefs) {
      if (!href || !href.startsWith("/") || href.startsWith("//") || href.startsWith("/#")) continue;
      const link = href.split("#")[0] ?? href;
      if (seen.has(link) || !isPageLink(link)) continue;
      seen.add(link);
      const shape = routeShape(link);
      const n = shapes.get(shape) ?? 0;
      if (n >= perShape) continue;
      shapes.set(shape, n + 1);
      queue.push(link);
    }
  }
  return pages;
}

/** A file-name slug for a path: "/manager/applications/3" -> "manager-applications-3". */
export function slug(path: string): string {
  return path.replace(/^\//, "").replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-|-$/g, "") || "home";
}
