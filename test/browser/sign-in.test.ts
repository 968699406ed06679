import { expect } from "chai";
import type { Browser } from "playwright-core";
import { type BrowserRig, signInWithBrowser, startBrowserRig } from "../support/browser";
import { seedDemoData } from "../support/fixtures";

describe("browser: sign in", function () {
  this.timeout(90000);
  let rig: BrowserRig;
  let browser: Browser;
  let baseUrl: string;

  before(async () => {
    rig = await startBrowserRig((d) => seedDemoData(d));
    ({ browser, baseUrl } = rig);
  });
  after(() => rig?.close());

  const roles: [string, string, string][] = [
    ["sme@demo.test", "/applicant", "Mette Sørensen"],
    ["manager@demo.test", "/manager", "Lars Kjærgaard"],
    ["finance@demo.test", "/finance", "Anne Fischer"],
    ["admin@demo.test", "/admin", "Pieter de Vries"],
  ];
  for (const [email, home, name] of roles) {
    it(`${email} signs in through the form and lands on ${home}`, async () => {
      const { context, page } = await signInWithBrowser(rig, email);
      expect(page.url()).to.equal(`${baseUrl}${home}`);
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

  it("after signing out, going back shows the sign-in page, not the signed-in page kept by the browser", async () => {
    const { context, page } = await signInWithBrowser(rig, "manager@demo.test");
    expect(await page.locator("header").innerText()).to.include("Lars Kjærgaard");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((u) => !u.pathname.startsWith("/manager"));
    await page.goBack();
    await page.waitForLoadState("load");
    expect(new URL(page.url()).pathname).to.equal("/login");
    expect(await page.locator("header").innerText()).to.not.include("Lars Kjærgaard");
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
