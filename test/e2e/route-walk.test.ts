import { readdirSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import request from "supertest";
import { csrfFrom } from "../support/app";
import { testDatabases } from "../support/db";
import type { AuthzCase } from "./authz/types";
import { caseKey, INPUT_CASES } from "./input/cases";
import { snapshot, startWorld, type World } from "./input/world";
import { defined } from "../support/defined";

// The routes come from the Express router itself, so a route added anywhere is walked here.
const authzDir = path.join(__dirname, "authz");
const authzCases: AuthzCase[] = readdirSync(authzDir)
  .filter((f) => f.endsWith(".ts") && f !== "types.ts")
  .flatMap((f) => (require(path.join(authzDir, f)) as { cases: AuthzCase[] }).cases);

for (const engine of testDatabases()) {
  describe(`route walk (${engine.name})`, function () {
    this.timeout(300000);
    let w: World;
    before(async () => { w = await startWorld(engine); });
    after(() => w.db.destroy());

    it("every registered route has an authorization-matrix entry and a bad-input case", () => {
      expect(w.routes.length).to.be.greaterThan(50);
      // Each matrix case belongs to the first route Express would dispatch it to.
      const covered = new Set<string>();
      for (const c of authzCases) {
        const route = w.routes.find((r) => r.method === c.method && r.matches(c.path));
        if (route) covered.add(caseKey(route.method, route.path));
      }
      const problems: string[] = [];
      for (const r of w.routes) {
        const key = caseKey(r.method, r.path);
        if (!covered.has(key)) {
          problems.push(`${key} has no entry in the authorization matrix: add { method: "${r.method}", path: "${r.path.replace(/:[A-Za-z]+/g, "999")}", allow: [...] } ` +
            "to the area's file in test/e2e/authz/ (allowed roles get past the role check; the rest must be refused).");
        }
        if (!INPUT_CASES[key]) {
          problems.push(`${key} has no bad-input case: add "${key}": { as: <its rightful user>, path: (ids) => <a concrete path with real ids>, ` +
            "fields: [<the form's field names>] or query: [<the query keys it reads>] } to INPUT_CASES in test/e2e/input/cases.ts.");
        }
      }
      const stale = Object.keys(INPUT_CASES).filter((k) => !w.routes.some((r) => caseKey(r.method, r.path) === k));
      for (const k of stale) problems.push(`${k} is in test/e2e/input/cases.ts but no such route is registered: remove or rename it.`);
      expect(problems, problems.join("\n")).to.deep.equal([]);
    });

    it("only the upload routes accept files", () => {
      expect(w.routes.filter((r) => r.acceptsFiles).map((r) => caseKey(r.method, r.path)).sort()).to.deep.equal([
        "POST /applications/:id/attachments", "POST /applications/:id/claim", "POST /finance/rates/import", "POST /verify",
      ]);
    });

    it("every state-changing route refuses no token, another session's token and multipart without a token: 403, nothing changed", async () => {
      const otherToken = csrfFrom((await request.agent(w.app).get("/login")).text);
      const failures: string[] = [];
      for (const r of w.routes.filter((x) => x.method !== "GET")) {
        const key = caseKey(r.method, r.path);
        const c = INPUT_CASES[key];
        if (!c) { failures.push(`${key} has no bad-input case (see the first test)`); continue; }
        const agent = w.agent(c.as);
        const target = c.path(w.ids);
        const before = await snapshot(w.db);
        const attempts = {
          "no token": await agent.post(target).type("form").send("title=forged&reason=forged"),
          "another session's token": await agent.post(target).type("form").send(`_csrf=${encodeURIComponent(otherToken)}&title=forged`),
          "multipart without a token": await agent.post(target).field("title", "forged").attach("files", Buffer.from("%PDF-1.4\n%forged\n"), "forged.pdf"),
        };
        for (const [what, res] of Object.entries(attempts)) if (res.status !== 403) failures.push(`${key} with ${what}: ${res.status}`);
        if ((await snapshot(w.db)) !== before) failures.push(`${key}: the database changed`);
      }
      expect(failures, failures.join("\n")).to.deep.equal([]);
      // The refused sign-out left the session alone.
      await w.agent("applicant").get("/applicant").expect(200);
    });

    it("answers a multipart form with a valid token on a route that takes no files with 415, changing nothing", async () => {
      const before = await snapshot(w.db);
      const res = await w.agent("manager").post(`/manager/applications/${w.ids.managerApp}/reject`)
        .field("_csrf", await w.token("manager")).field("reason", "Sent as multipart");
      expect(res.status).to.equal(415);
      expect(res.text).to.include("cannot be sent as a file upload");
      expect(await snapshot(w.db)).to.equal(before);
    });

    it("stores an uploaded file name as typed, in UTF-8", async () => {
      const res = await w.agent("applicant").post(`/applications/${w.ids.draftApp}/attachments`)
        .field("_csrf", await w.token("applicant")).attach("files", Buffer.from("%PDF-1.4\n%test\n"), "æøåß.pdf");
      expect(res.status, res.text.slice(0, 500)).to.equal(303);
      const row = defined(await w.db("attachments").where({ application_id: w.ids.draftApp }).orderBy("id", "desc").first("original_name"), "row");
      expect(row.original_name).to.equal("æøåß.pdf");
    });
  });
}
