import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { buildApp, signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";

describe("drafts stay with the company until submitted", function () {
  this.timeout(60000);
  let db: Db;
  let app: Express;
  let draftId: number;

  before(async () => {
    db = await defined(testDatabases()[0]).create();
    await seedDemoData(db, () => new Date(), { activity: true });
    app = buildApp(db);
    draftId = Number(defined(await db("applications").where({ state: "draft" }).first("id")).id);
  });
  after(() => db.destroy());

  it("the company's applicant sees its draft", async () => {
    const sme = await signIn(app, "sme@demo.test");
    expect((await sme.get(`/applications/${draftId}`)).status).to.equal(200);
  });

  for (const email of ["manager@demo.test", "finance@demo.test", "admin@demo.test"]) {
    it(`${email} gets 404 for the draft, as if it did not exist`, async () => {
      const agent = await signIn(app, email);
      expect((await agent.get(`/applications/${draftId}`)).status).to.equal(404);
      if (email !== "finance@demo.test") expect((await agent.get(`/manager/applications/${draftId}`)).status).to.equal(404);
    });
  }

  it("a submitted application is visible to its region's manager", async () => {
    const manager = await signIn(app, "manager@demo.test");
    const submitted = await db("applications as a").join("partners as p", "p.id", "a.partner_id").join("regions as r", "r.id", "p.region_id")
      .where({ "a.state": "submitted", "r.code": "DK" }).first<{ id: number } | undefined>("a.id");
    expect((await manager.get(`/manager/applications/${defined(submitted).id}`)).status).to.equal(200);
  });
});
