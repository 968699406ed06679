import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { type Agent, csrfFrom, postForm, signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { startManagerWorld } from "../support/journey";
import { defined } from "../support/defined";

/** The form as it is shown: every field with the value the page puts in it. */
function formValues(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input id="[^"]*" name="([^"]+)"[^>]*value="([^"]*)"/g)) out[defined(m[1])] = defined(m[2]);
  for (const m of html.matchAll(/<select id="[^"]*" name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)" selected>/.exec(defined(m[2]));
    if (selected) out[defined(m[1])] = defined(selected[1]);
  }
  delete out._csrf;
  return out;
}

for (const engine of testDatabases()) {
describe(`administrator: scheme settings per voucher type (e2e, ${engine.name})`, function () {
  this.timeout(120000);
  let db: Db;
  let app: Express;
  let admin: Agent;

  before(async () => {
    ({ db, app } = await startManagerWorld(engine));
    admin = await signIn(app, "admin@demo.test");
  });
  after(() => db.destroy());

  it("shows each type's amount, amount rule, payment basis, approval timing and periods", async () => {
    const values = formValues((await admin.get("/admin/scheme").expect(200)).text);
    expect(values).to.include({
      maxCents_MG: "500.00", amountRule_MG: "capped", paymentBasis_MG: "actual-costs-capped", preApprovalRequired_MG: "before-day",
      completionDays_MG: "90", claimDays_MG: "30",
      maxCents_IN: "4000.00", amountRule_IN: "fixed", paymentBasis_IN: "lump-sum", preApprovalRequired_IN: "not-before-start",
    });
  });

  it("refuses bad values field by field, keeps what was typed and changes nothing", async () => {
    const values = formValues((await admin.get("/admin/scheme")).text);
    const res = await postForm(admin, "/admin/scheme", "/admin/scheme", {
      ...values, maxCents_IN: "4.000,5x", claimDays_CO: "0", completionDays_MG: "ninety", paymentBasis_MG: "whatever",
    });
    expect(res.status).to.equal(422);
    expect(res.text).to.include('class="error-summary"');
    for (const field of ["maxCents_IN", "completionDays_MG"]) {
      expect(res.text).to.include(`id="f-${field}-error"`);
      expect(res.text).to.include(`href="#f-${field}"`);
    }
    expect(res.text).to.include('value="4.000,5x"').and.include('value="ninety"');
    // Values that can be read but break a rule are refused by the domain check, also beside their field.
    const ruled = await postForm(admin, "/admin/scheme", "/admin/scheme", { ...values, claimDays_CO: "0", paymentBasis_MG: "whatever" });
    expect(ruled.status).to.equal(422);
    expect(ruled.text).to.include('id="f-claimDays_CO-error"').and.include("from 1 to 3650");
    expect(ruled.text).to.include('id="f-paymentBasis_MG-error"');
    const danishForm = await admin.get("/admin/scheme").set("Accept-Language", "da").expect(200);
    const danish = await admin.post("/admin/scheme").set("Accept-Language", "da").type("form")
      .send({ ...values, maxCents_IN: "300000,01", _csrf: csrfFrom(danishForm.text) });
    expect(danish.status).to.equal(422);
    // Readable but above the de minimis ceiling: refused by the domain check, in Danish.
    expect(danish.text).to.include("Beløbet for Insight kan ikke være større end 300.000,00 EUR, loftet for de minimis-støtte.")
      .and.not.include("the de minimis ceiling");
    const row = defined(await db("voucher_types").where({ code: "CO" }).first(), "row");
    expect(Number(row.claim_days)).to.equal(30);
  });

  it("saves the settings with before and after in the audit log", async () => {
    const values = formValues((await admin.get("/admin/scheme")).text);
    const res = await postForm(admin, "/admin/scheme", "/admin/scheme", {
      ...values, paymentBasis_IN: "actual-costs-capped", preApprovalRequired_IN: "before-day", claimDays_IN: "45", maxCents_IN: "4.500,00",
    });
    expect(res.status, res.text.slice(0, 500)).to.equal(303);
    const row = defined(await db("voucher_types").where({ code: "IN" }).first(), "row");
    expect([row.payment_basis, !!row.pre_approval_required, Number(row.claim_days), Number(row.max_cents)]).to.deep.equal(["actual-costs-capped", true, 45, 450_000]);
    const event = defined(await db("audit_events").where({ action: "scheme.updated" }).orderBy("id", "desc").first(), "event");
    expect((JSON.parse(defined(event.before_json)) as { types: Record<string, unknown> }).types.IN).to.deep.equal({ maxCents: 400_000, paymentBasis: "lump-sum", preApprovalRequired: false, claimDays: 30 });
    expect((JSON.parse(defined(event.after_json)) as { types: Record<string, unknown> }).types.IN).to.deep.equal({ maxCents: 450_000, paymentBasis: "actual-costs-capped", preApprovalRequired: true, claimDays: 45 });
    expect(formValues((await admin.get("/admin/scheme")).text)).to.include({ preApprovalRequired_IN: "before-day", claimDays_IN: "45", maxCents_IN: "4500.00" });
  });
});
}
