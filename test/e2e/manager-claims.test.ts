import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { approve } from "../../server/services/review/decisions";
import { type Agent, csrfFrom, postForm, signIn } from "../support/app";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail } from "../support/fixtures";
import { acceptVoucher, insertClaim, insertSubmitted, seedCall, startManagerWorld } from "../support/journey";
import { defined } from "../support/defined";

for (const engine of testDatabases()) {
describe(`manager journey: claim verification (e2e, ${engine.name})`, function () {
  this.timeout(120000);
  let db: Db;
  let app: Express;
  let clock: TestClock;
  let manager: Agent;

  beforeEach(async () => {
    ({ db, clock, app } = await startManagerWorld(engine));
    manager = await signIn(app, "manager@demo.test");
  });
  afterEach(() => db.destroy());

  async function approvedWithClaim(type: "MG" | "IN", email = "sme@demo.test") {
    const callId = await seedCall(db, clock.now);
    const id = await insertSubmitted(db, { email, callId, type, requestedCents: type === "MG" ? 50_000 : undefined });
    await (await approve(testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now), id, {})).letterWritten;
    const claimId = await insertClaim(db, id, [
      { incurredOn: "2027-04-10", currency: "EUR", originalMinor: 20_000, description: "Flight" },
      { incurredOn: "2027-04-11", currency: "DKK", originalMinor: 200_000, description: "Hotel in Copenhagen" },
    ]);
    // The claim form refuses a cost before the approval; written directly to prove the manager's
    // verification checks the dates again.
    await db("claim_cost_lines").insert({ claim_id: claimId, incurred_on: "2027-02-20", description: "Taxi before approval", currency: "EUR", original_minor: 5_000 });
    clock.set("2027-05-02T10:00:00Z");
    const lines = await db("claim_cost_lines").where({ claim_id: claimId }).orderBy("id").pluck("id");
    return { id, claimId, lines: lines.map(Number) };
  }

  async function financeRate(currency: string, month: string, rate: string) {
    const finance = await signIn(app, "finance@demo.test");
    const res = await postForm(finance, "/finance/rates", "/finance/rates", { currency, month, rate });
    expect(res.status, res.text).to.equal(303);
  }

  it("lists the region's claims, converts a foreign line at finance's rate for the claim's month (R2), pays actual costs up to the award (R14)", async () => {
    const { id, claimId, lines: [eur, dkk, early] } = await approvedWithClaim("MG");
    expect((await manager.get("/manager/claims")).text).to.include(`/manager/claims/${claimId}"`);
    // The claim was submitted in May 2027; April's rate and a wrong first May rate must not be used.
    await financeRate("DKK", "2027-04", "7.5000");
    await financeRate("DKK", "2027-05", "7.0000");
    await financeRate("DKK", "2027-05", "7,4604");
    const page = `/manager/claims/${claimId}`;
    const fields = {
      // A rate and month typed into the form are not read: the manager does not choose the rate.
      [`eligible_${eur}`]: "yes", [`eligible_${dkk}`]: "yes", [`rate_${dkk}`]: "1", [`month_${dkk}`]: "2099-01",
      [`eligible_${early}`]: "no", [`reason_${early}`]: "Before the approval (R11)",
    };
    const preview = await postForm(manager, page, `${page}/verify`, { ...fields, intent: "preview" });
    expect(preview.status).to.equal(200);
    // 2000.00 DKK / 7.4604 = 268.0821... -> EUR 268.08; 200.00 + 268.08 = 468.08 <= 500.00
    expect(preview.text).to.include("268.08").and.include("468.08");
    expect(defined(await db("claims").where({ id: claimId }).first()).status).to.equal("submitted");

    const res = await postForm(manager, page, `${page}/verify`, { ...fields, intent: "verify" });
    expect(res.status, res.text).to.equal(303);
    const claim = defined(await db("claims").where({ id: claimId }).first(), "claim");
    expect(claim.status).to.equal("verified");
    expect(Number(claim.payable_cents)).to.equal(46_808);
    expect(claim.payable_explanation).to.include("R14");
    const line = defined(await db("claim_cost_lines").where({ id: dkk }).first(), "line");
    expect([line.rate, line.rate_month, Number(line.eur_cents), Number(line.original_minor)]).to.deep.equal(["7.4604", "2027-05", 26_808, 200_000]);
    // A later correction of the month's rate does not change a verified claim.
    await financeRate("DKK", "2027-05", "7.4700");
    expect(defined(await db("claim_cost_lines").where({ id: dkk }).first()).rate).to.equal("7.4604");
    expect((await manager.get(page)).text).to.include("7.4604 DKK per EUR, 2027-05");
    expect(!!defined(await db("claim_cost_lines").where({ id: early }).first()).eligible).to.equal(false);
    expect(defined(await db("applications").where({ id }).first()).state).to.equal("claim-verified");
  });

  it("offers the rule as the reason for a cost before the approval, in the manager's language, and keeps what the manager sends (R11)", async () => {
    const { claimId, lines: [eur, dkk, early] } = await approvedWithClaim("MG");
    await financeRate("DKK", "2027-05", "7.4604");
    const page = `/manager/claims/${claimId}`;
    const reasonOf = (html: string) => new RegExp(`name="reason_${String(early)}" value="([^"]*)"`).exec(html)?.[1] ?? "";
    expect(reasonOf((await manager.get(page)).text)).to.equal("Cost dated 20 February 2027, before the approval on 1 March 2027; costs before the approval are not eligible (R11).");
    const french = reasonOf((await manager.get(page).set("Accept-Language", "fr")).text);
    expect(french).to.match(/^Poste de coût daté du 20 février 2027, avant l&#x27;approbation du 1er mars 2027/);
    const res = await postForm(manager, page, `${page}/verify`, {
      [`eligible_${eur}`]: "yes", [`eligible_${dkk}`]: "yes", [`eligible_${String(early)}`]: "no", [`reason_${String(early)}`]: "Taxi before the approval", intent: "verify",
    });
    expect(res.status).to.equal(303);
    expect(defined(await db("claim_cost_lines").where({ id: early }).first()).ineligible_reason).to.equal("Taxi before the approval");
  });

  it("refuses verification while finance has no rate for the claim's month, with an ineligible line without reason, or with a cost before the approval marked eligible", async () => {
    const { claimId, lines: [eur, dkk, early] } = await approvedWithClaim("MG");
    const page = `/manager/claims/${claimId}`;
    const base = { [`eligible_${eur}`]: "yes", [`eligible_${dkk}`]: "yes", [`rate_${dkk}`]: "7.4604", [`month_${dkk}`]: "2027-05", [`eligible_${early}`]: "no", [`reason_${early}`]: "Too early", intent: "verify" };
    await financeRate("DKK", "2027-04", "7.4604");
    expect((await manager.get(page)).text).to.include("No EUR/DKK rate for 2027-05: ask finance to enter it");
    const noRate = await postForm(manager, page, `${page}/verify`, base);
    expect(noRate.status).to.equal(422);
    expect(noRate.text).to.include("No EUR/DKK rate for 2027-05: ask finance to enter it");
    expect(defined(await db("claim_cost_lines").where({ id: dkk }).first()).rate).to.equal(null);
    await financeRate("DKK", "2027-05", "7.4604");
    const noReason = await postForm(manager, page, `${page}/verify`, { ...base, [`reason_${early}`]: "" });
    expect(noReason.status).to.equal(422);
    const earlyEligible = await postForm(manager, page, `${page}/verify`, { ...base, [`eligible_${early}`]: "yes" });
    expect(earlyEligible.status).to.equal(422);
    expect(earlyEligible.text).to.include("R11");
    expect(defined(await db("claims").where({ id: claimId }).first()).status).to.equal("submitted");
  });

  it("a Meet & Greet claim with no eligible cost is not verified at EUR 0: the manager is told to reject it, and nothing is written (R4, R12)", async () => {
    const { id, claimId, lines } = await approvedWithClaim("MG");
    await financeRate("DKK", "2027-05", "7.4604");
    const page = `/manager/claims/${claimId}`;
    const fields: Record<string, string> = { intent: "verify" };
    for (const l of lines) { fields[`eligible_${l}`] = "no"; fields[`reason_${l}`] = "No receipt"; }
    const audited = await db("audit_events").count<{ n: number | string }[]>({ n: "*" });
    const res = await postForm(manager, page, `${page}/verify`, fields);
    expect(res.status).to.equal(422);
    expect(res.text).to.include("Reject the claim with your reason instead");
    // What the manager chose is kept on the page.
    expect(res.text).to.include("No receipt");
    expect(defined(await db("claims").where({ id: claimId }).first()).status).to.equal("submitted");
    expect(defined(await db("applications").where({ id }).first()).state).to.equal("claim-submitted");
    expect(await db("claim_cost_lines").where({ claim_id: claimId }).whereNotNull("eligible").count<{ n: number | string }[]>({ n: "*" })).to.deep.equal([{ n: engine.name === "postgres" ? "0" : 0 }]);
    expect(await db("audit_events").count<{ n: number | string }[]>({ n: "*" })).to.deep.equal(audited);
    // Rejected instead, the company may claim again.
    const rejected = await postForm(manager, page, `${page}/reject`, { rejectReason: "No receipts for any cost." });
    expect(rejected.status, rejected.text).to.equal(303);
    expect(defined(await db("applications").where({ id }).first()).state).to.equal("claim-rejected");
  });

  it("a rate finance corrects while the manager's page is open is not used unseen: the verification is refused with the new amount, then made on the new figures (R2)", async () => {
    const { claimId, lines: [eur, dkk, early] } = await approvedWithClaim("MG");
    await financeRate("DKK", "2027-05", "7.4604");
    const page = `/manager/claims/${claimId}`;
    const shown = /name="ratesShown" value="([^"]*)"/.exec((await manager.get(page)).text)![1]!;
    expect(shown).to.equal(`${dkk}:7.4604`);
    await financeRate("DKK", "2027-05", "8,0000");
    const fields = { [`eligible_${eur}`]: "yes", [`eligible_${dkk}`]: "yes", [`eligible_${early}`]: "no", [`reason_${early}`]: "Too early", intent: "verify" };
    const refused = await postForm(manager, page, `${page}/verify`, { ...fields, ratesShown: shown });
    expect(refused.status).to.equal(409);
    // 2000.00 DKK / 8.0000 = EUR 250.00; with EUR 200.00: 450.00.
    expect(refused.text).to.include("the payable amount is now EUR 450.00").and.include(`name="ratesShown" value="${dkk}:8.0000"`);
    expect(defined(await db("claims").where({ id: claimId }).first()).status).to.equal("submitted");
    const again = await postForm(manager, page, `${page}/verify`, { ...fields, ratesShown: `${dkk}:8.0000` });
    expect(again.status, again.text.slice(0, 300)).to.equal(303);
    expect(Number(defined(await db("claims").where({ id: claimId }).first()).payable_cents)).to.equal(45_000);
  });

  it("rejecting a claim after the claim deadline ends the voucher: the manager is warned first, the e-mail does not invite a new claim (R12)", async () => {
    const { id, claimId } = await approvedWithClaim("IN");
    const page = `/manager/claims/${claimId}`;
    expect((await manager.get(page)).text).to.not.include('id="reject-ends-voucher"');
    const deadline = defined(await db("applications").where({ id }).first("claim_deadline")).claim_deadline!;
    // The day after the claim deadline, the claim made in time is still undecided.
    clock.set(`${new Date(Date.parse(`${deadline}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10)}T10:00:00Z`);
    const warned = (await manager.get(page)).text;
    expect(warned).to.include('id="reject-ends-voucher"').and.include("the company cannot claim again");
    expect((await postForm(manager, page, `${page}/reject`, { rejectReason: "The report does not describe the activity." })).status).to.equal(303);
    const mail = defined(await db("emails").where({ template: "claim-rejected" }).orderBy("id", "desc").first(), "mail");
    // In the Danish company's language.
    expect(mail.body_text).to.include("er overskredet, så anmodningen kan ikke indsendes igen").and.not.include("Du kan rette anmodningen");
  });

  it("a claim rejected before the claim deadline invites a corrected claim", async () => {
    const { claimId } = await approvedWithClaim("IN");
    const page = `/manager/claims/${claimId}`;
    expect((await postForm(manager, page, `${page}/reject`, { rejectReason: "Add the report's attachments." })).status).to.equal(303);
    const mail = defined(await db("emails").where({ template: "claim-rejected" }).orderBy("id", "desc").first(), "mail");
    expect(mail.body_text).to.include("Du kan rette anmodningen og indsende den igen").and.not.include("kan ikke indsendes igen");
  });

  it("a lump-sum claim needs the report, not cost lines (R14); an actual-costs claim needs at least one line", async () => {
    const callId = await seedCall(db, clock.now);
    const insight = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    const meet = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "MG", requestedCents: 50_000 });
    const approver = testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now);
    for (const id of [insight, meet]) {
      await (await approve(approver, id, {})).letterWritten;
      await acceptVoucher(db, id, "2027-03-02T10:00:00.000Z");
    }
    clock.set("2027-05-01T10:00:00Z");
    const claimWithoutLines = async (email: string, id: number) => {
      const sme = await signIn(app, email);
      const form = (await sme.get(`/applications/${id}/claim`).expect(200)).text;
      return { form, res: await sme.post(`/applications/${id}/claim`).field("_csrf", csrfFrom(form)).field("report", "We met three institutes.") };
    };
    const mg = await claimWithoutLines("oresund@demo.test", meet);
    expect(mg.form).to.not.include("pays the fixed award");
    expect(mg.res.status).to.equal(422);
    expect(mg.res.text).to.include("Enter at least one cost line.");
    expect(await db("claims").where({ application_id: meet }).first()).to.equal(undefined);

    const lump = await claimWithoutLines("sme@demo.test", insight);
    expect(lump.form).to.include("The Insight voucher pays the fixed award of EUR 4,000.00 on a verified report (R14)");
    expect(lump.res.status, lump.res.text.slice(0, 500)).to.equal(303);
    const claim = defined(await db("claims").where({ application_id: insight }).first(), "claim");
    expect(await db("claim_cost_lines").where({ claim_id: claim.id }).first()).to.equal(undefined);
    const page = `/manager/claims/${claim.id}`;
    await manager.get(page).expect(200);
    await (await signIn(app, "sme@demo.test")).get(`/applications/${insight}`).expect(200);
    expect((await postForm(manager, page, `${page}/verify`, { intent: "verify" })).status).to.equal(303);
    expect(Number(defined(await db("claims").where({ id: claim.id }).first()).payable_cents)).to.equal(400_000);
  });

  it("pays the fixed amount of a lump-sum voucher on a verified report", async () => {
    const { claimId, lines } = await approvedWithClaim("IN");
    const page = `/manager/claims/${claimId}`;
    const fields: Record<string, string> = { intent: "verify" };
    for (const l of lines) { fields[`eligible_${l}`] = "no"; fields[`reason_${l}`] = "Not needed for a lump sum"; }
    expect((await postForm(manager, page, `${page}/verify`, fields)).status).to.equal(303);
    expect(Number(defined(await db("claims").where({ id: claimId }).first()).payable_cents)).to.equal(400_000);
  });

  it("shows the activity period, the report and each cost line against the approval day and the claim day (R11)", async () => {
    const { claimId, lines: [eur, dkk, early] } = await approvedWithClaim("MG");
    await db("claim_cost_lines").insert({ claim_id: claimId, incurred_on: "2027-05-03", description: "Taxi after the claim", currency: "EUR", original_minor: 3_000 });
    const late = Number(defined(await db("claim_cost_lines").where({ claim_id: claimId, incurred_on: "2027-05-03" }).first("id")).id);
    const page = (await manager.get(`/manager/claims/${claimId}`).expect(200)).text;
    const dates = /<dl class="summary" id="claim-dates">([\s\S]*?)<\/dl>/.exec(page)![1];
    expect(dates).to.include("Activity period</dt><dd>10 Apr 2027 to 12 Apr 2027");
    expect(dates).to.include("Costs count</dt><dd>from 1 Mar 2027 to 1 May 2027");
    expect(page).to.include("We met three institutes.");
    const row = (id: number) => new RegExp(`<tr>[\\s\\S]*?name="eligible_${id}"`).exec(page)![0].split("<tr>").pop()!;
    expect(row(defined(eur))).to.include("within the dates");
    expect(row(defined(early))).to.include("before the approval");
    expect(row(late)).to.include("after the claim day");
    // Marking the late line eligible is refused; it is not counted in any case.
    const res = await postForm(manager, `/manager/claims/${claimId}`, `/manager/claims/${claimId}/verify`, {
      [`eligible_${eur}`]: "yes", [`eligible_${dkk}`]: "no", [`reason_${dkk}`]: "No invoice", [`eligible_${early}`]: "no", [`reason_${early}`]: "Too early",
      [`eligible_${late}`]: "yes", intent: "verify",
    });
    expect(res.status).to.equal(422);
    expect(res.text).to.include("after the day of the claim (1 May 2027)");
    expect(defined(await db("claims").where({ id: claimId }).first()).status).to.equal("submitted");
  });

  it("rejects a claim with a reason", async () => {
    const { id, claimId } = await approvedWithClaim("MG");
    const page = `/manager/claims/${claimId}`;
    expect((await postForm(manager, page, `${page}/reject`, { rejectReason: "" })).status).to.equal(422);
    expect((await postForm(manager, page, `${page}/reject`, { rejectReason: "No tickets attached" })).status).to.equal(303);
    expect(defined(await db("claims").where({ id: claimId }).first()).status).to.equal("rejected");
    expect(defined(await db("applications").where({ id }).first()).state).to.equal("claim-rejected");
  });

  it("a manager with a conflict of interest cannot verify; another manager can; another region gets 404", async () => {
    const { id, claimId, lines: [eur, dkk, early] } = await approvedWithClaim("MG");
    await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/conflict`, { conflictReason: "Shareholder" });
    const fields = { [`eligible_${eur}`]: "yes", [`eligible_${dkk}`]: "no", [`reason_${dkk}`]: "No invoice", [`eligible_${early}`]: "no", [`reason_${early}`]: "Too early", intent: "verify" };
    const page = `/manager/claims/${claimId}`;
    const refused = await postForm(manager, page, `${page}/verify`, fields);
    expect(refused.status).to.equal(403);
    expect(refused.text).to.include("conflict of interest");
    const nl = await signIn(app, "manager.nl@demo.test");
    // The conflict hands the claim to the other manager of the same partner, not to other regions.
    expect((await nl.get(page)).status).to.equal(404);
    clock.set("2027-03-01T10:00:00Z");
    const other = await approvedWithClaim("IN", "oresund@demo.test");
    expect((await nl.get(`/manager/claims/${other.claimId}`)).status).to.equal(404);
    const manager2 = await signIn(app, "manager2@demo.test");
    expect((await postForm(manager2, page, `${page}/verify`, fields)).status).to.equal(303);
    expect(Number(defined(await db("claims").where({ id: claimId }).first()).payable_cents)).to.equal(20_000);
  });
});
}
