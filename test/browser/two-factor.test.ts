import { expect } from "chai";
import { generateSync } from "otplib";
import { createUser } from "../../server/services/people/users";
import { type BrowserRig, startBrowserRig } from "../support/browser";
import { TestClock, testContext } from "../support/db";
import { defined } from "../support/defined";
import { seedDemoData } from "../support/fixtures";

describe("browser: two-factor sign-in", function () {
  this.timeout(90000);
  let rig: BrowserRig;
  const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));
  const email = "enrolling.manager@demo.test";

  before(async () => {
    rig = await startBrowserRig(async (db) => {
      await seedDemoData(db, clock.now);
      const partnerId = Number(defined(await db("partners").first("id")).id);
      await createUser(testContext(db, null, clock.now), { email, name: "Enrolling Manager", password: "demo-voucherdesk", role: "manager", partnerId, emailConfirmed: true });
    }, clock.now);
  });
  after(() => rig?.close());

  it("a new manager enrols with the key shown, signs out, and signs in again with a code", async () => {
    const context = await rig.browser.newContext();
    const page = await context.newPage();
    const code = (key: string) => generateSync({ secret: key, epoch: Math.floor(clock.now().getTime() / 1000) });
    const passwordStep = async () => {
      await page.goto(`${rig.baseUrl}/login`);
      await page.getByLabel("E-mail address").fill(email);
      await page.getByLabel("Password").fill("demo-voucherdesk");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForLoadState("load");
    };

    await passwordStep();
    expect(new URL(page.url()).pathname).to.equal("/two-factor/setup");
    expect(await page.getByRole("img", { name: /QR code/ }).count()).to.equal(1);
    const key = (await page.locator("#setup-key").innerText()).replace(/\s/g, "");
    expect(key).to.match(/^[A-Z2-7]{32}$/);
    await page.getByLabel("Code from the app").fill(code(key));
    await page.getByRole("button", { name: "Confirm and continue" }).click();
    await page.waitForLoadState("load");
    expect(await page.locator("h1").innerText()).to.equal("Your recovery codes");
    expect(await page.locator(".recovery-codes li").count()).to.equal(10);
    await page.getByRole("link", { name: /continue/ }).click();
    await page.waitForLoadState("load");
    expect(new URL(page.url()).pathname).to.equal("/manager");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForLoadState("load");
    clock.set("2027-03-01T10:01:00Z");

    await passwordStep();
    expect(new URL(page.url()).pathname).to.equal("/login/code");
    await page.getByRole("textbox", { name: "Code" }).fill("000000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForSelector(".error-summary");
    expect(await page.locator(".error-summary").innerText()).to.include("This code is not right");
    await page.getByRole("textbox", { name: "Code" }).fill(code(key));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForLoadState("load");
    expect(new URL(page.url()).pathname).to.equal("/manager");
    expect(await page.locator("header").innerText()).to.include("Enrolling Manager");
    await context.close();
  });
});
