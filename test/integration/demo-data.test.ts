import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { verifyLedgerTotals } from "../../server/services/finance/budget";
import { ledgerExportRows } from "../../server/services/finance/ledger-queries";
import { paymentQueue } from "../../server/services/finance/payment-queries";
import { buildApp, signIn } from "../support/app";
import { testConfig, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";

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
      const user = defined(await db("users").where({ email }).first("company_id"), "user");
      return (await db("applications").where({ company_id: defined(user.company_id) }).select("state")).map((r) => r.state);
    };

    it("gives the demo applicant a draft, a submitted, an approved and a paid application", async () => {
      expect(await statesOf("sme@demo.test")).to.include.members(["draft", "submitted", "approved", "paid"]);
    });

    it("gives the demo manager's region decisions to take, a claim to verify and a directory in all eight regions", async () => {
      const manager = defined(await db("users").where({ email: "manager@demo.test" }).first("partner_id"), "manager");
      const states = (await db("applications").where({ partner_id: defined(manager.partner_id) }).select("state")).map((r) => r.state);
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

    it("pays a claim with Danish costs, whose original currency the ledger shows, to a Danish account the company confirmed (R2, R15)", async () => {
      const rows = [];
      for await (const r of ledgerExportRows(db, { kind: "payment" })) rows.push(r);
      const dkk = rows.find((r) => r.originalCurrency === "DKK");
      expect(dkk, JSON.stringify(rows)).to.exist;
      expect([dkk!.originalAmount, dkk!.rate]).to.deep.equal(["895.00", "7.4604"]);
      const danish = await db("companies").where({ country: "DK" }).select("iban", "euro_account_confirmed");
      expect(danish.length).to.be.at.least(4);
      for (const c of danish) expect([String(c.iban).slice(0, 2), !!c.euro_account_confirmed]).to.deep.equal(["DK", true]);
      expect((await paymentQueue({ db, config: testConfig(), actor: await actorByEmail(db, "finance@demo.test"), now: () => new Date() })).rows)
        .to.satisfy((q: { ibanProblem: string | null }[]) => q.length > 0 && q.every((i) => i.ibanProblem === null));
      const finance = await signIn(buildApp(db), "finance@demo.test");
      const queue = await finance.get("/finance").expect(200);
      expect(queue.text).to.match(/<code[^>]*>DK8952950012345678<\/code>/).and.include("Outside the euro area; the company confirmed the account receives euros.");
    });

    it("has issued a letter for every awarded application, which the demo applicant can download at once", async () => {
      const awarded = await db("applications").whereIn("state", ["approved", "accepted", "claim-submitted", "claim-verified", "paid"]).select("id");
      const letters = await db("award_letters").whereIn("application_id", awarded.map((a) => a.id)).select("application_id");
      expect(letters).to.have.length(awarded.length);
      const own = await db("applications as a").join("users as u", "u.company_id", "a.company_id").where("u.email", "sme@demo.test").where("a.state", "approved").first<{ id: number } | undefined>("a.id");
      const agent = await signIn(buildApp(db), "sme@demo.test");
      const res = await agent.get(`/applications/${defined(own).id}/award-letter.pdf`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => cb(null, Buffer.concat(chunks)));
      });
      expect(res.status).to.equal(200);
      expect(res.headers["content-type"]).to.equal("application/pdf");
      expect((res.body as Buffer).subarray(0, 5).toString()).to.equal("%PDF-");
    });

    it("has a reserve list with an earlier application that does not fit and a later one that is offered, and a conflict handed over", async () => {
      const { callBudget } = await import("../../server/services/calls/queries");
      const { testContext } = await import("../support/db");
      const call = defined(await db("calls").where({ title: "Pilot call for cross-border insight" }).first("id"), "call");
      const admin = defined(await db("users").where({ email: "admin@demo.test" }).first("id"), "admin");
      const { loadActor } = await import("../../server/services/people/user-queries");
      const budget = await callBudget(testContext(db, await loadActor(db, Number(admin.id))), Number(call.id));
      expect(budget.reserve.map((r) => [r.companyName, r.fits, r.offered])).to.deep.equal([
        ["Hillerød Cell Devices ApS", false, false], ["Brabant Diagnostics B.V.", true, true],
      ]);
      const handover = await db("conflicts_of_interest as c").join("users as u", "u.id", "c.handed_to_user_id").first<{ email: string } | undefined>("u.email");
      expect(defined(handover).email).to.equal("manager2@demo.test");
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
