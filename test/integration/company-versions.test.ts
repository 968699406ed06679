import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import type { DraftInput } from "../../server/services/applications/checks";
import { createDraft, updateDraft } from "../../server/services/applications/drafts";
import { type CompanyInput } from "../../server/services/people/companies";
import { companyProfile, companySmeStatus, companyVersions } from "../../server/services/people/company-queries";
import type { ServiceContext } from "../../server/services/platform/context";
import { updateCompanyProfile } from "../../server/services/people/registration";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { seedCall } from "../support/journey";
import { defined } from "../support/defined";

async function profileInput(ctx: ServiceContext): Promise<CompanyInput> {
  const profile = await companyProfile(ctx);
  const { relations } = profile;
  // The fields of the profile that the form sends back unchanged.
  const company = profile.company as Omit<CompanyInput, "regionId" | "sectorId" | "relations" | "deMinimis"> & { regionId: unknown; sectorId: unknown };
  return {
    legalName: company.legalName, vatNumber: company.vatNumber, address: company.address, country: company.country,
    regionId: Number(company.regionId), sectorId: Number(company.sectorId), staffHeadcount: company.staffHeadcount,
    turnoverCents: company.turnoverCents, balanceSheetCents: company.balanceSheetCents, iban: company.iban, accountHolder: company.accountHolder,
    euroAccountConfirmed: company.euroAccountConfirmed,
    relations: relations.map((r) => ({ ...r, kind: r.kind })), deMinimis: [],
  };
}

const lastAudit = async (db: Db, action: string) => {
  const row = defined(await db("audit_events").where({ action }).orderBy("id", "desc").first(), "row");
  type Snapshot = Record<string, unknown> & { relations: unknown[] };
  return { before: JSON.parse(defined(row.before_json)) as Snapshot, after: JSON.parse(defined(row.after_json)) as Snapshot };
};

for (const engine of testDatabases()) {
  describe(`company facts as versions, whole before/after in the audit log (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, clock.now);
    });
    after(() => db.destroy());

    it("a profile save keeps the earlier turnover, balance sheet, region and partner enterprise as a closed version; nothing is deleted", async () => {
      const ctx = testContext(db, await actorByEmail(db, "oresund@demo.test"), clock.now);
      const companyId = ctx.actor!.companyId!;
      const first = await profileInput(ctx);
      expect(first.relations).to.have.length(1);
      const relationRowsBefore = Number(defined((await db("company_relations").where({ company_id: companyId }).count({ n: "*" }))[0]).n);
      const brabant = Number(defined(await db("regions").where({ code: "NB" }).first("id")).id);

      clock.set("2027-03-02T10:00:00Z");
      await updateCompanyProfile(ctx, { ...first, turnoverCents: 700_000_000, balanceSheetCents: 450_000_000, regionId: brabant, relations: [] });

      // The partner enterprise's row is still there, closed at the moment of the save.
      const rows = await db("company_relations").where({ company_id: companyId }).orderBy("id");
      expect(rows).to.have.length(relationRowsBefore);
      expect(defined(rows[0]).name).to.equal("Hørsholm Holding ApS");
      expect(defined(rows[0]).valid_to).to.equal("2027-03-02T10:00:00.000Z");
      // R6 reads the current facts only: no partner enterprise any more.
      expect((await companySmeStatus(db, companyId)).reason).to.not.include("partner enterprise");
      expect((await companyProfile(ctx)).relations).to.deep.equal([]);

      const versions = await companyVersions(db, companyId);
      expect(versions.map((v) => v.version)).to.deep.equal([1, 2]);
      expect(defined(versions[0]).validTo).to.equal("2027-03-02T10:00:00.000Z");
      expect(defined(versions[1]).validFrom).to.equal("2027-03-02T10:00:00.000Z");
      expect(defined(versions[1]).validTo).to.equal(null);
      expect(defined(versions[0]).facts).to.include({ turnoverCents: first.turnoverCents, balanceSheetCents: first.balanceSheetCents, regionId: first.regionId });
      expect(defined(versions[0]).facts.relations).to.deep.equal(first.relations);
      expect(defined(versions[1]).facts).to.include({ turnoverCents: 700_000_000, regionId: brabant });

      const event = await lastAudit(db, "company.updated");
      expect(event.before).to.include({ version: 1, turnoverCents: first.turnoverCents, balanceSheetCents: first.balanceSheetCents, regionId: first.regionId, staffHeadcount: first.staffHeadcount, legalName: first.legalName });
      expect(event.before.relations).to.deep.equal(first.relations);
      expect(event.after).to.include({ version: 2, turnoverCents: 700_000_000, balanceSheetCents: 450_000_000, regionId: brabant });
      expect(event.after.relations).to.deep.equal([]);
      // Bank details are shown as changed or not, never in full.
      expect(JSON.stringify(event)).to.not.include(first.iban!);

      clock.set("2027-03-03T10:00:00Z");
      await updateCompanyProfile(ctx, { ...first, relations: [{ ...defined(first.relations[0]), sharePercent: "40" }] });
      expect((await companyVersions(db, companyId)).map((v) => [v.version, v.validTo])).to.deep.equal([
        [1, "2027-03-02T10:00:00.000Z"], [2, "2027-03-03T10:00:00.000Z"], [3, null],
      ]);
      expect(Number(defined((await db("company_relations").where({ company_id: companyId }).count({ n: "*" }))[0]).n)).to.equal(relationRowsBefore + 1);
      clock.set("2027-03-01T10:00:00Z");
    });

    it("a draft save records the whole draft before and after", async () => {
      const ctx = testContext(db, await actorByEmail(db, "hillerod@demo.test"), clock.now);
      const callId = await seedCall(db, () => new Date("2027-02-03T10:00:00Z"), { totalCents: 10_000_000 });
      const region = Number(defined(await db("regions").where({ code: "RL" }).first("id")).id);
      const input: DraftInput = {
        title: "Imaging expert", description: "Contract an imaging expert", objectives: "Cell counting", expectedResult: "A method",
        counterpartOrgId: null, counterpartName: "Cologne Imaging", counterpartCountry: "DE", counterpartRegionId: region,
        counterpartKind: "expert", activityStart: "2027-05-01", activityEnd: "2027-06-30", costTravelCents: null, costAccommodationCents: null, costOtherCents: null,
      };
      const submitWindow = testContext(db, ctx.actor, () => new Date("2027-02-10T10:00:00Z"));
      const id = await createDraft(submitWindow, callId, "IN", input);
      await updateDraft(submitWindow, id, { ...input, title: "Imaging and AI expert", activityEnd: "2027-07-15" });
      const event = await lastAudit(db, "application.draft-saved");
      expect(event.before).to.include({ title: "Imaging expert", activityEnd: "2027-06-30", counterpartName: "Cologne Imaging" });
      expect(event.after).to.include({ title: "Imaging and AI expert", activityEnd: "2027-07-15", counterpartName: "Cologne Imaging" });
    });
  });
}
