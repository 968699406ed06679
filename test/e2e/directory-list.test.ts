import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { searchKey } from "../../server/domain/text-folding";
import { ORGANISATIONS_PER_PAGE } from "../../server/services/directory/directory-queries";
import { signIn, type Agent } from "../support/app";
import { testDatabases } from "../support/db";
import { startManagerWorld } from "../support/journey";
import { defined } from "../support/defined";
import { followTwoPages, relLink as link } from "../support/pages";

/* A directory of a whole programme's partners: by name, a page at a time, the search kept from page to page. */

const orgIds = (html: string) => [...html.matchAll(/href="\/directory\/(\d+)"/g)].map((m) => Number(m[1]));

for (const engine of testDatabases()) {
  describe(`directory: the organisation list (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let sme: Agent;
    let imaging: number[];

    before(async () => {
      const world = await startManagerWorld(engine);
      db = world.db;
      sme = await signIn(world.app, "sme@demo.test");
      const author = defined(await db("users").where({ email: "manager@demo.test" }).first("id"));
      const region = defined(await db("regions").where({ code: "BW" }).first("id"));
      const at = "2027-02-01T10:00:00.000Z";
      // Imaging facilities, more than a page; names share prefixes and hold a ~, and two are namesakes, so the id decides between them.
      for (let i = 0; i < ORGANISATIONS_PER_PAGE + 12; i++) {
        const name = i % 10 === 0 ? "Imaging~Lab" : `Imaging Lab ${String(i).padStart(3, "0")}`;
        await db("directory_organisations").insert({
          name, region_id: region.id, kind: "facility", competences: "imaging", description: "", search_key: searchKey(name, "", "imaging"),
          created_by: author.id, created_at: at, updated_at: at,
        });
      }
      // Others the search leaves out.
      for (let i = 0; i < 5; i++) {
        await db("directory_organisations").insert({
          name: `Peptide Centre ${i}`, region_id: region.id, kind: "facility", competences: "peptides", description: "", search_key: searchKey(`Peptide Centre ${i}`, "", "peptides"),
          created_by: author.id, created_at: at, updated_at: at,
        });
      }
      imaging = (await db("directory_organisations").where({ competences: "imaging" }).orderBy([{ column: "name" }, { column: "id" }]).select<{ id: number }[]>("id")).map((r) => Number(r.id));
    });
    after(() => db.destroy());

    it("lists every match once, by name, a page at a time, keeping the search, and back again", async () => {
      const { first } = await followTwoPages(sme, "/directory?competence=imaging", orgIds, imaging, ORGANISATIONS_PER_PAGE);
      expect(first).to.contain(`${ORGANISATIONS_PER_PAGE} of ${imaging.length} organisations, by name`);
      expect(link(first, "next")).to.contain("competence=imaging");
    });

    it("counts every organisation when nothing is searched", async () => {
      const total = Number(defined(await db("directory_organisations").count<{ n: number | string }[]>({ n: "*" }))[0]?.n);
      expect((await sme.get("/directory")).text).to.contain(`${ORGANISATIONS_PER_PAGE} of ${total} organisations, by name`);
    });

    it("refuses a page link that is not one with a 4xx page", async () => {
      for (const [key, value] of [["after", "Imaging"], ["before", "~"], ["after", `${"x".repeat(400)}~3`]] as const) {
        expect((await sme.get("/directory").query({ [key]: value })).status, `${key}=${value}`).to.be.within(400, 499);
      }
    });
  });
}
