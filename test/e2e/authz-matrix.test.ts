import { readdirSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { type Agent, csrfFrom, signIn, buildApp } from "../support/app";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import type { AuthzCase, Identity } from "./authz/types";
import { defined } from "../support/defined";

// Every route, as every role and anonymous, against what its area's case file says.
const dir = path.join(__dirname, "authz");
const cases: AuthzCase[] = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "types.ts")
  .flatMap((f) => (require(path.join(dir, f)) as { cases: AuthzCase[] }).cases);

const EMAILS: Record<Exclude<Identity, "anonymous">, string> = {
  applicant: "sme@demo.test", manager: "manager@demo.test", finance: "finance@demo.test", admin: "admin@demo.test",
};

describe("authorization matrix", function () {
  this.timeout(120000);
  let db: Db;
  let app: Express;
  const agents = new Map<Identity, Agent>();

  before(async () => {
    db = await defined(testDatabases()[0]).create();
    await seedDemoData(db);
    app = buildApp(db);
    agents.set("anonymous", request.agent(app));
    for (const [role, email] of Object.entries(EMAILS)) agents.set(role as Identity, await signIn(app, email));
  });
  after(() => db.destroy());

  it("has cases", () => expect(cases.length).to.be.greaterThan(10));

  for (const c of cases) {
    for (const who of ["anonymous", "applicant", "manager", "finance", "admin"] as Identity[]) {
      const allowed = c.allow.includes(who);
      it(`${c.method} ${c.path} as ${who}: ${allowed ? "allowed" : "denied"}`, async () => {
        const agent = agents.get(who)!;
        let res;
        if (c.method === "GET") {
          res = await agent.get(c.path);
        } else {
          // A valid CSRF token, so that a refusal is about the role and not the token.
          // Signed-in users are sent from /login to their home page, whose sign-out form has one.
          const token = csrfFrom((await agent.get("/login").redirects(2)).text);
          res = await agent.post(c.path).type("form").send({ _csrf: token });
        }
        if (c.endsSession && who !== "anonymous") agents.set(who, await signIn(app, EMAILS[who]));
        const toLogin = res.status === 303 && res.headers.location === "/login";
        const refused = res.status === 401 || res.status === 403 || toLogin;
        if (allowed) {
          expect(refused, `status ${res.status} ${res.headers.location ?? ""}`).to.equal(false);
          expect(res.status).to.be.lessThan(500);
        } else if (who === "anonymous") {
          expect(c.method === "GET" ? toLogin : res.status === 403, `status ${res.status}`).to.equal(true);
        } else {
          expect(res.status).to.be.oneOf([403, 404]);
        }
      });
    }
  }
});
