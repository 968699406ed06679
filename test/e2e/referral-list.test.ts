import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { REFERRALS_PER_PAGE } from "../../server/services/directory/directory-queries";
import { signIn, type Agent } from "../support/app";
import { testDatabases } from "../support/db";
import { startManagerWorld } from "../support/journey";
import { defined } from "../support/defined";
import { followTwoPages, relLink as link } from "../support/pages";

/* The referral list of a busy brokerage: newest first, a page at a time, each person's own referrals only. */

const notes = (html: string) => [...html.matchAll(/Referral note (\d+)/g)].map((m) => Number(m[1]));

for (const engine of testDatabases()) {
  describe(`directory: the referral list (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let manager: Agent;
    let sme: Agent;
    let brabant: Agent;
    const count = REFERRALS_PER_PAGE + 7;

    before(async () => {
      const world = await startManagerWorld(engine);
      db = world.db;
      manager = await signIn(world.app, "manager@demo.test");
      sme = await signIn(world.app, "sme@demo.test");
      brabant = await signIn(world.app, "brabant@demo.test");
      const referrer = defined(await db("users").where({ email: "manager@demo.test" }).first("id"));
      const nordic = defined(await db("companies").where({ legal_name: "Nordic Enzyme Labs ApS" }).first("id"));
      const region = defined(await db("regions").where({ code: "BW" }).first("id"));
      const at = "2027-02-01T10:00:00.000Z";
      const [org] = await db("directory_organisations").insert({
        name: "Tübingen BioLab", region_id: region.id, kind: "facility", competences: "enzymes", description: "", search_key: "tubingen biolab",
        created_by: referrer.id, created_at: at, updated_at: at,
      }).returning("id");
      const orgId = typeof org === "object" ? Number((org as { id: number }).id) : Number(org);
      // Written as rows in the order they were made: the note numbers them.
      for (let i = 0; i < count; i++) {
        await db("referrals").insert({ company_id: nordic.id, organisation_id: orgId, manager_id: referrer.id, note: `Referral note ${i}`, created_at: at });
      }
    });
    after(() => db.destroy());

    const newestFirst = Array.from({ length: count }, (_, i) => count - 1 - i);

    for (const who of ["manager", "sme"] as const) {
      it(`shows the ${who} every referral it may see once, newest first, a page at a time, and back again`, async () => {
        const { first } = await followTwoPages(who === "manager" ? manager : sme, "/directory/referrals", notes, newestFirst, REFERRALS_PER_PAGE);
        expect(first).to.contain(`Referrals, newest first: ${REFERRALS_PER_PAGE} of ${count}`);
      });
    }

    it("counts and pages only another company's own referrals", async () => {
      const page = await brabant.get("/directory/referrals");
      expect(page.status).to.equal(200);
      expect(notes(page.text)).to.deep.equal([]);
      expect(page.text).to.contain("Referrals, newest first: 0 of 0");
      expect(link(page.text, "next")).to.equal(null);
    });

    it("refuses a page link that is not one with a 400 page", async () => {
      for (const bad of ["after=yesterday", "before=0", `after=${"9".repeat(40)}`]) {
        expect((await manager.get(`/directory/referrals?${bad}`)).status, bad).to.equal(400);
      }
    });
  });
}
