import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { ConflictError } from "../../server/errors";
import { createUser, setUserActive, setUserRole } from "../../server/services/people/users";
import { buildApp, csrfFrom, signIn, type Agent } from "../support/app";
import { testContext, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { raceGate } from "../support/overlap";
import { defined } from "../support/defined";

for (const engine of testDatabases()) {
  describe(`at least one active administrator remains (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let adminId: number;
    let admin2Id: number;

    const activeAdmins = async () => (await db("users").where({ role: "admin", active: true }).select("id")).map((r) => Number(r.id));

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db);
      adminId = Number(defined(await db("users").where({ email: "admin@demo.test" }).first("id")).id);
      admin2Id = await createUser(testContext(db, null), {
        email: "admin2@demo.test", name: "Second Administrator", password: "demo-voucherdesk", role: "admin", emailConfirmed: true,
      });
    });
    after(() => db.destroy());

    /** Both administrators active again, as at the start of every round. */
    async function bothAdmins(): Promise<void> {
      await db("users").whereIn("id", [adminId, admin2Id]).update({ role: "admin", active: true });
    }

    async function formToken(agent: Agent): Promise<string> {
      return csrfFrom((await agent.get("/admin/users")).text);
    }

    it("the last administrator cannot change their own role, with a message saying why", async () => {
      await db("users").where({ id: admin2Id }).update({ active: false });
      try {
        const agent = await signIn(app, "admin@demo.test");
        const res = await agent.post(`/admin/users/${adminId}/role`).type("form").send({ _csrf: await formToken(agent), role: "finance" });
        expect(res.status).to.equal(303);
        const page = await agent.get("/admin/users");
        expect(page.text).to.include("The role was not changed: this is the last active administrator");
        expect(await activeAdmins()).to.deep.equal([adminId]);
        expect(await db("audit_events").where({ action: "user.role_changed", entity_id: String(adminId) }).first()).to.equal(undefined);
      } finally {
        await bothAdmins();
      }
    });

    it("the last administrator cannot be deactivated, nor demoted, by a service call without a signed-in administrator", async () => {
      await db("users").where({ id: admin2Id }).update({ active: false });
      try {
        const ctx = testContext(db, null);
        for (const attempt of [() => setUserActive(ctx, adminId, false), () => setUserRole(ctx, adminId, "finance", null, null)]) {
          const err = await attempt().then(() => null, (e: unknown) => e);
          expect(err).to.be.instanceOf(ConflictError);
          expect((err as ConflictError).code).to.equal("last_administrator");
        }
        expect(await activeAdmins()).to.deep.equal([adminId]);
        // With a second active administrator the same changes go through.
        await setUserActive(ctx, admin2Id, true);
        await setUserRole(ctx, adminId, "finance", null, null);
        expect(await activeAdmins()).to.deep.equal([admin2Id]);
      } finally {
        await bothAdmins();
      }
    });

    const races: [string, (id: number) => { path: string; fields: Record<string, string> }][] = [
      ["demote each other", (id) => ({ path: `/admin/users/${id}/role`, fields: { role: "finance" } })],
      ["deactivate each other", (id) => ({ path: `/admin/users/${id}/active`, fields: { active: "false" } })],
    ];
    for (const [name, change] of races) {
      it(`two administrators who ${name} at the same moment leave exactly one (5 rounds)`, async () => {
        for (let round = 0; round < 5; round++) {
          await bothAdmins();
          const gate = raceGate(app, 2, (req) => req.method === "POST" && /^\/admin\/users\/\d+\//.test(req.path));
          const a = await signIn(gate.app, "admin@demo.test");
          const b = await signIn(gate.app, "admin2@demo.test");
          const [ta, tb] = [await formToken(a), await formToken(b)];
          const ca = change(admin2Id);
          const cb = change(adminId);
          const results = await Promise.all([
            a.post(ca.path).type("form").send({ ...ca.fields, _csrf: ta }),
            b.post(cb.path).type("form").send({ ...cb.fields, _csrf: tb }),
          ]);
          // The loser is either refused by the last-administrator rule (303 back to the page with
          // the reason) or, when the winner committed before the loser's session was read, is no
          // longer an administrator at all (403). Either way exactly one administrator remains.
          const statuses = results.map((r) => r.status);
          expect(statuses.every((s) => s === 303 || s === 403), `round ${round}: ${statuses.join(", ")}`).to.equal(true);
          expect(statuses, `round ${round}`).to.include(303);
          expect(gate.maxInside(), "both requests were inside the app at once").to.equal(2);
          expect(await activeAdmins(), `round ${round}`).to.have.length(1);
        }
        await bothAdmins();
      });
    }
  });
}

