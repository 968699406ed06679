import { expect } from "chai";
import { axeViolations, type BrowserRig, signInWithBrowser, startBrowserRig } from "../support/browser";
import { seedDemoData } from "../support/fixtures";

describe("browser: programme results pages", function () {
  this.timeout(120000);
  let rig: BrowserRig;

  before(async () => {
    rig = await startBrowserRig((d) => seedDemoData(d, () => new Date(), { activity: true }));
  });
  after(() => rig?.close());

  for (const [who, path] of [["admin@demo.test", "/results"], ["manager@demo.test", "/results"], ["admin@demo.test", "/results/report"]] as const) {
    it(`${path} as ${who} has no serious accessibility violation and draws its charts without scripts`, async () => {
      const { context, page } = await signInWithBrowser(rig, who);
      await page.goto(`${rig.baseUrl}${path}`);
      expect(await page.locator("script").count()).to.equal(0);
      if (path === "/results") expect(await page.locator("svg[role=img]").count()).to.equal(8);
      const violations = await axeViolations(page);
      expect(violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).to.deep.equal([]);
      await context.close();
    });
  }

  it("the public page needs no sign-in and has no serious accessibility violation", async () => {
    const context = await rig.browser.newContext();
    const page = await context.newPage();
    const res = await page.goto(`${rig.baseUrl}/results/public`);
    expect(res?.status()).to.equal(200);
    expect(await page.getByRole("heading", { name: "Programme results" }).count()).to.equal(1);
    expect(await axeViolations(page)).to.deep.equal([]);
    await context.close();
  });

  it("a manager follows the navigation to the dashboard and filters by call", async () => {
    const { context, page } = await signInWithBrowser(rig, "manager@demo.test");
    await page.getByRole("link", { name: "Results" }).click();
    await page.waitForLoadState("load");
    await page.getByLabel("Call", { exact: true }).selectOption({ label: "Spring 2026 voucher call" });
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForLoadState("load");
    expect(page.url()).to.contain("call=1");
    expect(await page.locator("#chart-per-call tbody tr").count()).to.equal(1);
    await context.close();
  });
});
