import { expect } from "chai";
import { searchKey } from "../../server/domain/text-folding";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";

/* The search keys of companies, users and directory organisations a database already held when the columns came. */
for (const engine of testDatabases()) {
  describe(`search keys of the rows already there (integration, ${engine.name})`, function () {
    this.timeout(60000);

    it("are made for every company, user and directory organisation when the migration runs, as the services make them", async () => {
      const db = await engine.create();
      try {
        await seedDemoData(db);
        const written = await db("companies").orderBy("id").select("id", "legal_name", "vat_number", "search_key");
        expect(written.length).to.be.above(1);
        for (const c of written) expect(c.search_key, c.legal_name).to.equal(searchKey(c.legal_name, c.vat_number)).and.not.equal("");

        await db.migrate.down({ name: "20261208100000_search_keys.ts" });
        await db("companies").update({ legal_name: db.raw("legal_name || ' Ærø'") });
        await db("directory_organisations").insert({
          name: "Øresund Peptide Centre", region_id: defined(await db("regions").orderBy("id").first("id")).id, kind: "facility",
          competences: "peptides, mass spectrometry", description: "Synthèse de peptides", created_at: "2026-01-01T10:00:00.000Z", updated_at: "2026-01-01T10:00:00.000Z",
        });
        await db.migrate.latest();
        const backfilled = await db("companies").orderBy("id").select("legal_name", "vat_number", "search_key");
        expect(backfilled.map((c) => c.search_key)).to.deep.equal(backfilled.map((c) => searchKey(c.legal_name, c.vat_number)));
        expect(backfilled.every((c) => String(c.search_key).includes(" aero "))).to.equal(true);
        const users = await db("users").orderBy("id").select("name", "email", "search_key");
        expect(users.length).to.be.above(1);
        expect(users.map((u) => u.search_key)).to.deep.equal(users.map((u) => searchKey(u.name, u.email)));
        const organisation = defined(await db("directory_organisations").where({ name: "Øresund Peptide Centre" }).first("search_key"));
        expect(organisation.search_key).to.equal("oresund peptide centre synthese de peptides peptides, mass spectrometry");
      } finally {
        await db.destroy();
      }
    });
  });
}
