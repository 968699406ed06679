import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { COMPANY_CHOICES } from "../../server/services/people/company-queries";
import { currentCompanyFacts } from "../../server/services/people/company-queries";
import { updateCompanyProfile } from "../../server/services/people/registration";
import { buildApp, csrfFrom, signIn, type Agent } from "../support/app";
import { testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { registerSme } from "../support/journey";
import { defined } from "../support/defined";

/*
 * Forms that pick a company, at a programme's size: the company of a new applicant account and
 * the company a manager refers are found by a search of names and VAT numbers (accents and case
 * aside) instead of a list of every company.
 */

/** The company select's options (value and text), without its "None". */
function companyOptions(html: string): { id: number; label: string }[] {
  const select = /<select id="[^"]*" name="companyId"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? "";
  return [...select.matchAll(/<option value="(\d+)"[^>]*>([^<]*)<\/option>/g)].map((m) => ({ id: Number(m[1]), label: defined(m[2]) }));
}

/** The company list's hint as the reader sees it. */
const hintOf = (html: string) => {
  const hint = /<p class="hint" id="[^"]*companyId-hint">([^<]*)<\/p>/.exec(html)?.[1] ?? "";
  return hint.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, "&");
};

const selectedCompany = (html: string) => /<select id="[^"]*" name="companyId"[\s\S]*?<option value="(\d+)" selected>/.exec(html)?.[1];

