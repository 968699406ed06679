import { readFileSync } from "node:fs";
import { expect } from "chai";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import type { Db } from "../../server/db/connection";
import { axeViolations, type BrowserRig, signInWithBrowser, startBrowserRig } from "../support/browser";
import { seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";

describe("browser: the finance officer pays the demo claim and downloads the ledger", function () {
  this.timeout(120000);
  let rig: BrowserRig;
  let db: Db;
  let baseUrl: string;

  before(async () => {
    rig = await startBrowserRig((d) => seedDemoData(d, () => new Date(), { activity: true }));
    ({ db, baseUrl } = rig);
  });
  after(() => rig?.close());

  it("pays, then downloads CSV and XLSX whose payment totals include the new payment", async () => {
    const { context, page } = await signInWithBrowser(rig, "finance@demo.test", { acceptDownloads: true });
    expect(page.url()).to.equal(`${baseUrl}/finance`);

    const verified = defined(await db("applications").where({ state: "claim-verified" }).first("id", "reference"), "verified");
    await page.getByLabel(`Select ${verified.reference}`).check();
    await page.getByLabel("Payment date").fill(new Date().toISOString().slice(0, 10));
    await page.getByLabel("Bank reference").fill("BANK-REF-7731");
    await page.getByRole("button", { name: "Record payment of the selected claims" }).click();
    await page.waitForLoadState("load");
    expect(defined(await db("applications").where({ id: verified.id }).first("state")).state).to.equal("paid");
    const payment = defined(await db("payments").where({ application_id: verified.id }).first(), "payment");
    expect(payment.bank_reference).to.equal("BANK-REF-7731");

    const paidCents = Number(defined((await db("ledger_entries").where({ kind: "payment" }).sum({ s: "amount_cents" }))[0]).s);
    await page.goto(`${baseUrl}/finance/ledger`);
    const [csvDownload] = await Promise.all([page.waitForEvent("download"), page.locator('a[href*="ledger.csv"]').first().click()]);
    const csv = readFileSync((await csvDownload.path()), "utf8");
    const records = parse<Record<string, string>>(csv, { columns: true });
    expect(records.some((r) => r["Payment reference"] === "BANK-REF-7731" && r["Paid on"] === payment.paid_on)).to.equal(true);
    const paidInCsv = records.filter((r) => r.Kind === "payment")
      .reduce((sum, r) => sum + Number(defined(r["Amount EUR"]).replace(".", "")), 0);
    expect(paidInCsv).to.equal(paidCents);

    const [xlsxDownload] = await Promise.all([page.waitForEvent("download"), page.locator('a[href*="ledger.xlsx"]').first().click()]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await xlsxDownload.path()));
    expect(wb.getWorksheet("Ledger")).to.exist;
    expect(wb.getWorksheet("Totals")).to.exist;

    // The bank sends the payment back: from the ledger's entry to the payment's page and its form.
    await page.goto(`${baseUrl}/finance/ledger`);
    const entry = page.locator("details", { hasText: "BANK-REF-7731" }).first();
    await entry.locator("summary").click();
    await entry.getByRole("link", { name: "BANK-REF-7731" }).click();
    await page.waitForLoadState("load");
    expect(new URL(page.url()).pathname).to.equal(`/finance/payments/${payment.id}`);
    expect(await axeViolations(page)).to.deep.equal([]);
    await page.getByLabel("Date the money came back").fill(payment.paid_on);
    await page.getByLabel("The bank's reason").fill("Account closed");
    await page.getByRole("button", { name: "Record the returned payment" }).click();
    await page.waitForLoadState("load");
    // Not ticked: the form comes back with what was typed and the box's error beside it.
    expect(await page.getByLabel("The bank's reason").inputValue()).to.equal("Account closed");
    expect(await page.locator(".error-summary").innerText()).to.contain("Tick the box");
    expect(await axeViolations(page)).to.deep.equal([]);
    await page.getByLabel("The bank statement shows this payment coming back.").check();
    await page.getByRole("button", { name: "Record the returned payment" }).click();
    await page.waitForLoadState("load");
    expect(await page.locator("main").innerText()).to.contain("The bank returned this payment");
    expect(defined(await db("applications").where({ id: verified.id }).first("state")).state).to.equal("claim-verified");
    await page.goto(`${baseUrl}/finance`);
    expect(await page.getByLabel(`Select ${verified.reference}`).count()).to.equal(1);
    await context.close();
  });
});
