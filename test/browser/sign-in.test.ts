import type { Server } from "node:http";
import { expect } from "chai";
import type { Browser } from "playwright-core";
import type { Db } from "../../server/db/connection";
import { buildApp } from "../support/app";
import { launchBrowser, listen } from "../support/browser";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";

describe("browser: sign in", function () {
  this.timeout(90000);
  let db: Db;
  let browser: Browser;
  let server: Server;
  let baseUrl: string;

  before(async () => {
    db = await testDatabases()[0].create();
    await seedDemoData(db);
    ({ server, baseUrl } = await listen(buildApp(db)));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    server?.close();
    await db?.destroy();
  });

  const roles: [string, string, string][] = [
    ["sme@demo.test", "/applicant", "Mette Sørensen"],
    ["manager@demo.test", "/manager", "Lars Kjærgaard"],
    ["finance@demo.test", "/finance", "Anne Fischer"],
    ["admin@demo.test", "/admin", "Pieter de Vries"],
  ];
  for (const [email, home, name] of roles) {
    it(`${email} signs in through the form and lands on ${home}`, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${baseUrl}/login`);
      await page.getByLabel("E-mail address").fill(email);
      await page.getByLabel("Password").fill("demo-voucherdesk");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${baseUrl}${home}`);
      expect(await page.locator("header").innerText()).to.include(name);
      await context.close();
    });
  }

  it("a wrong password shows the error beside the field and in the summary", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/login`);
    await page.getByLabel("E-mail address").fill("sme@demo.test");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForSelector(".error-summary");
    expect(await page.locator(".error-summary").innerText()).to.include("not right");
    expect(await page.getByRole("textbox", { name: "E-mail address" }).inputValue()).to.equal("sme@demo.test");
    expect(page.url()).to.equal(`${baseUrl}/login`);
    await context.close();
  });

  it("the skip link moves focus to the main content", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/login`);
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement && document.activeElement.textContent")).to.include("Skip to main content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate("document.activeElement && document.activeElement.id")).to.equal("main");
    await context.close();
  });
});