for (const engine of testDatabases()) {
  describe(`choosing a company on a form (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let admin: Agent;
    let orsted: number;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      // More companies than the form lists, through the company service (which keeps their search key).
      for (let i = 0; i < COMPANY_CHOICES; i++) await registerSme(db, { legalName: `Aarhus Assay ${String(i).padStart(2, "0")} ApS` });
      orsted = (await registerSme(db, { legalName: "Ørsted Bioscience A/S" })).companyId;
      await registerSme(db, { legalName: "Société Générale de Peptides SAS", region: "AL" });
      await registerSme(db, { legalName: "Labor 100% Sicher_heit GmbH", region: "BW" });
      app = buildApp(db);
      admin = await signIn(app, "admin@demo.test");
    });
    after(() => db.destroy());

    it("lists the first companies by name, and says how many there are and how to find the others", async () => {
      const total = Number((await db("companies").count({ n: "*" }))[0]?.n);
      const firstByName = (await db("companies").orderBy([{ column: "legal_name" }, { column: "id" }]).limit(COMPANY_CHOICES).pluck("id")).map(Number);
      const res = await admin.get("/admin/users/new");
      expect(res.status).to.equal(200);
      expect(companyOptions(res.text).map((o) => o.id)).to.deep.equal(firstByName);
      expect(hintOf(res.text)).to.equal(`The first ${COMPANY_CHOICES} of the ${total} companies you can choose here, in alphabetical order: find the one you need with the search above.`);
    });

    it("finds a company by part of its name whatever its accents and letter case, and by its VAT number", async () => {
      for (const typed of ["orsted", "ØRSTED bio", "  Ørsted   Bioscience "]) {
        const res = await admin.get(`/admin/users/new?company=${encodeURIComponent(typed)}`);
        expect(res.status).to.equal(200);
        expect(companyOptions(res.text).map((o) => o.id), typed).to.deep.equal([orsted]);
        expect(hintOf(res.text)).to.equal(`Companies you can choose here with "${typed.trim()}" in their name or VAT number: 1.`);
        // Found alone, it is chosen.
        expect(selectedCompany(res.text)).to.equal(String(orsted));
      }
      const vat = defined((await db("companies").where({ id: orsted }).first("vat_number"))?.vat_number);
      expect(companyOptions((await admin.get(`/admin/users/new?company=${vat.toLowerCase()}`)).text).map((o) => o.id)).to.deep.equal([orsted]);
      expect(companyOptions((await admin.get("/admin/users/new?company=societe%20generale")).text).map((o) => o.label))
        .to.deep.equal([`Société Générale de Peptides SAS (${defined((await db("companies").where({ legal_name: "Société Générale de Peptides SAS" }).first("vat_number"))?.vat_number)})`]);
    });

    it("takes % and _ as typed, and says when nothing matches", async () => {
      // Taken as LIKE's wildcards, each of these would find every company.
      const labor = defined(await db("companies").where({ legal_name: "Labor 100% Sicher_heit GmbH" }).first("id")).id;
      for (const typed of ["%", "_", "0%", "r_h"]) {
        expect(companyOptions((await admin.get(`/admin/users/new?company=${encodeURIComponent(typed)}`)).text).map((o) => o.id), typed).to.deep.equal([labor]);
      }
      const none = await admin.get("/admin/users/new?company=%25%25zz");
      expect(companyOptions(none.text)).to.deep.equal([]);
      expect(hintOf(none.text)).to.equal('None of the companies you can choose here has "%%zz" in its name or VAT number.');
      const exactly = await admin.get("/admin/users/new?company=aarhus");
      expect(companyOptions(exactly.text)).to.have.length(COMPANY_CHOICES);
      expect(selectedCompany(exactly.text)).to.equal(undefined);
      expect(hintOf(exactly.text)).to.equal(`Companies you can choose here with "aarhus" in their name or VAT number: ${COMPANY_CHOICES}.`);
      const many = await admin.get("/admin/users/new?company=a");
      expect(companyOptions(many.text)).to.have.length(COMPANY_CHOICES);
      const matching = Number(/^The first \d+ of the (\d+) companies you can choose here with "a" in their name or VAT number: add to the search to narrow it\.$/.exec(hintOf(many.text))?.[1]);
      expect(matching).to.be.above(COMPANY_CHOICES);
    });

    it("keeps the search and the chosen company when the form comes back with an error, and creates the account with it", async () => {
      const form = await admin.get("/admin/users/new?company=aarhus%20assay%2007");
      const chosen = defined(companyOptions(form.text)[0]).id;
      const sent = { email: "new.applicant@bulk.test", name: "", password: "a-long-enough-password", role: "applicant", companyId: String(chosen), companySearch: "aarhus assay 07", _csrf: csrfFrom(form.text) };
      const refused = await admin.post("/admin/users").type("form").send(sent);
      expect(refused.status).to.equal(422);
      expect(selectedCompany(refused.text)).to.equal(String(chosen));
      expect(companyOptions(refused.text).map((o) => o.id)).to.deep.equal([chosen]);
      expect(refused.text).to.contain('name="companySearch" value="aarhus assay 07"');
      expect(refused.text).not.to.contain("a-long-enough-password");

      // A company chosen from one search stays listed, and says so, when the search shown is another.
      const other = await admin.post("/admin/users").type("form").send({ ...sent, companyId: String(orsted), companySearch: "zzz", _csrf: csrfFrom(refused.text) });
      expect(selectedCompany(other.text)).to.equal(String(orsted));
      expect(companyOptions(other.text).map((o) => o.id)).to.deep.equal([orsted]);
      expect(hintOf(other.text)).to.equal('None of the companies you can choose here has "zzz" in its name or VAT number. The company chosen before stays in the list.');
      const kept = await admin.post("/admin/users").type("form").send({ ...sent, companyId: String(orsted), _csrf: csrfFrom(other.text) });
      const listed = companyOptions(kept.text).map((o) => o.id);
      expect(listed).to.include(orsted).and.to.include(chosen);
      expect(listed).to.deep.equal((await db("companies").whereIn("id", listed).orderBy([{ column: "legal_name" }, { column: "id" }]).pluck("id")).map(Number));

      const created = await admin.post("/admin/users").type("form").send({ ...sent, name: "New Applicant", _csrf: csrfFrom(kept.text) });
      expect(created.status).to.equal(303);
      expect((await db("users").where({ email: "new.applicant@bulk.test" }).first("company_id"))?.company_id).to.equal(chosen);
      // The user service keeps the account's search key: the list finds it by its name.
      expect((await admin.get("/admin/users?q=NEW%20applicant")).text).to.contain("new.applicant@bulk.test");
    });

    it("finds a company by its new name once its profile is saved with it", async () => {
      const sme = await registerSme(db, { legalName: "Renamed Later ApS" });
      const actor = await actorByEmail(db, sme.email);
      const facts = await currentCompanyFacts(db, sme.companyId);
      await updateCompanyProfile(testContext(db, actor), { ...facts, legalName: "Kjærgaard Omics ApS", deMinimis: [] });
      expect(companyOptions((await admin.get("/admin/users/new?company=kjaergaard")).text).map((o) => o.id)).to.deep.equal([sme.companyId]);
      expect(companyOptions((await admin.get("/admin/users/new?company=renamed")).text)).to.deep.equal([]);
    });

    it("offers a manager the own region's companies to refer, found the same way, and keeps the search on a refusal", async () => {
      const manager = await signIn(app, "manager@demo.test");
      const own = defined(await db("users").where("users.email", "manager@demo.test").join("partners", "partners.id", "users.partner_id").first<{ region_id: number } | undefined>("partners.region_id as region_id"));
      const elsewhere = defined(await db("regions").whereNot({ id: own.region_id }).orderBy("id").first("id"));
      const org = { id: Number(defined((await db("directory_organisations").insert({
        name: "Rhine Peptide Lab", region_id: elsewhere.id, kind: "facility", competences: "peptides", created_at: "2026-01-01T10:00:00.000Z", updated_at: "2026-01-01T10:00:00.000Z",
      }).returning("id"))[0]).id) };
      const ownRegion = Number((await db("companies").where({ region_id: own.region_id }).count({ n: "*" }))[0]?.n);
      const page = await manager.get(`/directory/${org.id}`);
      expect(page.status).to.equal(200);
      expect(companyOptions(page.text)).to.have.length(COMPANY_CHOICES);
      expect(hintOf(page.text)).to.match(new RegExp(`^The first ${COMPANY_CHOICES} of the ${ownRegion} companies you can choose here`));
      const found = await manager.get(`/directory/${org.id}?company=orsted`);
      expect(companyOptions(found.text).map((o) => o.id)).to.deep.equal([orsted]);
      expect(selectedCompany(found.text)).to.equal(String(orsted));
      expect(selectedCompany(page.text)).to.equal(undefined);
      // Another region's company is not the manager's to refer, whatever the search.
      const foreign = await manager.get(`/directory/${org.id}?company=peptides`);
      expect(companyOptions(foreign.text)).to.deep.equal([]);
      expect(hintOf(foreign.text)).to.equal('None of the companies you can choose here has "peptides" in its name or VAT number.');

      const refused = await manager.post(`/directory/${org.id}/refer`).type("form")
        .send({ companyId: String(orsted), note: "x".repeat(2001), companySearch: "orsted", _csrf: csrfFrom(page.text) });
      expect(refused.status).to.equal(422);
      expect(selectedCompany(refused.text)).to.equal(String(orsted));
      expect(refused.text).to.contain('name="companySearch" value="orsted"');

      // A company of another region sent as the choice is refused and not offered back.
      const peptides = defined(await db("companies").where({ legal_name: "Société Générale de Peptides SAS" }).first("id")).id;
      const foreignChoice = await manager.post(`/directory/${org.id}/refer`).type("form")
        .send({ companyId: String(peptides), note: "", companySearch: "", _csrf: csrfFrom(refused.text) });
      expect(foreignChoice.status).to.equal(422);
      expect(companyOptions(foreignChoice.text).map((o) => o.id)).not.to.include(peptides);
      expect(selectedCompany(foreignChoice.text)).to.equal(undefined);
    });
  });
}
