import { expect } from "chai";
import type { Express } from "express";
import type { Knex } from "knex";
import { type Db, isPostgres } from "../../server/db/connection";
import { readCeilings } from "../../server/services/finance/budget";
import { buildApp, csrfFrom, signIn } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { seedCall, startManagerWorld } from "../support/journey";
import { raceGate } from "../support/overlap";
import { defined } from "../support/defined";

/*
 * Editing a draft call and opening it at the same moment, through HTTP on both databases. The
 * opening freezes the voucher-type settings of the types the call offers (call_voucher_types:
 * amount rule, maximum, claim days ..., settings_taken_at); an edit after it would replace the
 * offered types and ceilings of an open call and wipe those settings. Whatever the order, the
 * call ends open with the settings of every type it offers taken, and the edit either came first
 * (its types and ceilings were what opened) or was refused with "Only a draft call can be edited".
 *
 * On PostgreSQL the test holds a share lock on the call's row while both requests go in, and lets
 * it go only once both are waiting behind it (pg_blocking_pids): both have then read the call as
 * a draft unless they lock it before reading, so the round really tests the lock and not the
 * speed of the two requests (the edit, which parses more, would otherwise nearly always arrive
 * after the opening had committed). On SQLite transactions take turns, and the requests overlap.
 */
const ROUNDS = 20;

for (const engine of testDatabases()) describe(`editing a draft call while it is opened (e2e, ${engine.name})`, function () {
  this.timeout(300_000);
  let db: Db;
  let app: Express;
  let clock: TestClock;
  let typeIds: { id: number; code: string }[];

  before(async () => {
    ({ db, clock, app } = await startManagerWorld(engine));
    clock.set("2027-01-15T10:00:00Z");
    typeIds = (await db("voucher_types").orderBy("id").select("id", "code")).map((t) => ({ id: Number(t.id), code: String(t.code) }));
    expect(typeIds.map((t) => t.code)).to.have.members(["MG", "IN", "CO"]);
    app = buildApp(db, { clock: clock.now });
  });
  after(() => db.destroy());

  /** On PostgreSQL, a transaction of the test holding a share lock on the call's row; null on SQLite. */
  async function holdCall(callId: number): Promise<{ trx: Knex.Transaction; pid: number } | null> {
    if (!isPostgres(db)) return null;
    const trx = await db.transaction();
    await trx.raw("select id from calls where id = ? for share", [callId]);
    const { rows } = await trx.raw<{ rows: { pid: number }[] }>("select pg_backend_pid() as pid");
    return { trx, pid: Number(defined(rows[0]).pid) };
  }

  /**
   * Waits (up to 20 s) until `count` other sessions wait behind the holder's lock, directly or
   * queued behind another waiter (pg_blocking_pids names the one ahead in the queue).
   */
  async function waitersBehind(holder: { pid: number }, count: number): Promise<void> {
    for (let i = 0; i < 2000; i++) {
      const { rows } = await db.raw<{ rows: { n: string }[] }>(`
        with recursive behind(pid) as (
          select ?::int
          union
          select a.pid from pg_stat_activity a join behind b on b.pid = any(pg_blocking_pids(a.pid))
        ) select count(*) - 1 as n from behind`, [holder.pid]);
      if (Number(defined(rows[0]).n) >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`fewer than ${count} requests waited behind the test's lock`);
  }

  it(`an edit and the opening at the same moment: the edit comes first or is refused, and the opening's settings stay (${ROUNDS} rounds)`, async () => {
    const outcomes = { editFirst: 0, editRefused: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      // A draft offering every type with a total of EUR 100,000 (seedCall: open in February 2027).
      const callId = await seedCall(db, clock.now, { totalCents: 10_000_000, open: false });
      const edited: Record<string, string> = {
        title: `Edited call ${round}`, description: "Changed while being opened", opensAt: "2027-02-01T09:00", closesAt: "2027-02-28T17:00", total: "200000.00",
      };
      // The edit drops Collaboration.
      for (const t of typeIds.filter((x) => x.code !== "CO")) { edited[`type_${t.id}`] = "on"; edited[`completion_${t.id}`] = "90"; }

      const gate = raceGate(app, 2, (req) => req.method === "POST" && (req.path === `/manager/calls/${callId}` || req.path === `/manager/calls/${callId}/open`));
      const editor = await signIn(gate.app, "manager@demo.test");
      const opener = await signIn(gate.app, "manager2@demo.test");
      const editToken = csrfFrom((await editor.get(`/manager/calls/${callId}/edit`)).text);
      const openToken = csrfFrom((await opener.get(`/manager/calls/${callId}`)).text);
      const held = await holdCall(callId);
      const both = Promise.all([
        editor.post(`/manager/calls/${callId}`).type("form").send({ ...edited, _csrf: editToken }).then((r) => r),
        opener.post(`/manager/calls/${callId}/open`).type("form").send({ _csrf: openToken }).then((r) => r),
      ]);
      if (held) {
        try {
          await waitersBehind(held, 2);
        } finally {
          await held.trx.commit();
        }
      }
      const [edit, open] = await both;
      expect(gate.maxInside(), `round ${round}: both requests were inside the app at once`).to.equal(2);
      expect(open.status, `round ${round}: opening`).to.equal(303);
      expect([303, 409], `round ${round}: edit`).to.include(edit.status);

      const call = defined(await db("calls").where({ id: callId }).first(), "call");
      expect(call.status, `round ${round}: status`).to.equal("open");
      const offers = await db("call_voucher_types").where({ call_id: callId }).orderBy("voucher_type_id");
      // The settings of every type the call offers were taken at its opening, and stay.
      for (const o of offers) {
        expect(o.settings_taken_at, `round ${round}: settings of type ${o.voucher_type_id} taken`).to.be.a("string");
        expect(o.amount_rule, `round ${round}: amount rule of type ${o.voucher_type_id}`).to.be.a("string");
      }
      const offered = offers.map((o) => Number(o.voucher_type_id));
      const total = defined((await readCeilings(db, callId)).find((c) => c.key === "total")).ceilingCents;
      const events = await db("audit_events").where({ entity_type: "call", entity_id: String(callId) }).whereIn("action", ["call.updated", "call.opened"]).orderBy("id").pluck("action");
      if (edit.status === 303) {
        outcomes.editFirst++;
        expect(offered, `round ${round}: the edited types`).to.deep.equal(typeIds.filter((t) => t.code !== "CO").map((t) => t.id));
        expect(total).to.equal(20_000_000);
        expect(call.title).to.equal(`Edited call ${round}`);
        expect(events, `round ${round}: the edit before the opening`).to.deep.equal(["call.updated", "call.opened"]);
      } else {
        outcomes.editRefused++;
        expect(edit.text).to.contain("Only a draft call can be edited");
        expect(offered, `round ${round}: the types as opened`).to.deep.equal(typeIds.map((t) => t.id));
        expect(total).to.equal(10_000_000);
        expect(call.title).to.not.equal(`Edited call ${round}`);
        expect(events, `round ${round}: only the opening`).to.deep.equal(["call.opened"]);
      }
    }
    console.log(`      [${engine.name}] edit first in ${outcomes.editFirst} of ${ROUNDS} rounds, refused in ${outcomes.editRefused}`);
  });
});
