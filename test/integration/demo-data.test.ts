import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { verifyLedgerTotals } from "../../server/services/budget";
import { buildApp, signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";

for (const engine of testDatabases()) {
  describe(`demo data (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    before(async () => {
      db = await engine.create();
      await seedDemoData(db, () => new Date(), { activity: true });
    });
    after(() => db.destroy());

    const statesOf = async (email: string) => {
      const user = await db("users").where({ email }).first("company_id");
      return (await db("applications").where({ company_id: user.company_id }).select("state")).map((r) => r.state as string);
    };

    it("gives the demo applicant a draft, a submitted, an approved and a paid application", async () => {
      expect(await statesOf("sme@demo.test")).to.include.members(["draft", "submitted", "approved", "paid"]);
    });

    it("gives the demo manager's region decisions to take, a claim to verify and a directory in all eight regions", async () => {
      const manager = await db("users").where({ email: "manager@demo.test" }).first("partner_id");
      const states = (await db("applications").where({ partner_id: manager.partner_id }).select("state")).map((r) => r.state);
      expect(states.filter((s) => s === "submitted").length).to.be.at.least(2);
      expect(states).to.include("claim-submitted");
      const regions = await db("directory_organisations").distinct("region_id");
      expect(regions).to.have.length(8);
    });

    it("gives finance a verified claim to pay and paid ones, and a ledger that agrees with the running totals", async () => {
      expect((await db("applications").where({ state: "claim-verified" })).length).to.be.at.least(1);
      expect((await db("payments")).length).to.be.at.least(1);
      for (const call of await db("calls").select("id")) {
        for (const check of await verifyLedgerTotals(db, Number(call.id))) expect(check.ok, check.key).to.equal(true);
      }
    });

    it("has issued a letter for every awarded application, which the demo applicant can download at once", async () => {
      const awarded = await db("applications").whereIn("state", ["approved", "accepted", "claim-submitted", "claim-verified", "paid"]).select("id");
      const letters = await db("award_letters").whereIn("application_id", awarded.map((a) => a.id)).select("application_id");
      expect(letters).to.have.length(awarded.length);
      const own = await db("applications as a").join("users as u", "u.company_id", "a.company_id").where("u.email", "sme@demo.test").where("a.state", "approved").first("a.id");
      const agent = await signIn(buildApp(db), "sme@demo.test");
      const res = await agent.get(`/applications/${own.id}/award-letter.pdf`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => cb(null, Buffer.concat(chunks)));
      });
      expect(res.status).to.equal(200);
      expect(res.headers["content-type"]).to.equal("application/pdf");
      expect((res.body as Buffer).subarray(0, 5).toString()).to.equal("%PDF-");
    });

    it("has a reserve list with an earlier application that does not fit and a later one that is offered, and a conflict handed over", async () => {
      const { callBudget } = await import("../../server/services/calls");
      const { testContext } = await import("../support/db");
      const call = await db("calls").where({ title: "Pilot call for cross-border insight" }).first("id");
      const admin = await db("users").where({ email: "admin@demo.test" }).first("id");
      const { loadActor } = await import("../../server/services/users");
      const budget = await callBudget(testContext(db, await loadActor(db, Number(admin.id))), Number(call.id));
      expect(budget.reserve.map((r) => [r.companyName, r.fits, r.offered])).to.deep.equal([
        ["Hillerød Cell Devices ApS", false, false], ["Brabant Diagnostics B.V.", true, true],
      ]);
      const handover = await db("conflicts_of_interest as c").join("users as u", "u.id", "c.handed_to_user_id").first("u.email");
      expect(handover.email).to.equal("manager2@demo.test");
    });

    it("is only loaded into an empty database", async () => {
      const { seedDemoIfEmpty } = await import("../../db/seeds/demo");
      const { testConfig } = await import("../support/db");
      const before = (await db("applications")).length;
      expect(await seedDemoIfEmpty(db, testConfig())).to.equal(false);
      expect((await db("applications")).length).to.equal(before);
    });
  });
}
