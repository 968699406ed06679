import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { referralKpis } from "../../server/services/directory/directory-queries";
import { type Agent, postForm, signIn } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { insertSubmitted, seedCall, startManagerWorld } from "../support/journey";
import { defined } from "../support/defined";

for (const engine of testDatabases()) {
describe(`directory and brokerage referrals (e2e, ${engine.name})`, function () {
  this.timeout(120000);
  let db: Db;
  let app: Express;
  let clock: TestClock;
  let manager: Agent;
  let sme: Agent;
  const region = async (code: string) => Number(defined(await db("regions").where({ code }).first("id")).id);

  beforeEach(async () => {
    ({ db, clock, app } = await startManagerWorld(engine));
    manager = await signIn(app, "manager@demo.test");
    sme = await signIn(app, "sme@demo.test");
  });
  afterEach(() => db.destroy());

  async function addOrg(name: string, code: string, kind: string, competences: string) {
    const res = await postForm(manager, "/directory/new", "/directory", {
      name, regionId: String(await region(code)), kind, competences, contactName: "Dr. K. Weber", contactEmail: "k.weber@example.de", website: "https://example.de", description: `${name} description`,
    });
    expect(res.status, res.text).to.equal(303);
    return Number(/\/directory\/(\d+)/.exec(defined(res.headers.location))![1]);
  }

  it("managers maintain the directory; everybody signed in searches by text, region, kind and competence", async () => {
    const lab = await addOrg("Tübingen BioLab", "BW", "knowledge-institution", "Enzymes, clinical trials");
    await addOrg("Copenhagen Imaging Facility", "DK", "facility", "imaging");
    const all = await sme.get("/directory");
    expect(all.status).to.equal(200);
    expect(all.text).to.include("Tübingen BioLab").and.include("Copenhagen Imaging Facility");
    const byText = await sme.get("/directory").query({ q: "biolab" });
    expect(byText.text).to.include("Tübingen BioLab").and.not.include("Copenhagen Imaging Facility");
    const byRegion = await sme.get("/directory").query({ region: String(await region("DK")) });
    expect(byRegion.text).to.include("Copenhagen Imaging Facility").and.not.include("Tübingen BioLab");
    expect((await sme.get("/directory").query({ kind: "facility" })).text).to.not.include("Tübingen BioLab");
    expect((await sme.get("/directory").query({ competence: "enzymes" })).text).to.include("Tübingen BioLab").and.not.include("Copenhagen Imaging");
    expect((await sme.get("/directory").query({ competence: "enzyme" })).text).to.not.include("Tübingen BioLab");
    expect((await sme.get("/directory").query({ competence: "Clinical Trials" })).text).to.include("Tübingen BioLab");
    // Several competences typed: all of them, each a whole tag, whatever their order.
    expect((await sme.get("/directory").query({ competence: "clinical trials, enzymes" })).text).to.include("Tübingen BioLab");
    expect((await sme.get("/directory").query({ competence: "enzymes, imaging" })).text).to.not.include("Tübingen BioLab").and.not.include("Copenhagen Imaging Facility");
    expect((await sme.get("/directory").query({ competence: "clinical" })).text).to.not.include("Tübingen BioLab");
    expect((await sme.get("/directory").query({ competence: "%" })).text).to.not.include("Tübingen BioLab");
    const edit = await postForm(manager, `/directory/${lab}/edit`, `/directory/${lab}`, {
      name: "Tübingen BioLab gGmbH", regionId: String(await region("BW")), kind: "knowledge-institution", competences: "enzymes", description: "",
    });
    expect(edit.status).to.equal(303);
    expect(defined(await db("directory_organisations").where({ id: lab }).first()).name).to.equal("Tübingen BioLab gGmbH");
    // The search reads what the last save wrote, accents and letter case aside, % and _ as typed.
    expect((await sme.get("/directory").query({ q: "TUBINGEN biolab ggmbh" })).text).to.include("Tübingen BioLab gGmbH");
    await addOrg("Øresund Peptide Centre", "DK", "facility", "peptides");
    for (const q of ["oresund", "ØRESUND", "øresund peptide"]) expect((await sme.get("/directory").query({ q })).text, q).to.include("Øresund Peptide Centre");
    expect((await sme.get("/directory").query({ q: "%" })).text).to.not.include("Øresund Peptide Centre");
    expect((await postForm(sme, "/directory", "/directory", { name: "X", regionId: "1", kind: "expert" })).status).to.equal(403);
    const bad = await postForm(manager, "/directory/new", "/directory", { name: "X", regionId: String(await region("BW")), kind: "wizard", contactEmail: "nope" });
    expect(bad.status).to.equal(422);
  });

  it("a manager refers an own SME to another region's organisation; the SME sees it; KPIs count referrals that became applications", async () => {
    const lab = await addOrg("Tübingen BioLab", "BW", "knowledge-institution", "enzymes");
    const local = await addOrg("Copenhagen Imaging Facility", "DK", "facility", "imaging");
    const nordic = defined(await db("companies").where({ legal_name: "Nordic Enzyme Labs ApS" }).first("id")).id;
    const brabant = defined(await db("companies").where({ legal_name: "Brabant Diagnostics B.V." }).first("id")).id;
    expect((await postForm(manager, `/directory/${lab}`, `/directory/${lab}/refer`, { companyId: String(brabant), note: "x" })).status).to.equal(422);
    expect((await postForm(manager, `/directory/${local}`, `/directory/${local}/refer`, { companyId: String(nordic), note: "x" })).status).to.equal(422);
    const ok = await postForm(manager, `/directory/${lab}`, `/directory/${lab}/refer`, { companyId: String(nordic), note: "Talk to Dr. Weber about enzymes" });
    expect(ok.status, ok.text).to.equal(303);
    const mine = await sme.get("/directory/referrals");
    expect(mine.text).to.include("Talk to Dr. Weber").and.include("Not yet");
    const other = await signIn(app, "brabant@demo.test");
    expect((await other.get("/directory/referrals")).text).to.not.include("Talk to Dr. Weber");
    expect(await referralKpis(db)).to.deep.equal({ referrals: 1, becameApplications: 0 });

    const callId = await seedCall(db, clock.now);
    const appId = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
    await db("applications").where({ id: appId }).update({ counterpart_org_id: lab });
    expect(await referralKpis(db)).to.deep.equal({ referrals: 1, becameApplications: 1 });
    const page = await manager.get("/directory/referrals");
    expect(page.text).to.include("Referrals that became applications");
    expect((await sme.get("/directory/referrals")).text).to.include("Yes");
  });
});
}
