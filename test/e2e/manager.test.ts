import { expect } from "chai";
import { lettersWritten } from "../../server/services/letters/letters";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { readCeilings, verifyLedgerTotals } from "../../server/services/finance/budget";
import { type Agent, postForm, signIn } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { insertDraft, insertSubmitted, seedCall, startManagerWorld } from "../support/journey";
import { defined } from "../support/defined";

for (const engine of testDatabases()) {
describe(`manager journey: calls and decisions (e2e, ${engine.name})`, function () {
  this.timeout(120000);
  let db: Db;
  let app: Express;
  let clock: TestClock;
  let manager: Agent;
  let manager2: Agent;
  let managerNl: Agent;
  let admin: Agent;

  beforeEach(async () => {
    ({ db, clock, app } = await startManagerWorld(engine));
    manager = await signIn(app, "manager@demo.test");
    manager2 = await signIn(app, "manager2@demo.test");
    managerNl = await signIn(app, "manager.nl@demo.test");
    admin = await signIn(app, "admin@demo.test");
  });
  afterEach(() => db.destroy());

  const state = async (id: number) => defined(await db("applications").where({ id }).first("state")).state;
  const ledgerOk = async (callId: number) => expect((await verifyLedgerTotals(db, callId)).every((c) => c.ok)).to.equal(true);

  it("creates a draft call with ceilings, edits it, opens and closes it; the call page shows the zone", async () => {
    clock.set("2027-01-15T10:00:00Z");
    const types = await db("voucher_types").orderBy("max_cents");
    const partner = defined(await db("partners").first("id"), "partner");
    const form: Record<string, string> = {
      title: "Autumn call", description: "For SMEs", opensAt: "2027-02-01T09:00", closesAt: "2027-03-31T17:00", total: "50.000,00",
      [`ceiling_partner_${partner.id}`]: "10000.00",
    };
    for (const t of types) { form[`type_${t.id}`] = "on"; form[`completion_${t.id}`] = "120"; }
    form[`ceiling_type_${defined(types[0]).id}`] = "5000";
    const res = await postForm(manager, "/manager/calls/new", "/manager/calls", form);
    expect(res.status, res.text).to.equal(303);
    const callId = Number(/\/manager\/calls\/(\d+)/.exec(defined(res.headers.location))![1]);
    const call = defined(await db("calls").where({ id: callId }).first(), "call");
    expect(call.status).to.equal("draft");
    expect(call.opens_at).to.equal("2027-02-01T08:00:00.000Z"); // 09:00 Copenhagen winter time
    const ceilings = await readCeilings(db, callId);
    expect(ceilings.map((c) => [c.key, c.ceilingCents])).to.deep.include.members([["total", 5_000_000], ["type:MG", 500_000], [`partner:${partner.id}`, 1_000_000]]);

    const edit = await postForm(manager, `/manager/calls/${callId}/edit`, `/manager/calls/${callId}`, { ...form, total: "60000" });
    expect(edit.status, edit.text).to.equal(303);
    expect((await readCeilings(db, callId)).find((c) => c.key === "total")!.ceilingCents).to.equal(6_000_000);

    const page = await manager.get(`/manager/calls/${callId}`);
    expect(page.text).to.include("Europe/Copenhagen").and.include("60,000.00");
    expect((await postForm(manager, `/manager/calls/${callId}`, `/manager/calls/${callId}/open`, {})).status).to.equal(303);
    expect(defined(await db("calls").where({ id: callId }).first()).status).to.equal("open");
    const noEdit = await postForm(manager, `/manager/calls/${callId}`, `/manager/calls/${callId}`, form);
    expect(noEdit.status).to.equal(409);
    expect((await postForm(manager, `/manager/calls/${callId}`, `/manager/calls/${callId}/close`, {})).status).to.equal(303);
    expect(defined(await db("calls").where({ id: callId }).first()).status).to.equal("closed");
  });

  it("refuses a call form with a closing moment before the opening and an unreadable amount", async () => {
    const res = await postForm(manager, "/manager/calls/new", "/manager/calls", {
      title: "Bad", opensAt: "2027-03-01T09:00", closesAt: "2027-02-01T09:00", total: "1.2.3", type_1: "on", completion_1: "90",
    });
    expect(res.status).to.equal(422);
    expect(res.text).to.include("could not be saved");
  });

  it("refuses days, ceilings and moments out of range all at once, each beside its field with its limits", async () => {
    const partner = defined(await db("partners").orderBy("id").first("id", "short_name"));
    const before = Number(defined((await db("calls").count({ n: "*" }))[0]).n);
    const res = await postForm(manager, "/manager/calls/new", "/manager/calls", {
      title: "Out of range", opensAt: "1900-01-01T00:00", closesAt: "9999-12-31T23:59", total: "1000", type_1: "on", completion_1: "-5",
      [`ceiling_partner_${partner.id}`]: "5000",
    });
    expect(res.status).to.equal(422);
    const besides = (id: string) => defined(new RegExp(`id="${id}-error"[^>]*>([^<]*)`).exec(res.text), id)[1] as string;
    expect(besides("f-completion_1")).to.equal("Enter a whole number of days between 1 and 3650.");
    expect(besides(`f-ceiling_partner_${partner.id}`)).to.match(new RegExp(`^The ceiling for ${partner.short_name} \\(.+\\) \\(EUR 5,000\\.00\\) cannot be more than the total budget of the call \\(EUR 1,000\\.00\\)\\.$`));
    expect(res.text).to.match(/id="f-completion_1"[^>]*aria-invalid="true"/);
    expect(res.text.match(/Enter a moment between 1 January 1990 and 31 December 2100\./g)).to.have.length.of.at.least(2);
    expect(Number(defined((await db("calls").count({ n: "*" }))[0]).n)).to.equal(before);
  });

  it("shows the review queue of the own region only, and a Danish manager gets 404 for a Dutch application", async () => {
    const callId = await seedCall(db, clock.now);
    const dk = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    const nl = await insertSubmitted(db, { email: "brabant@demo.test", callId, type: "IN" });
    const queue = await manager.get("/manager");
    expect(queue.text).to.include(`/manager/applications/${dk}"`).and.not.include(`/manager/applications/${nl}"`);
    expect((await manager.get(`/manager/applications/${nl}`)).status).to.equal(404);
    const res = await postForm(manager, "/manager", `/manager/applications/${nl}/approve`, {});
    expect(res.status).to.equal(404);
    expect(await state(nl)).to.equal("submitted");
    expect((await managerNl.get(`/manager/applications/${nl}`)).status).to.equal(200);
  });

  it("approves a fixed-amount voucher: state, deadlines, ledger commit, award letter, audit; the call page moves", async () => {
    const callId = await seedCall(db, clock.now, { totalCents: 1_000_000 });
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    const detail = await manager.get(`/manager/applications/${id}`);
    expect(detail.status).to.equal(200);
    expect(detail.text).to.include("R6").and.include("De minimis");
    // Nordic declared EUR 45,000 on 2025-03-14, inside the three years before 2027-03-01.
    expect(detail.text).to.match(/last three years[^<]*<strong>EUR\s45,000.00<\/strong>/);
    const res = await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, {});
    expect(res.status, res.text).to.equal(303);
    const row = defined(await db("applications").where({ id }).first(), "row");
    expect(row.state).to.equal("approved");
    expect(Number(row.approved_cents)).to.equal(400_000);
    expect(row.approved_on).to.equal("2027-03-01");
    expect(row.completion_deadline).to.be.a("string");
    await lettersWritten(db);
    expect(await db("award_letters").where({ application_id: id }).first()).to.not.equal(undefined);
    expect((await manager.get(`/manager/applications/${id}`)).text).to.include(`/applications/${id}/award-letter.pdf`);
    const total = (await readCeilings(db, callId)).find((c) => c.key === "total")!;
    expect(total.committedCents).to.equal(400_000);
    await ledgerOk(callId);
    expect(await db("audit_events").where({ entity_type: "application", entity_id: String(id), action: "application.approve" }).first()).to.not.equal(undefined);
    const page = await manager.get(`/manager/calls/${callId}`);
    expect(page.text).to.include("4,000.00").and.include("6,000.00").and.include("agrees with the ledger to the cent");
  });

  it("refuses to approve an activity that ends after the completion deadline the approval would set (R12), and says which dates", async () => {
    const callId = await seedCall(db, clock.now);
    // Insight: completed within 180 days of the approval on 1 March 2027, so by 28 August 2027.
    const late = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN", activityStart: "2027-08-29" });
    const page = (await manager.get(`/manager/applications/${late}`)).text;
    expect(page).to.include("after the completion deadline");
    const refused = await postForm(manager, `/manager/applications/${late}`, `/manager/applications/${late}/approve`, {});
    expect(refused.status).to.equal(422);
    expect(refused.text).to.include("29 August 2027").and.include("28 August 2027").and.include("R12");
    expect(await state(late)).to.equal("submitted");
    expect(await db("ledger_entries").where({ application_id: late }).first()).to.equal(undefined);
    const inTime = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "IN", activityStart: "2027-08-28" });
    expect((await postForm(manager, `/manager/applications/${inTime}`, `/manager/applications/${inTime}/approve`, {})).status).to.equal(303);
  });

  it("approves a Meet & Greet at a lower amount and refuses one above the requested amount", async () => {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "MG", requestedCents: 42_000 });
    const above = await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, { amount: "450.00" });
    expect(above.status).to.equal(422);
    expect(above.text).to.include("more than the");
    const ok = await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, { amount: "400,00" });
    expect(ok.status, ok.text).to.equal(303);
    expect(Number(defined(await db("applications").where({ id }).first()).approved_cents)).to.equal(40_000);
  });

  it("a draft of the same type does not block the approval, a second submitted one of the same type in the call does (R10)", async () => {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    const other = await insertDraft(db, { email: "sme@demo.test", callId, type: "IN" });
    expect((await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, {})).status).to.equal(303);
    // Two submitted Insights of one company in one call cannot arise through the services (the
    // submission refuses the second); written directly to prove the approval checks R10 again.
    await db("applications").where({ id: other }).update({ state: "submitted" });
    const res = await postForm(manager, `/manager/applications/${other}`, `/manager/applications/${other}/approve`, {});
    expect(res.status).to.equal(422);
    expect(res.text).to.include("R10");
  });

  it("shows on the application's page, before any decision, the other voucher (R10) and the de minimis aid (R9) that stop an approval", async () => {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    const notMet = async () => [...(await manager.get(`/manager/applications/${id}`)).text.matchAll(/<span class="tag fail">[^<]*\((R\d+)\)/g)].map((m) => m[1]);
    expect(await notMet()).to.not.include("R10").and.not.include("R9");
    // Written directly, as above: the submission refuses a second Insight of the company in the call.
    const other = await insertDraft(db, { email: "sme@demo.test", callId, type: "IN" });
    await db("applications").where({ id: other }).update({ state: "submitted" });
    const company = defined(await db("applications").where({ id }).first("company_id")).company_id;
    await db("de_minimis_declarations").insert({
      company_id: company, granting_body: "Regional development fund", granted_on: "2026-06-01", amount_cents: 29_900_000, declared_at: "2027-01-10T10:00:00.000Z",
    });
    expect(await notMet()).to.include("R10").and.include("R9");
  });

  it("refuses a Meet & Greet whose activity starts on the day of approval (R11)", async () => {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "MG", requestedCents: 30_000, activityStart: "2027-03-01" });
    const res = await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, {});
    expect(res.status).to.equal(422);
    expect(res.text).to.include("R11");
    expect(await state(id)).to.equal("submitted");
    expect(await db("ledger_entries").where({ application_id: id }).first()).to.equal(undefined);
  });

  it("refuses an approval over the budget naming the ceiling and shortfall, offers the reserve list, and offers it again after a cancellation", async () => {
    const callId = await seedCall(db, clock.now, { totalCents: 500_000 });
    const first = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN", submittedAt: "2027-02-10T10:00:00.000Z" });
    const second = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "IN", submittedAt: "2027-02-11T10:00:00.000Z" });
    expect((await postForm(manager, `/manager/applications/${first}`, `/manager/applications/${first}/approve`, {})).status).to.equal(303);
    const refused = await postForm(manager, `/manager/applications/${second}`, `/manager/applications/${second}/approve`, {});
    expect(refused.status).to.equal(409);
    expect(refused.text).to.include("Total budget").and.include("short by").and.include("Put on the reserve list");
    expect(await state(second)).to.equal("submitted");
    expect((await postForm(manager, `/manager/applications/${second}`, `/manager/applications/${second}/reserve`, {})).status).to.equal(303);
    expect(await state(second)).to.equal("reserve-listed");
    let page = await manager.get(`/manager/calls/${callId}`);
    expect(page.text).to.include("Does not fit yet");

    const noReason = await postForm(manager, `/manager/applications/${first}`, `/manager/applications/${first}/cancel`, { cancelReason: "" });
    expect(noReason.status).to.equal(422);
    const cancelled = await postForm(manager, `/manager/applications/${first}`, `/manager/applications/${first}/cancel`, { cancelReason: "Company withdrew" });
    expect(cancelled.status, cancelled.text).to.equal(303);
    expect((await manager.get(defined(cancelled.headers.location))).text).to.include("the earliest application on the reserve list that fits, can now be approved");
    expect(await state(first)).to.equal("cancelled");
    const total = (await readCeilings(db, callId)).find((c) => c.key === "total")!;
    expect(total.releasedCents).to.equal(400_000);
    await ledgerOk(callId);
    page = await manager.get(`/manager/calls/${callId}`);
    expect(page.text).to.include("the earliest that fits, next to approve");
    expect((await postForm(manager, `/manager/applications/${second}`, `/manager/applications/${second}/approve`, {})).status).to.equal(303);
    expect(await state(second)).to.equal("approved");
    await ledgerOk(callId);
  });

  it("rejects with a free-text reason or a template, and refuses a rejection without reason", async () => {
    const callId = await seedCall(db, clock.now);
    const a = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    const b = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "IN" });
    const none = await postForm(manager, `/manager/applications/${a}`, `/manager/applications/${a}/reject`, { reason: "" });
    expect(none.status).to.equal(422);
    expect((await postForm(manager, `/manager/applications/${a}`, `/manager/applications/${a}/reject`, { reason: "Not innovative" })).status).to.equal(303);
    expect(defined(await db("applications").where({ id: a }).first()).decision_reason).to.equal("Not innovative");
    const [tid] = await db("rejection_templates").insert({ title: "Same region", text: "The counterpart is in your own region." }).returning("id");
    const t = typeof tid === "object" ? tid.id : tid;
    expect((await postForm(manager, `/manager/applications/${b}`, `/manager/applications/${b}/reject`, { templateId: String(t), reason: "" })).status).to.equal(303);
    expect(defined(await db("applications").where({ id: b }).first()).decision_reason).to.equal("The counterpart is in your own region.");
    // A decided application cannot be decided again.
    expect((await postForm(manager, `/manager/applications/${a}`, `/manager/applications/${a}/approve`, {})).status).to.equal(409);
  });

  it("requests more information with a message", async () => {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    expect((await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/request-info`, { message: "" })).status).to.equal(422);
    expect((await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/request-info`, { message: "Add the agenda" })).status).to.equal(303);
    const row = defined(await db("applications").where({ id }).first(), "row");
    expect(row.state).to.equal("more-info-requested");
    expect(row.decision_reason).to.equal("Add the agenda");
  });

  it("enforces a conflict of interest: the declaring manager cannot decide, the manager it is handed to or an admin can, other regions cannot see it", async () => {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    const b = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "IN" });
    const declared = await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/conflict`, { conflictReason: "My brother works there" });
    expect(declared.status).to.equal(303);
    expect((await manager.get(defined(declared.headers.location))).text).to.include("handed to Karen Dahl");
    expect(await db("audit_events").where({ action: "application.conflict-declared", entity_id: String(id) }).first()).to.not.equal(undefined);
    const refused = await postForm(manager, `/manager`, `/manager/applications/${id}/approve`, {});
    expect(refused.status).to.equal(403);
    expect(refused.text).to.include("conflict of interest").and.include("handed to Karen Dahl");
    expect(await state(id)).to.equal("submitted");
    // A manager of another region's budget can neither see nor decide it.
    expect((await managerNl.get(`/manager/applications/${id}`)).status).to.equal(404);
    expect((await postForm(managerNl, `/manager`, `/manager/applications/${id}/approve`, {})).status).to.equal(404);
    expect(await state(id)).to.equal("submitted");
    expect((await postForm(manager2, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, {})).status).to.equal(303);
    expect(await state(id)).to.equal("approved");
    expect((await postForm(manager, `/manager/applications/${b}`, `/manager/applications/${b}/conflict`, { conflictReason: "Former employer" })).status).to.equal(303);
    expect((await postForm(admin, `/manager/applications/${b}`, `/manager/applications/${b}/reject`, { reason: "Out of scope" })).status).to.equal(303);
  });

  it("hands an application to another manager of the same partner after a conflict of interest, and shows to whom", async () => {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/conflict`, { conflictReason: "Board member" });
    const queue = await manager2.get("/manager");
    expect(queue.text).to.include("Handed to you after another manager's conflict of interest").and.include(`/manager/applications/${id}"`);
    expect((await managerNl.get("/manager")).text).to.not.include(`/manager/applications/${id}"`);
    const page = await manager2.get(`/manager/applications/${id}`);
    expect(page.text).to.include("Board member").and.include("Handed to <strong>Karen Dahl</strong>");
    const row = defined(await db("conflicts_of_interest").where({ application_id: id }).first(), "row");
    expect(Number(row.handed_to_user_id)).to.equal(Number(defined(await db("users").where({ email: "manager2@demo.test" }).first("id")).id));
    expect((await postForm(manager2, `/manager/applications/${id}`, `/manager/applications/${id}/reject`, { reason: "Out of scope" })).status).to.equal(303);
  });

  it("hands an application to an administrator when the partner has no other manager; never to another region's manager", async () => {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "brabant@demo.test", callId, type: "IN", counterpartRegion: "DK" });
    await postForm(managerNl, `/manager/applications/${id}`, `/manager/applications/${id}/conflict`, { conflictReason: "Shareholder" });
    const row = defined(await db("conflicts_of_interest").where({ application_id: id }).first(), "row");
    expect(Number(row.handed_to_user_id)).to.equal(Number(defined(await db("users").where({ email: "admin@demo.test" }).first("id")).id));
    expect((await admin.get("/manager")).text).to.include("Handed to you after another manager's conflict of interest").and.include(`/manager/applications/${id}"`);
    for (const other of [manager, manager2]) {
      expect((await other.get("/manager")).text).to.not.include(`/manager/applications/${id}"`);
      expect((await other.get(`/manager/applications/${id}`)).status).to.equal(404);
    }
    expect((await postForm(managerNl, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, {})).status).to.equal(403);
    expect((await postForm(admin, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, {})).status).to.equal(303);
    expect(await state(id)).to.equal("approved");
  });

  it("managers edit the rejection reasons and use them", async () => {
    expect((await postForm(manager, "/manager/rejection-templates", "/manager/rejection-templates", { title: "", text: "" })).status).to.equal(422);
    expect((await postForm(manager, "/manager/rejection-templates", "/manager/rejection-templates", { title: "Budget", text: "The call's budget is exhausted." })).status).to.equal(303);
    const t = defined(await db("rejection_templates").where({ title: "Budget" }).first(), "t");
    expect((await postForm(manager, "/manager/rejection-templates", "/manager/rejection-templates", { id: String(t.id), title: "Budget", text: "The budget of this call is exhausted." })).status).to.equal(303);
    expect(defined(await db("rejection_templates").where({ id: t.id }).first()).text).to.equal("The budget of this call is exhausted.");
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    expect((await manager.get(`/manager/applications/${id}`)).text).to.include(">Budget</option>");
  });
});
}
