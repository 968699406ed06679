import { expect } from "chai";
import type { Browser, Page } from "playwright-core";
import type { Db } from "../../server/db/connection";
import { verifyClaim } from "../../server/services/claims/verification";
import { approve } from "../../server/services/review/decisions";
import { recordPayment } from "../../server/services/finance/payments";
import { type BrowserRig, startBrowserRig } from "../support/browser";
import { TestClock, testContext } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";

describe("browser: the applicant's whole path", function () {
  this.timeout(120000);
  let rig: BrowserRig;
  let db: Db;
  let browser: Browser;
  let baseUrl: string;
  let callId: number;
  const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

  before(async () => {
    rig = await startBrowserRig(async (d) => {
      await seedDemoData(d);
      // A call as a manager would have opened it.
      const scheme = defined(await d("schemes").first("id"), "scheme");
      const manager = defined(await d("users").where({ email: "manager@demo.test" }).first("id"), "manager");
      const [row] = await d("calls").insert({
        scheme_id: scheme.id, title: "Browser call 2027", description: "", opens_at: "2027-02-01T08:00:00.000Z", closes_at: "2027-04-01T10:00:00.000Z",
        status: "open", created_by: manager.id, created_at: "2027-01-01T00:00:00.000Z", updated_at: "2027-01-01T00:00:00.000Z",
      }).returning("id");
      callId = Number(typeof row === "object" ? row.id : row);
      for (const t of await d("voucher_types")) await d("call_voucher_types").insert({ call_id: callId, voucher_type_id: t.id, completion_days: t.completion_days });
      await d("budget_ceilings").insert({ call_id: callId, key: "total", label: "Total", ceiling_cents: 10_000_000 });
    }, clock.now);
    ({ db, browser, baseUrl } = rig);
  });
  after(() => rig?.close());

  const click = (page: Page, name: string) => page.getByRole("button", { name, exact: true }).click();

  it("registers, applies for Meet & Greet, saves a draft, submits, accepts, claims and sees the payment", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/register`);
    await page.fill("#f-name", "Nora Holm");
    await page.fill("#f-email", "nora@holmbio.test");
    await page.fill("#f-password", "nora-long-passphrase");
    await page.fill("#f-legalName", "Holm Bio ApS");
    await page.fill("#f-vatNumber", "DK 4242 4242");
    await page.fill("#f-address", "Nørregade 1, 1165 København K");
    await page.fill("#f-country", "DK");
    await page.selectOption("#f-regionId", { label: "Capital Region of Denmark (DK)" });
    await page.selectOption("#f-sectorId", { label: "Biotechnology" });
    await page.fill("#f-staffHeadcount", "6");
    await page.fill("#f-turnover", "800.000,00");
    await page.fill("#f-balanceSheet", "400000");
    await page.fill("#f-iban", "DE02 1203 0000 0000 2020 51");
    await page.fill("#f-accountHolder", "Holm Bio ApS");
    await click(page, "Register");
    await page.waitForURL(`${baseUrl}/company`);
    expect(await page.locator("main").innerText()).to.include("Micro enterprise under EU Recommendation 2003/361/EC");

    await page.getByRole("link", { name: "Open calls" }).click();
    await page.getByRole("link", { name: "Apply for Meet & Greet" }).click();
    await page.fill("#f-title", "Meeting Stuttgart enzyme labs");
    await page.fill("#f-description", "Two days of meetings with three labs");
    await click(page, "Save as draft");
    await page.waitForURL(/\/applications\/\d+\/edit$/);
    const id = Number(/applications\/(\d+)/.exec(page.url())![1]);
    expect(await page.locator("main").innerText()).to.include("Your draft was saved");

    await page.fill("#f-objectives", "Find a development partner");
    await page.fill("#f-expectedResult", "A joint project plan");
    await page.fill("#f-counterpartName", "Neckar Enzymes GmbH");
    await page.fill("#f-counterpartCountry", "DE");
    await page.selectOption("#f-counterpartRegionId", { label: "Stuttgart and Neckar-Alb (DE)" });
    await page.selectOption("#f-counterpartKind", { label: "Company" });
    await page.fill("#f-activityStart", "2027-04-10");
    await page.fill("#f-activityEnd", "2027-04-11");
    await page.fill("#f-costTravel", "600");
    await click(page, "Save and check your answers");
    expect(await page.locator(".error-summary").innerText()).to.include("above the Meet & Greet cap of EUR 500.00");
    await page.fill("#f-costTravel", "280,00");
    await page.fill("#f-costAccommodation", "140");
    await click(page, "Save and check your answers");
    await page.waitForURL(`${baseUrl}/applications/${id}/check`);
    // The draft is kept, but submitting waits until the e-mail address is confirmed.
    expect(await page.locator("main").innerText()).to.include("Confirm your e-mail address to submit");
    const mail = defined(await db("emails").where({ template: "account-confirmation", to_address: "nora@holmbio.test" }).orderBy("id", "desc").first(), "mail");
    await page.goto(`${baseUrl}${new URL(/http:\/\/\S+\/confirm\/\S+/.exec(mail.body_text)![0]).pathname}`);
    expect(await page.locator("main").innerText()).to.include("Your e-mail address is confirmed");
    await page.goto(`${baseUrl}/applications/${id}/check`);
    for (const name of ["truthful", "smeStatus", "deMinimisComplete", "noDoubleFunding"]) await page.check(`#f-${name}`);
    await click(page, "Submit the application");
    await page.waitForURL(`${baseUrl}/applications/${id}`);
    expect(await page.locator("main").innerText()).to.include("Your application was submitted");

    // Browser back to the check page, then the manager approves (another journey, through its service).
    await page.goBack();
    await page.reload();
    expect(await page.locator("main").innerText()).to.include("It can no longer be submitted from here");
    clock.set("2027-03-05T09:00:00Z");
    const manager = testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now);
    await (await approve(manager, id, { amountCents: 42_000 })).letterWritten;

    await page.goto(`${baseUrl}/applications/${id}`);
    expect(await page.locator("main").innerText()).to.include("Download the award letter");
    await click(page, "Accept the award");
    expect(await page.locator("main").innerText()).to.include("You accepted the award");

    // Before the activity has ended the page says from when a claim can be made (R11).
    expect(await page.locator("#claim-window").innerText()).to.include("The activity ends on 11 April 2027");
    clock.set("2027-04-15T09:00:00Z");
    await page.reload();
    await page.getByRole("link", { name: "Submit the claim" }).click();
    await page.fill("#f-report", "We met three labs and agreed on a joint project plan.");
    await page.fill("#f-date_0", "2027-04-10");
    await page.fill("#f-description_0", "Train Copenhagen-Stuttgart");
    await page.fill("#f-amount_0", "275,40");
    await page.fill("#f-date_1", "2027-04-10");
    await page.fill("#f-description_1", "Hotel, one night");
    await page.fill("#f-amount_1", "130");
    await page.setInputFiles("#f-evidence", { name: "receipt.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") });
    await click(page, "Submit the claim");
    await page.waitForURL(`${baseUrl}/applications/${id}`);
    expect(await page.locator("main").innerText()).to.include("Your claim was submitted").and.include("receipt.pdf");

    const claim = defined(await db("claims").where({ application_id: id }).first("id"), "claim");
    const lines = await db("claim_cost_lines").where({ claim_id: claim.id });
    await verifyClaim(manager, Number(claim.id), lines.map((l) => ({ id: Number(l.id), eligible: true, reason: "" })));
    clock.set("2027-04-20T12:00:00Z"); // the bank paid today
    const finance = testContext(db, await actorByEmail(db, "finance@demo.test"), clock.now);
    await recordPayment(finance, { claimId: Number(claim.id), paidOn: "2027-04-20", bankReference: "BANK-REF-4711" });

    await page.reload();
    const text = await page.locator("main").innerText();
    expect(text).to.include("Paid EUR 405.40 on 20 Apr 2027, bank reference BANK-REF-4711");
    await context.close();
  });
});
