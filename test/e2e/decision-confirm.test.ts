import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { type Agent, postForm, signIn } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { insertSubmitted, seedCall, startManagerWorld } from "../support/journey";
import { defined } from "../support/defined";

/** Handlebars' escapes undone, as a browser reads them. */
const decode = (v: string) => v.replace(/&quot;/g, "\"").replace(/&#x27;/g, "'").replace(/&#x60;/g, "`").replace(/&#x3D;/g, "=")
  .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** The fields a rendered form would send: its hidden inputs. */
function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[defined(m[1])] = decode(defined(m[2]));
  return fields;
}

/** The visible text of a page, tags dropped and white space folded, so assertions read like the page. */
const text = (html: string) => decode(html.replace(/<[^>]+>/g, " ").replace(/&nbsp;/g, " ")).replace(/\s+/g, " ");

for (const engine of testDatabases()) {
describe(`decision confirmation step (e2e, ${engine.name})`, function () {
  this.timeout(120000);
  let db: Db;
  let app: Express;
  let clock: TestClock;
  let manager: Agent;
  let applicant: { name: string; email: string };

  beforeEach(async () => {
    ({ db, clock, app } = await startManagerWorld(engine));
    manager = await signIn(app, "manager@demo.test");
    applicant = defined(await db("users").where({ email: "sme@demo.test" }).first("name", "email"));
  });
  afterEach(() => db.destroy());

  const row = async (id: number) => defined(await db("applications").where({ id }).first());
  const ledgerCount = async (id: number) => Number(defined(await db("ledger_entries").where({ application_id: id }).count<{ n: number | string }[]>("id as n"))[0]?.n);

  it("shows the amount awarded (not the one requested), each ceiling after the commitment and who gets the letter; confirming approves exactly that", async () => {
    const callId = await seedCall(db, clock.now, { totalCents: 1_000_000, perTypeCents: { MG: 300_000 } });
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "MG", requestedCents: 42_000 });
    const page = `/manager/applications/${id}`;
    const form = await manager.get(page);
    expect(form.text).to.include(`action="/manager/applications/${id}/approve/confirm"`);

    const confirm = await postForm(manager, page, `${page}/approve/confirm`, { amount: "400,00" });
    expect(confirm.status, confirm.text).to.equal(200);
    const shown = text(confirm.text);
    expect(shown).to.include("Amount committed EUR 400.00 from the call's budget (the applicant requested EUR 420.00)");
    expect(shown).to.match(/Total budget EUR 10,000.00 left now; EUR 9,600.00 left after this approval/);
    expect(shown).to.match(/EUR 3,000.00 left now; EUR 2,600.00 left after this approval/);
    expect(shown).to.include(`An award letter (PDF) will be issued and e-mailed to ${applicant.name} (${applicant.email})`);
    // Nothing has happened yet.
    expect((await row(id)).state).to.equal("submitted");
    expect(await ledgerCount(id)).to.equal(0);

    const fields = hiddenFields(confirm.text);
    expect(fields.amount).to.equal("400.00");
    expect(confirm.text).to.include(`action="/manager/applications/${id}/approve"`);
    const done = await manager.post(`${page}/approve`).type("form").send(fields);
    expect(done.status, done.text).to.equal(303);
    const approved = await row(id);
    expect(approved.state).to.equal("approved");
    expect(Number(approved.approved_cents)).to.equal(40_000);
    const after = text((await manager.get(page)).text);
    expect(after).to.match(new RegExp(`Approved: EUR 400.00 committed; award letter ${defined(approved.reference)} was issued and e-mailed to the applicant\\.`));

    const mail = defined(await db("emails").where({ template: "decision-approved" }).orderBy("id", "desc").first());
    // The demo applicant reads Danish: the amount and the deadlines in her conventions, dates in words.
    expect(mail.body_text).to.match(/er godkendt med et tilsagn på 400,00\sEUR/).and.match(/Frist for afslutning: \d{1,2}\. [a-zæøå]+ 2027\. Frist for anmodning om udbetaling: \d{1,2}\. [a-zæøå]+ 2027\./);

    // Sent again (a second click, a reload), the same confirmation changes nothing.
    const twice = await manager.post(`${page}/approve`).type("form").send(fields);
    expect(twice.status).to.equal(409);
    expect(await ledgerCount(id)).to.equal(1);
  });

  it("refuses on the decision page what the approval would refuse: above the request, and more than the budget has left", async () => {
    const callId = await seedCall(db, clock.now, { totalCents: 1_000_000, perTypeCents: { IN: 300_000 } });
    const mg = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "MG", requestedCents: 42_000 });
    const above = await postForm(manager, `/manager/applications/${mg}`, `/manager/applications/${mg}/approve/confirm`, { amount: "450.00" });
    expect(above.status).to.equal(422);
    expect(above.text).to.include("more than the").and.include('id="choice-approve" open');

    const inId = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    const short = await postForm(manager, `/manager/applications/${inId}`, `/manager/applications/${inId}/approve/confirm`, {});
    expect(short.status).to.equal(409);
    expect(short.text).to.include("The budget does not allow this approval");
    expect((await row(inId)).state).to.equal("submitted");
  });

  it("repeats a rejection's reason and who is told; Back shows the decision page with the reason as typed", async () => {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    const page = `/manager/applications/${id}`;
    const reason = "The project & its partner are \"out of scope\".\nSee the call text, section 2.";
    const confirm = await postForm(manager, page, `${page}/reject/confirm`, { reason });
    expect(confirm.status, confirm.text).to.equal(200);
    const shown = text(confirm.text);
    expect(shown).to.include("Reject this application?").and.include("Nothing is committed. The rejection is final.");
    expect(confirm.text).to.include("The project &amp; its partner are &quot;out of scope&quot;.\nSee the call text, section 2.");
    expect(shown).to.include(`The reason is e-mailed to ${applicant.name} (${applicant.email})`);
    expect((await row(id)).state).to.equal("submitted");

    const fields = hiddenFields(confirm.text);
    expect(fields.reason).to.equal(reason);
    const back = await manager.post(`${page}/decision`).type("form").send({ ...fields, choice: "reject" });
    expect(back.status, back.text).to.equal(200);
    expect(back.text).to.include('id="choice-reject" open');
    expect(back.text).to.match(/<textarea[^>]*name="reason"[^>]*>The project &amp; its partner are &quot;out of scope&quot;.\nSee the call text, section 2.<\/textarea>/);
    expect((await row(id)).state).to.equal("submitted");

    const done = await manager.post(`${page}/reject`).type("form").send(fields);
    expect(done.status).to.equal(303);
    const rejected = await row(id);
    expect(rejected.state).to.equal("rejected");
    expect(rejected.decision_reason).to.equal(reason);
  });

  it("Back from an approval keeps the amount and the reason to skip; a template's reason is repeated in full", async () => {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "MG", requestedCents: 42_000 });
    const page = `/manager/applications/${id}`;
    const confirm = await postForm(manager, page, `${page}/approve/confirm`, { amount: "385.5" });
    expect(text(confirm.text)).to.include("Amount committed EUR 385.50");
    const back = await manager.post(`${page}/decision`).type("form").send({ ...hiddenFields(confirm.text), choice: "approve" });
    expect(back.status).to.equal(200);
    expect(back.text).to.include('id="choice-approve" open').and.match(/name="amount"[^>]*value="385.50"/);

    await postForm(manager, "/manager/rejection-templates", "/manager/rejection-templates", { title: "Out of scope", text: "Your project is outside the scope of this call." });
    const template = defined(await db("rejection_templates").where({ title: "Out of scope" }).first("id"));
    const rejectConfirm = await postForm(manager, page, `${page}/reject/confirm`, { templateId: String(template.id), reason: "" });
    expect(rejectConfirm.status, rejectConfirm.text).to.equal(200);
    expect(text(rejectConfirm.text)).to.include("Your project is outside the scope of this call.").and.include("From the template “Out of scope”");
    const backToTemplate = await manager.post(`${page}/decision`).type("form").send({ ...hiddenFields(rejectConfirm.text), choice: "reject" });
    expect(backToTemplate.text).to.include(`<option value="${template.id}" selected>Out of scope</option>`);
  });

  it("repeats the question asked for more information; reserve says nothing is committed; both change nothing until confirmed", async () => {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    const page = `/manager/applications/${id}`;
    const ask = await postForm(manager, page, `${page}/request-info/confirm`, { message: "Please attach the partner's offer." });
    expect(ask.status).to.equal(200);
    expect(text(ask.text)).to.include("Please attach the partner's offer.").and.include(`The question is e-mailed to ${applicant.name} (${applicant.email})`);
    const empty = await postForm(manager, page, `${page}/request-info/confirm`, { message: "  " });
    expect(empty.status).to.equal(422);

    const reserve = await postForm(manager, page, `${page}/reserve/confirm`, {});
    expect(reserve.status).to.equal(200);
    expect(text(reserve.text)).to.include("Put this application on the reserve list?").and.include("Nothing is committed now.");
    expect((await row(id)).state).to.equal("submitted");

    const done = await manager.post(`${page}/request-info`).type("form").send(hiddenFields(ask.text));
    expect(done.status).to.equal(303);
    expect((await row(id)).state).to.equal("more-info-requested");
    expect(text((await manager.get(page)).text)).to.include("More information requested: the applicant was e-mailed your question");
  });
});
}
