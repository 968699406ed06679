import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { searchKey } from "../../server/domain/text-folding";
import { USERS_PER_PAGE } from "../../server/services/people/user-queries";
import { buildApp, csrfFrom, signIn, type Agent } from "../support/app";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";
import { relLink as link, unescapeHref as unescape } from "../support/pages";

/* The administrator's user list at a programme's size: pages by e-mail address, filters by role and by name or address. */

const emails = (html: string) => [...html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>")).matchAll(/<td>[^<]*<\/td><td>([^<]+@[^<]+)<\/td>/g)].map((m) => defined(m[1]));

for (const engine of testDatabases()) {
  describe(`administrator: the user list at size (e2e, ${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let admin: Agent;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      // Applicant accounts as rows: what the list shows of them is their address, name and role.
      const company = defined(await db("companies").first("id"));
      // Their search keys as the user service writes them (test/e2e/company-choices.test.ts searches one it created).
      await db("users").insert(Array.from({ length: 120 }, (_, i) => {
        const email = `applicant${String(i).padStart(3, "0")}@bulk.test`;
        const name = i % 10 === 0 ? `Ingrid Mølgaard ${i}` : i % 10 === 5 ? `Øystein Ærø ${i}` : `Bulk Applicant ${i}`;
        return { email, name, search_key: searchKey(name, email), password_hash: "not-a-hash", role: "applicant", company_id: company.id, active: true, created_at: "2026-01-01T10:00:00.000Z" };
      }));
      app = buildApp(db);
      admin = await signIn(app, "admin@demo.test");
    });
    after(() => db.destroy());

    it("pages through every account by e-mail address, each once, and back again", async () => {
      const all = (await db("users").orderBy("email").pluck("email")).map(String);
      expect(all.length).to.be.above(2 * USERS_PER_PAGE);
      const pages: string[][] = [];
      let next: string | null = "/admin/users";
      while (next) {
        const res = await admin.get(next);
        expect(res.status, res.text).to.equal(200);
        expect(res.text).to.contain(`User accounts by e-mail address (${all.length})`);
        pages.push(emails(res.text));
        next = link(res.text, "next");
        expect(pages.length).to.be.below(10);
      }
      expect(pages.map((p) => p.length)).to.deep.equal([USERS_PER_PAGE, USERS_PER_PAGE, all.length - 2 * USERS_PER_PAGE]);
      expect(pages.flat()).to.deep.equal(all);

      const last = await admin.get(`/admin/users?after=${encodeURIComponent(defined(pages[1]?.at(-1)))}`);
      const back = await admin.get(defined(link(last.text, "prev")));
      expect(emails(back.text)).to.deep.equal(pages[1]);
      expect(link(back.text, "first")).to.equal("/admin/users");
    });

    it("narrows to a role, and to a name or address in any letter case, keeping the filter in the page links", async () => {
      const staff = await admin.get("/admin/users?role=manager");
      const managers = (await db("users").where({ role: "manager" }).orderBy("email").pluck("email")).map(String);
      expect(emails(staff.text)).to.deep.equal(managers);

      // In any letter case, with or without the accents (SQLite's lower() would fold ASCII only).
      for (const typed of ["INGRID", "MØLGAARD", "ingrid mølgaard", "molgaard"]) {
        expect(emails((await admin.get(`/admin/users?q=${encodeURIComponent(typed)}`)).text), typed).to.have.length(12);
      }
      for (const typed of ["øystein", "ØYSTEIN ÆRØ", "oystein aero"]) {
        expect(emails((await admin.get(`/admin/users?q=${encodeURIComponent(typed)}`)).text), typed).to.have.length(12);
      }

      const applicants = await admin.get("/admin/users?role=applicant&q=bulk.test");
      expect(applicants.text).to.contain("(120)");
      expect(link(applicants.text, "next")).to.equal(`/admin/users?role=applicant&q=bulk.test&after=applicant049%40bulk.test`);
      // LIKE's wildcards are taken literally.
      expect(emails((await admin.get("/admin/users?q=%25")).text)).to.deep.equal([]);
      expect((await admin.get("/admin/users?q=%25")).text).to.contain("No account matches these filters.");
    });

    it("a change made on a page of the list returns to that page and filter, and only to the user list", async () => {
      const page = await admin.get("/admin/users?role=applicant&q=bulk&after=applicant049%40bulk.test");
      const back = /name="back" value="([^"]*)"/.exec(page.text)?.[1];
      expect(unescape(defined(back))).to.equal("role=applicant&q=bulk&after=applicant049%40bulk.test");
      const target = defined(await db("users").where({ email: "applicant050@bulk.test" }).first("id")).id;
      const token = csrfFrom(page.text);
      const deactivated = await admin.post(`/admin/users/${target}/active`).type("form").send({ _csrf: token, active: "false", back: unescape(defined(back)) });
      expect(deactivated.status).to.equal(303);
      expect(deactivated.headers.location).to.equal("/admin/users?role=applicant&q=bulk&after=applicant049%40bulk.test");
      const shown = await admin.get(deactivated.headers.location as string);
      expect(emails(shown.text)[0]).to.equal("applicant050@bulk.test");
      expect(shown.text).to.contain("Deactivated");
      // Another address, or a field the list does not know, leads to the list's first page.
      for (const hostile of ["https://evil.test/", "//evil.test", "role=admin&redirect=/x", "after=" + "x".repeat(300)]) {
        const res = await admin.post(`/admin/users/${target}/active`).type("form").send({ _csrf: token, active: "true", back: hostile });
        expect(res.headers.location, hostile).to.match(/^\/admin\/users(\?role=admin)?$/);
      }
    });

    it("refuses a page link or a search that is not one with a 4xx page", async () => {
      const long = await admin.get(`/admin/users?after=${"a".repeat(300)}`);
      expect(long.status).to.equal(400);
      const array = await admin.get("/admin/users?q=a&q=b");
      expect(array.status).to.be.within(400, 499);
    });
  });
}
