import { expect } from "chai";
import type { Page } from "playwright-core";
import type { Db } from "../../server/db/connection";
import { type BrowserRig, signInWithBrowser, startBrowserRig } from "../support/browser";
import { TestClock } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { insertClaim, insertSubmitted } from "../support/journey";

describe("browser: a manager runs a call, approves an application and verifies its claim", function () {
  this.timeout(120000);
  let rig: BrowserRig;
  let db: Db;
  let baseUrl: string;
  const clock = new TestClock(new Date("2027-02-10T10:00:00Z"));

  before(async () => {
    rig = await startBrowserRig((d) => seedDemoData(d, clock.now), clock.now);
    ({ db, baseUrl } = rig);
  });
  after(() => rig?.close());

  const committed = async (page: Page) => page.locator('#budget tr[data-key="total"] td').nth(1).innerText();

  it("creates and opens a call, approves, sees the budget move, verifies the claim", async () => {
    const { context, page } = await signInWithBrowser(rig, "manager@demo.test");
    expect(page.url()).to.equal(`${baseUrl}/manager`);

    await page.goto(`${baseUrl}/manager/calls/new`);
    await page.getByLabel("Title").fill("Browser call");
    await page.getByLabel(/^Opens/).fill("2027-02-01T09:00");
    await page.getByLabel(/^Closes/).fill("2027-03-31T17:00");
    await page.getByLabel("Total budget of the call").fill("20.000,00");
    await page.getByRole("button", { name: "Save the call" }).click();
    await page.waitForURL(/\/manager\/calls\/\d+$/);
    const callId = Number(/\/manager\/calls\/(\d+)$/.exec(page.url())![1]);
    await page.getByRole("button", { name: "Open the call" }).click();
    await page.waitForSelector("text=The call is open.");
    expect(await committed(page)).to.include("0.00");

    const appId = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    await page.goto(`${baseUrl}/manager`);
    await page.locator(`a[href="/manager/applications/${appId}"]`).click();
    // The decision panel says what approving does before its button is shown.
    await page.locator("#choice-approve > summary").click();
    expect(await page.locator("#approve-consequences").innerText()).to.include("EUR 4,000.00 is committed").and.include("EUR 16,000.00 left after this approval");
    await page.getByRole("button", { name: "Approve…" }).click();
    // A separate confirmation step, without JavaScript: nothing is committed until it is confirmed.
    await page.waitForURL(`${baseUrl}/manager/applications/${appId}/approve/confirm`);
    expect(await page.locator("#confirm-amount").innerText()).to.include("EUR 4,000.00");
    expect(await page.locator("#confirmation").innerText()).to.include("EUR 20,000.00 left now; EUR 16,000.00 left after this approval");
    expect(await page.locator("#confirm-letter").innerText()).to.include("e-mailed to Mette Sørensen (sme@demo.test)");
    await page.getByRole("button", { name: "Back" }).click();
    await page.waitForURL(`${baseUrl}/manager/applications/${appId}/decision`);
    expect(await page.locator("#choice-approve").getAttribute("open")).to.not.equal(null);
    await page.goto(`${baseUrl}/manager/calls/${callId}`);
    expect(await committed(page)).to.include("0.00");

    // Rejecting: the reason typed comes back on the confirmation and again after Back.
    await page.goto(`${baseUrl}/manager/applications/${appId}`);
    await page.locator("#choice-reject > summary").click();
    await page.getByLabel("Reason for the rejection").fill("Out of scope.\nSee section 2.");
    await page.getByRole("button", { name: "Reject…" }).click();
    expect(await page.locator("#confirm-reason").innerText()).to.include("Out of scope.\nSee section 2.");
    await page.getByRole("button", { name: "Back" }).click();
    expect(await page.getByLabel("Reason for the rejection").inputValue()).to.equal("Out of scope.\nSee section 2.");

    await page.locator("#choice-approve > summary").click();
    await page.getByRole("button", { name: "Approve…" }).click();
    await page.getByRole("button", { name: "Confirm: approve and issue the award letter" }).click();
    await page.waitForURL(`${baseUrl}/manager/applications/${appId}`);
    expect(await page.locator(".flash-success").innerText()).to.match(/Approved: EUR 4,000.00 committed; award letter \S+ was issued and e-mailed to the applicant\./);
    await page.goto(`${baseUrl}/manager/calls/${callId}`);
    expect(await committed(page)).to.include("4,000.00");

    const claimId = await insertClaim(db, appId, [{ incurredOn: "2027-04-02", currency: "EUR", originalMinor: 350_000, description: "Expert fee" }]);
    await page.goto(`${baseUrl}/manager/claims`);
    await page.locator(`a[href="/manager/claims/${claimId}"]`).click();
    expect(await page.locator("#computation").innerText()).to.include("4,000.00");
    await page.getByRole("button", { name: "Approve the claim" }).click();
    await page.waitForSelector("text=is payable and goes to finance");
    expect(await page.locator("#payable").innerText()).to.include("4,000.00");
    await context.close();
  });
});
