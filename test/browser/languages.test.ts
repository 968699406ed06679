import { expect } from "chai";
import type { Page } from "playwright-core";
import { PSEUDO_LOCALE } from "../../server/i18n/pseudo";
import { contextFor, ROLE_ACCOUNTS } from "../../tools/page-walk";
import { currentCode, forgetUsedCodes } from "../support/app";
import { type BrowserRig, startBrowserRig } from "../support/browser";
import { testConfig } from "../support/db";
import { defined } from "../support/defined";
import { seedDemoData } from "../support/fixtures";

/*
 * The language switcher without JavaScript, through sign-in; and the main pages of each role in
 * the pseudo-locale, whose text is 40% longer than English, still fitting a 1280 px window.
 */
describe("browser: languages", function () {
  this.timeout(300000);
  let rig: BrowserRig;

  before(async () => {
    rig = await startBrowserRig((d) => seedDemoData(d, () => new Date(), { activity: true }), undefined, testConfig({ pseudoLocale: true }));
  });
  after(() => rig?.close());

  it("without JavaScript, a visitor switches to Danish on the landing page, signs in and stays in Danish", async () => {
    const email = "finance@demo.test";
    // Someone who never chose a language: only the switcher can make the pages Danish.
    expect(defined(await rig.db("users").where({ email }).first("language")).language).to.equal(null);
    const context = await rig.browser.newContext({ javaScriptEnabled: false, locale: "en-GB", extraHTTPHeaders: { "Accept-Language": "en-GB,en;q=0.9" } });
    const page = await context.newPage();
    await page.goto(`${rig.baseUrl}/`);
    expect(await page.getAttribute("html", "lang")).to.equal("en");
    await page.locator("nav.language-switcher").getByRole("link", { name: "Dansk" }).click();
    await page.waitForLoadState("load");
    expect(await page.getAttribute("html", "lang")).to.equal("da");

    await page.locator("header").getByRole("link", { name: "Log ind" }).click();
    await page.waitForLoadState("load");
    expect(new URL(page.url()).pathname).to.equal("/login");
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill("demo-voucherdesk");
    await page.locator('form:has(input[name="password"]) button[type="submit"]').click();
    await page.waitForLoadState("load");
    expect(new URL(page.url()).pathname).to.equal("/login/code");
    expect(await page.getAttribute("html", "lang")).to.equal("da");
    await forgetUsedCodes(rig.baseUrl, email);
    await page.locator('input[name="code"]').fill(currentCode(rig.baseUrl, email));
    await page.locator('form:has(input[name="code"]) button[type="submit"]').click();
    await page.waitForLoadState("load");

    expect(new URL(page.url()).pathname).to.equal("/finance");
    expect(await page.getAttribute("html", "lang")).to.equal("da");
    expect(await page.locator("header").innerText()).to.include("Log ud").and.include("Bogføringsjournal");
    await page.locator("nav.site-nav").getByRole("link", { name: "Bogføringsjournal" }).click();
    await page.waitForLoadState("load");
    expect(await page.getAttribute("html", "lang")).to.equal("da");
    expect(await page.locator("h1").innerText()).to.include("Bogføringsjournal");
    expect(await page.locator("main").innerText()).to.not.include("Disbursement ledger");
    await context.close();
  });

  /** Whether the page is wider than the window, and text cut off by a box that hides its overflow. */
  async function layoutProblems(page: Page): Promise<string[]> {
    return page.evaluate<string[]>(`(() => {
      const root = document.documentElement;
      const problems = [];
      if (root.scrollWidth > root.clientWidth) {
        const out = Array.from(document.querySelectorAll("body *")).find((e) => e.getBoundingClientRect().right > root.clientWidth + 0.5);
        problems.push((root.scrollWidth - root.clientWidth) + " px wider than the window" + (out ? " (" + out.tagName.toLowerCase() + (out.className && typeof out.className === "string" ? "." + out.className.trim().replace(/\\s+/g, ".") : "") + ")" : ""));
      }
      for (const e of document.querySelectorAll("body *")) {
        const style = getComputedStyle(e);
        if (!/hidden|clip/.test(style.overflowX) || style.position === "absolute" || e.closest(".visually-hidden")) continue;
        if (!e.textContent || !e.textContent.trim()) continue;
        if (e.scrollWidth > e.clientWidth + 1) problems.push("text cut off in " + e.tagName.toLowerCase() + ": " + e.textContent.trim().slice(0, 60));
      }
      return problems;
    })()`);
  }

  it("the main pages of each role fit 1280 px with the pseudo-locale's longer text", async () => {
    const firstId = async (table: "applications" | "calls" | "claims", where: Record<string, unknown>) =>
      Number(defined(await rig.db(table).where(where).orderBy("id").first("id"), `${table} ${JSON.stringify(where)}`).id);
    const openCall = await firstId("calls", { status: "open" });
    const submitted = await firstId("applications", { state: "submitted" });
    const claim = await firstId("claims", { status: "submitted" });
    const sme = defined(await rig.db("users").where({ email: "sme@demo.test" }).first("company_id")).company_id;
    const own = await firstId("applications", { company_id: sme, state: "approved" });
    const pages: Record<string, string[]> = {
      public: ["/", "/login"],
      sme: ["/applicant", `/applications/${own}`, "/calls", `/calls/${openCall}/apply/MG`, "/company"],
      manager: ["/manager", `/manager/applications/${submitted}`, `/manager/calls/${openCall}`, "/manager/claims", `/manager/claims/${claim}`],
      finance: ["/finance", "/finance/ledger", "/finance/reconciliation"],
      admin: ["/admin", "/admin/users", "/admin/scheme"],
    };
    const problems: string[] = [];
    for (const account of ROLE_ACCOUNTS) {
      const { context, page } = await contextFor(rig.browser, rig.baseUrl, account, { width: 1280 });
      await context.addCookies([{ name: "vd.lang", value: PSEUDO_LOCALE, url: rig.baseUrl }]);
      for (const path of pages[account.role] ?? []) {
        const res = await page.goto(`${rig.baseUrl}${path}`);
        expect(res?.status(), `${account.role} ${path}`).to.equal(200);
        // The page really is in the pseudo-locale, not English that happens to fit.
        expect(await page.locator("main").innerText(), path).to.include("⟦");
        for (const p of await layoutProblems(page)) problems.push(`${account.role} ${path}: ${p}`);
      }
      await context.close();
    }
    expect(problems).to.deep.equal([]);
  });
});
