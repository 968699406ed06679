import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { BudgetExceededError, LedgerInvariantError } from "../../server/domain/budget";
import { ConflictError, ValidationError } from "../../server/errors";
import {
  type CeilingInput,
  commit,
  commitmentOf,
  createCeilings,
  entriesForApplication,
  readCeilings,
  recordPayment,
  release,
  reverseEntry,
  setCeilings,
  ledgerSumsAgree,
  verifyLedgerTotals,
} from "../../server/services/finance/budget";
import { ledgerTotals } from "../../server/services/finance/ledger-queries";
import { ledgerTotalsAgree } from "../../server/services/finance/ledger-totals";
import { reconciliation } from "../../server/services/finance/reconciliation";
import { LEDGER_SUMS_KEY, LEDGER_TOTALS_KEY, checkCallLedgers, lastLedgerCheck } from "../../server/services/calls/ledger-check";
import { type Actor, type ServiceContext, inTransaction, insertedId } from "../../server/services/platform/context";
import { testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";
import { insertBareApplications } from "../support/journey";
import { rejection } from "../support/rejects";

/** A tuple of N ids. */
type Ids<N extends number, Acc extends number[] = []> = Acc["length"] extends N ? Acc : Ids<N, [...Acc, number]>;

const NOW = "2026-11-23T10:00:00.000Z";


for (const t of testDatabases()) {
  describe(`budget service: ceilings and ledger (R4, R5) [${t.name}]`, function () {
    this.timeout(60_000);
    let db: Db;
    let ctx: ServiceContext;
    let manager: Actor;
    let schemeId: number;
    let companyId: number;
    let partnerDk: number;
    let partnerNb: number;
    let typeIds: Record<string, number>;
    let seq = 0;

    before(async () => {
      db = await t.create();
      await seedDemoData(db, () => new Date(NOW));
      manager = await actorByEmail(db, "manager@demo.test");
      ctx = testContext(db, manager, () => new Date(NOW));
      schemeId = Number(defined(await db("schemes").first("id")).id);
      companyId = Number(defined(await db("companies").where({ legal_name: "Nordic Enzyme Labs ApS" }).first("id")).id);
      const partners = await db("partners").join("regions", "regions.id", "partners.region_id").select<{ id: number; code: string }[]>("partners.id", "regions.code");
      partnerDk = Number(defined(partners.find((p) => p.code === "DK")).id);
      partnerNb = Number(defined(partners.find((p) => p.code === "NB")).id);
      typeIds = Object.fromEntries((await db("voucher_types").select("id", "code")).map((r) => [r.code, Number(r.id)]));
    });

    after(async () => {
      await db?.destroy();
    });

    async function newCall(ceilings: CeilingInput[]): Promise<number> {
      const [row] = await db("calls")
        .insert({
          scheme_id: schemeId, title: `Call ${++seq}`, opens_at: NOW, closes_at: "2026-12-23T10:00:00.000Z",
          status: "draft", created_by: manager.id, created_at: NOW, updated_at: NOW,
        })
        .returning("id");
      const callId = insertedId(row);
      await inTransaction(ctx, (trx) => createCeilings(trx, ctx, callId, ceilings));
      return callId;
    }

    async function newApplications<N extends number>(callId: number, n: N, opts: { type?: string; partnerId?: number } = {}): Promise<Ids<N>> {
      const ids = await insertBareApplications(db, n, {
        callId, companyId, voucherTypeId: defined(typeIds[opts.type ?? "IN"]), partnerId: opts.partnerId ?? partnerDk, createdBy: manager.id, at: NOW,
      });
      // As many ids as rows were asked for, so `const [a, b] = await newApplications(callId, 2)` is typed.
      return ids as Ids<N>;
    }

    const total = (cents: number): CeilingInput => ({ key: "total", label: "Total budget", ceilingCents: cents });
    const key = (s: string) => `${t.name}-${s}-${++seq}`;

    async function running(callId: number, k = "total") {
      const c = (await readCeilings(db, callId)).find((x) => x.key === k)!;
      return { committed: c.committedCents, released: c.releasedCents, paid: c.paidCents, ceiling: c.ceilingCents };
    }

    async function expectLedgerAgrees(callId: number): Promise<void> {
      const checks = await verifyLedgerTotals(db, callId);
      expect(checks.length).to.be.greaterThan(0);
      for (const c of checks) expect(c, c.key).to.include({ ok: true });
      // What the reconciliation page reads was booked with every entry.
      expect(await ledgerSumsAgree(db, callId), "ledger_sums equal the entries").to.equal(true);
      expect(await ledgerTotalsAgree(db), "ledger_totals equal the entries").to.equal(true);
    }

    async function newPayment(applicationId: number, amountCents: number): Promise<number> {
      const [claim] = await db("claims")
        .insert({ application_id: applicationId, status: "verified", report: "done", submitted_at: NOW, submitted_by: manager.id })
        .returning("id");
      const [pay] = await db("payments")
        .insert({
          claim_id: insertedId(claim), application_id: applicationId, amount_cents: amountCents, paid_on: "2026-11-23",
          bank_reference: `BR-${++seq}`, iban: "DE89370400440532013000", recorded_by: manager.id, recorded_at: NOW,
        })
        .returning("id");
      return insertedId(pay);
    }

    it("commit, release and payment move the running totals, and the ledger agrees", async () => {
      const callId = await newCall([total(1_000_000), { key: "type:IN", label: "Insight budget", ceilingCents: 800_000 }]);
      const [a, b] = await newApplications(callId, 2);
      const keys = ["total", "type:IN"];

      await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: a, amountCents: 400_000, ceilingKeys: keys, idempotencyKey: key("c") }));
      await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: b, amountCents: 400_000, ceilingKeys: keys, idempotencyKey: key("c") }));
      expect(await running(callId)).to.deep.equal({ committed: 800_000, released: 0, paid: 0, ceiling: 1_000_000 });
      expect(await running(callId, "type:IN")).to.deep.equal({ committed: 800_000, released: 0, paid: 0, ceiling: 800_000 });

      // b is cancelled: all of it goes back. a is paid 300,000.00 of 400,000.00: the rest goes back.
      await inTransaction(ctx, (trx) => release(trx, ctx, { callId, applicationId: b, amountCents: 400_000, ceilingKeys: keys, idempotencyKey: key("r"), note: "cancelled" }));
      const paymentId = await newPayment(a, 300_000);
      await inTransaction(ctx, async (trx) => {
        await recordPayment(trx, ctx, { callId, applicationId: a, amountCents: 300_000, ceilingKeys: keys, paymentId, idempotencyKey: key("p") });
        await release(trx, ctx, { callId, applicationId: a, amountCents: 100_000, ceilingKeys: keys, idempotencyKey: key("r") });
      });

      expect(await running(callId)).to.deep.equal({ committed: 800_000, released: 500_000, paid: 300_000, ceiling: 1_000_000 });
      expect(await running(callId, "type:IN")).to.deep.equal({ committed: 800_000, released: 500_000, paid: 300_000, ceiling: 800_000 });
      expect(await commitmentOf(db, a)).to.deep.equal({ callId, ceilingKeys: keys, committedCents: 400_000, releasedCents: 100_000, paidCents: 300_000 });
      expect(await commitmentOf(db, b)).to.deep.equal({ callId, ceilingKeys: keys, committedCents: 400_000, releasedCents: 400_000, paidCents: 0 });
      await expectLedgerAgrees(callId);

      const entries = await entriesForApplication(db, a);
      expect(entries.map((e) => [e.kind, e.amountCents])).to.deep.equal([["commit", 400_000], ["payment", 300_000], ["release", 100_000]]);
      expect(entries[1]).to.include({ paymentId, actorUserId: manager.id, at: NOW, reversesEntryId: null });

      const events = await db("audit_events").where({ entity_type: "application", entity_id: String(a) }).orderBy("id").pluck("action");
      expect(events).to.deep.equal(["budget.commit", "budget.payment", "budget.release"]);
    });

    it("the same idempotency key again books nothing and returns the first entry", async () => {
      const callId = await newCall([total(1_000_000)]);
      const [a] = await newApplications(callId, 1);
      const input = { callId, applicationId: a, amountCents: 400_000, ceilingKeys: ["total"], idempotencyKey: key("approve") };
      const first = await inTransaction(ctx, (trx) => commit(trx, ctx, input));
      const again = await inTransaction(ctx, (trx) => commit(trx, ctx, input));
      expect(first.replayed).to.equal(false);
      expect(again).to.deep.equal({ entryId: first.entryId, replayed: true });
      expect((await running(callId)).committed).to.equal(400_000);
      expect(await entriesForApplication(db, a)).to.have.length(1);
      expect(await db("audit_events").where({ action: "budget.commit", entity_id: String(a) }).count({ n: "*" }).first()).to.satisfy(
        (r: { n: unknown }) => Number(r.n) === 1,
      );

      // A double click: the same approval five times at once books once.
      const [b] = await newApplications(callId, 1);
      const clicks = { ...input, applicationId: b, idempotencyKey: key("double-click") };
      const results = await Promise.all(Array.from({ length: 5 }, () => inTransaction(ctx, (trx) => commit(trx, ctx, clicks))));
      expect(results.filter((r) => !r.replayed)).to.have.length(1);
      expect(new Set(results.map((r) => r.entryId)).size).to.equal(1);
      expect(await entriesForApplication(db, b)).to.have.length(1);
      expect((await running(callId)).committed).to.equal(800_000);

      // Reusing a key for something else is a bug in the caller, not a replay.
      const err = await rejection(
        inTransaction(ctx, (trx) => commit(trx, ctx, { ...input, amountCents: 300_000 })),
        ConflictError,
      );
      expect(err.code).to.equal("idempotency_key_reused");
      await expectLedgerAgrees(callId);
    });

    it("refuses a commit above the total ceiling, naming the ceiling and the shortfall in euros", async () => {
      const callId = await newCall([total(500_000)]);
      const [a, b] = await newApplications(callId, 2);
      await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: a, amountCents: 400_000, ceilingKeys: ["total"], idempotencyKey: key("c") }));
      const err = await rejection(
        inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: b, amountCents: 150_000, ceilingKeys: ["total"], idempotencyKey: key("c") })),
        BudgetExceededError,
      );
      expect(err.code).to.equal("budget_exceeded");
      expect(err.message).to.equal("EUR 1,500.00 does not fit in the budget: Total budget has EUR 1,000.00 left (short by EUR 500.00).");
      expect(err.exceeded).to.deep.equal([{ key: "total", label: "Total budget", remainingCents: 100_000, shortfallCents: 50_000 }]);
      expect(await running(callId)).to.deep.equal({ committed: 400_000, released: 0, paid: 0, ceiling: 500_000 });
      expect(await entriesForApplication(db, b)).to.have.length(0);

      // Exactly what is left still fits.
      await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: b, amountCents: 100_000, ceilingKeys: ["total"], idempotencyKey: key("c") }));
      expect((await running(callId)).committed).to.equal(500_000);
      await expectLedgerAgrees(callId);
    });

    it("a per-type ceiling and a per-partner ceiling each refuse on their own", async () => {
      const callId = await newCall([
        total(10_000_000),
        { key: "type:MG", label: "Meet & Greet budget", ceilingCents: 100_000 },
        { key: `partner:${partnerNb}`, label: "BOM budget", ceilingCents: 800_000 },
      ]);
      const mg = await newApplications(callId, 3, { type: "MG" });
      const nb = await newApplications(callId, 3, { partnerId: partnerNb });
      const mgKeys = ["total", "type:MG"];
      const nbKeys = ["total", `partner:${partnerNb}`];

      for (const id of mg.slice(0, 2)) {
        await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: id, amountCents: 50_000, ceilingKeys: mgKeys, idempotencyKey: key("mg") }));
      }
      const typeErr = await rejection(
        inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: mg[2], amountCents: 30_000, ceilingKeys: mgKeys, idempotencyKey: key("mg") })),
        BudgetExceededError,
      );
      expect(typeErr.exceeded.map((e) => e.key)).to.deep.equal(["type:MG"]);
      expect(typeErr.message).to.contain("Meet & Greet budget has EUR 0.00 left (short by EUR 300.00)");

      for (const id of nb.slice(0, 2)) {
        await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: id, amountCents: 400_000, ceilingKeys: nbKeys, idempotencyKey: key("nb") }));
      }
      const partnerErr = await rejection(
        inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: nb[2], amountCents: 400_000, ceilingKeys: nbKeys, idempotencyKey: key("nb") })),
        BudgetExceededError,
      );
      expect(partnerErr.exceeded.map((e) => e.key)).to.deep.equal([`partner:${partnerNb}`]);
      expect(partnerErr.message).to.contain("BOM budget has EUR 0.00 left (short by EUR 4,000.00)");

      // The total is far from full; only the narrower ceilings refused.
      expect(await running(callId)).to.deep.equal({ committed: 900_000, released: 0, paid: 0, ceiling: 10_000_000 });
      await expectLedgerAgrees(callId);
    });

    it("refuses releases and payments beyond what the application holds", async () => {
      const callId = await newCall([total(1_000_000)]);
      const [a, b] = await newApplications(callId, 2);
      const keys = ["total"];
      await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: a, amountCents: 400_000, ceilingKeys: keys, idempotencyKey: key("c") }));
      await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: b, amountCents: 400_000, ceilingKeys: keys, idempotencyKey: key("c") }));

      // The ceiling has 800,000.00 outstanding, but a itself only 400,000.00.
      const pay = await rejection(
        inTransaction(ctx, (trx) => recordPayment(trx, ctx, { callId, applicationId: a, amountCents: 400_001, ceilingKeys: keys, paymentId: null, idempotencyKey: key("p") })),
        LedgerInvariantError,
      );
      expect(pay.code).to.equal("payment_exceeds_commitment");
      await inTransaction(ctx, (trx) => release(trx, ctx, { callId, applicationId: a, amountCents: 150_000, ceilingKeys: keys, idempotencyKey: key("r") }));
      const rel = await rejection(
        inTransaction(ctx, (trx) => release(trx, ctx, { callId, applicationId: a, amountCents: 250_001, ceilingKeys: keys, idempotencyKey: key("r") })),
        LedgerInvariantError,
      );
      expect(rel.code).to.equal("release_exceeds_outstanding");
      const wrongKeys = await rejection(
        inTransaction(ctx, (trx) => release(trx, ctx, { callId, applicationId: a, amountCents: 1, ceilingKeys: ["total", "type:IN"], idempotencyKey: key("r") })),
        ValidationError,
      );
      expect(wrongKeys.code).to.equal("unknown_ceiling");
      expect(await running(callId)).to.deep.equal({ committed: 800_000, released: 150_000, paid: 0, ceiling: 1_000_000 });
      await expectLedgerAgrees(callId);
    });

    it("a correction is a new reversing entry; existing ledger rows are never changed", async () => {
      const callId = await newCall([total(1_000_000)]);
      const [a, b] = await newApplications(callId, 2);
      const keys = ["total"];
      const c1 = await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: a, amountCents: 400_000, ceilingKeys: keys, idempotencyKey: key("c") }));
      const paymentId = await newPayment(a, 250_000);
      const p1 = await inTransaction(ctx, (trx) =>
        recordPayment(trx, ctx, { callId, applicationId: a, amountCents: 250_000, ceilingKeys: keys, paymentId, idempotencyKey: key("p") }),
      );
      const snapshot = await db("ledger_entries").where({ call_id: callId }).orderBy("id");
      expect(snapshot).to.have.length(2);

      // The payment was booked on the wrong application: reverse it.
      const rev = await inTransaction(ctx, (trx) => reverseEntry(trx, ctx, p1.entryId, "booked on the wrong voucher", key("rev")));
      expect(rev.replayed).to.equal(false);
      const [reversal] = (await entriesForApplication(db, a)).filter((e) => e.id === rev.entryId);
      expect(reversal).to.include({ kind: "payment", amountCents: -250_000, reversesEntryId: p1.entryId, paymentId, note: "booked on the wrong voucher" });
      expect(await running(callId)).to.deep.equal({ committed: 400_000, released: 0, paid: 0, ceiling: 1_000_000 });

      // An entry is reversed once; a reversal is not reversed again.
      expect((await rejection(inTransaction(ctx, (trx) => reverseEntry(trx, ctx, p1.entryId, "again", key("rev"))), ConflictError)).code)
        .to.equal("already_reversed");
      expect((await rejection(inTransaction(ctx, (trx) => reverseEntry(trx, ctx, rev.entryId, "undo", key("rev"))), ConflictError)).code)
        .to.equal("reversal_of_reversal");

      // A commit cannot be reversed below what is paid out of it.
      const p2 = await inTransaction(ctx, (trx) =>
        recordPayment(trx, ctx, { callId, applicationId: a, amountCents: 100_000, ceilingKeys: keys, paymentId: null, idempotencyKey: key("p") }),
      );
      expect((await rejection(inTransaction(ctx, (trx) => reverseEntry(trx, ctx, c1.entryId, "wrong amount", key("rev"))), LedgerInvariantError)).code)
        .to.equal("correction_not_possible");
      await inTransaction(ctx, (trx) => reverseEntry(trx, ctx, p2.entryId, "not paid after all", key("rev")));
      const undoCommit = key("rev");
      const rc = await inTransaction(ctx, (trx) => reverseEntry(trx, ctx, c1.entryId, "approved by mistake", undoCommit));
      expect(await inTransaction(ctx, (trx) => reverseEntry(trx, ctx, c1.entryId, "approved by mistake", undoCommit))).to.deep.equal({
        entryId: rc.entryId,
        replayed: true,
      });
      // Failed attempts booked nothing, and b is untouched.
      await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: b, amountCents: 1_000_000, ceilingKeys: keys, idempotencyKey: key("c") }));
      expect(await running(callId)).to.deep.equal({ committed: 1_000_000, released: 0, paid: 0, ceiling: 1_000_000 });
      expect(await commitmentOf(db, a)).to.include({ committedCents: 0, releasedCents: 0, paidCents: 0 });

      const after = await db("ledger_entries").where({ call_id: callId }).orderBy("id");
      expect(after).to.have.length(snapshot.length + 5);
      expect(after.slice(0, snapshot.length)).to.deep.equal(snapshot);
      await expectLedgerAgrees(callId);
    });

    it("the reconciliation reads the ledger sums, equal to every entry summed again; the daily check finds sums that no longer are", async () => {
      const callId = await newCall([total(1_000_000)]);
      const [a, b] = await newApplications(callId, 2);
      const [c] = await newApplications(callId, 1, { type: "MG" });
      await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: a, amountCents: 400_000, ceilingKeys: ["total"], idempotencyKey: key("c") }));
      await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: b, amountCents: 400_000, ceilingKeys: ["total"], idempotencyKey: key("c") }));
      await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: c, amountCents: 50_000, ceilingKeys: ["total"], idempotencyKey: key("c") }));
      await inTransaction(ctx, (trx) => release(trx, ctx, { callId, applicationId: b, amountCents: 400_000, ceilingKeys: ["total"], idempotencyKey: key("r") }));
      const paymentId = await newPayment(a, 250_000);
      const paid = await inTransaction(ctx, (trx) => recordPayment(trx, ctx, { callId, applicationId: a, amountCents: 250_000, ceilingKeys: ["total"], paymentId, idempotencyKey: key("p") }));
      await inTransaction(ctx, (trx) => reverseEntry(trx, ctx, paid.entryId, "booked twice by the bank", key("rev")));

      const filter = { callId };
      const fromSums = await reconciliation(db, filter);
      const fromEntries = await reconciliation(db, filter, "entries");
      expect(fromSums.source).to.equal("sums");
      expect(fromEntries.source).to.equal("entries");
      expect({ ...fromEntries, source: "sums" }).to.deep.equal(fromSums);
      expect(fromSums.total).to.include({ committedCents: 850_000, releasedCents: 400_000, paidCents: 0, outstandingCents: 450_000 });
      expect(fromSums.byType.map((r) => [r.code, r.committedCents])).to.deep.equal([["MG", 50_000], ["IN", 800_000]]);
      expect(defined(fromSums.byCall[0]).runningTotalsAgree).to.equal(true);
      // Filtered by region, type or kind, the sums still give what the entries give.
      const regionCodes = (await db("regions").select("code")).map((r: { code: string }) => r.code);
      for (const narrower of [{ type: "MG" }, { type: "IN" }, { kind: "release" as const }, ...regionCodes.map((region) => ({ region }))]) {
        const f = { ...filter, ...narrower };
        expect({ ...(await reconciliation(db, f, "entries")), source: "sums" }, JSON.stringify(narrower)).to.deep.equal(await reconciliation(db, f));
      }
      // A period can only be summed from the entries.
      expect((await reconciliation(db, { ...filter, fromUtc: "2020-01-01T00:00:00.000Z" })).source).to.equal("entries");
      // Unfiltered (or by kind alone), the programme's figures come from ledger_totals, and still
      // equal every entry summed again, on the reconciliation page and in the ledger page's totals.
      for (const programme of [{}, { kind: "commit" as const }, { kind: "payment" as const }]) {
        expect({ ...(await reconciliation(db, programme, "entries")), source: "sums" }, JSON.stringify(programme)).to.deep.equal(await reconciliation(db, programme));
        expect(await ledgerTotals(db, programme), JSON.stringify(programme)).to.deep.equal(await ledgerTotals(db, { ...programme, fromUtc: "2000-01-01T00:00:00.000Z" }));
      }

      // The sums changed behind the budget service's back: the daily check (of opened calls) names them.
      await db("calls").where({ id: callId }).update({ status: "open" });
      const ctxSystem = { ...ctx, actor: null };
      expect(await checkCallLedgers(ctxSystem)).to.equal(0);
      await db("ledger_sums").where({ call_id: callId, kind: "commit", voucher_type_id: defined(typeIds.MG) }).update({ amount_cents: 60_000 });
      expect(await ledgerSumsAgree(db, callId)).to.equal(false);
      expect(await checkCallLedgers(ctxSystem)).to.equal(1);
      expect(await lastLedgerCheck(db, callId)).to.deep.include({ ok: false, differing: [LEDGER_SUMS_KEY] });
      expect((await reconciliation(db, filter, "entries")).total.committedCents, "summed again from the entries").to.equal(850_000);

      // The programme's totals changed behind its back: the pages show what is kept, the daily
      // check names the difference for every opened call, and the entries still give the truth.
      await db("ledger_sums").where({ call_id: callId, kind: "commit", voucher_type_id: defined(typeIds.MG) }).update({ amount_cents: 50_000 });
      const mgCommitted = (r: Awaited<ReturnType<typeof reconciliation>>) => defined(r.byType.find((x) => x.code === "MG")).committedCents;
      const truth = mgCommitted(await reconciliation(db, {}, "entries"));
      const totalsOfMg = db("ledger_totals").where({ level: "type", level_id: defined(typeIds.MG), kind: "commit" });
      await totalsOfMg.clone().update({ amount_cents: db.raw("amount_cents + 1") });
      try {
        expect(await ledgerTotalsAgree(db)).to.equal(false);
        expect(mgCommitted(await reconciliation(db, {})), "read from ledger_totals").to.equal(truth + 1);
        expect(await checkCallLedgers(ctxSystem)).to.equal(1);
        expect(await lastLedgerCheck(db, callId)).to.deep.include({ ok: false, differing: [LEDGER_TOTALS_KEY] });
      } finally {
        await totalsOfMg.clone().update({ amount_cents: db.raw("amount_cents - 1") });
      }
      expect(await ledgerTotalsAgree(db)).to.equal(true);
      expect(await checkCallLedgers(ctxSystem)).to.equal(0);
    });

    it("setCeilings raises and adds ceilings but never below the net commitment", async () => {
      const callId = await newCall([total(1_000_000)]);
      const [a] = await newApplications(callId, 1);
      await inTransaction(ctx, (trx) => commit(trx, ctx, { callId, applicationId: a, amountCents: 600_000, ceilingKeys: ["total"], idempotencyKey: key("c") }));
      await inTransaction(ctx, (trx) => release(trx, ctx, { callId, applicationId: a, amountCents: 100_000, ceilingKeys: ["total"], idempotencyKey: key("r") }));

      const err = await rejection(
        inTransaction(ctx, (trx) => setCeilings(trx, ctx, callId, [total(499_999)])),
        ValidationError,
      );
      expect(err.fields.total).to.equal("Total budget: the ceiling cannot be EUR 4,999.99 because EUR 5,000.00 is already committed under it.");
      await inTransaction(ctx, (trx) => setCeilings(trx, ctx, callId, [total(500_000), { key: "type:CO", label: "Collaboration budget", ceilingCents: 700_000 }]));
      expect((await readCeilings(db, callId)).map((c) => [c.key, c.ceilingCents, c.committedCents])).to.deep.equal([
        ["total", 500_000, 600_000],
        ["type:CO", 700_000, 0],
      ]);
      await expectLedgerAgrees(callId);
    });

    it("40 managers approving EUR 500 at once against EUR 5,000 commit exactly 10, 20 times over", async function () {
      this.timeout(120_000);
      const started = Date.now();
      // How many transactions were open at the same moment: on PostgreSQL it must be more than one,
      // or the test would pass without the row lock doing anything.
      let open = 0;
      let maxOpen = 0;
      for (let round = 0; round < 20; round++) {
        const callId = await newCall([total(500_000)]);
        const apps = await newApplications(callId, 40, { type: "MG" });
        const results = await Promise.allSettled(
          apps.map((applicationId) =>
            inTransaction(ctx, async (trx) => {
              open++;
              maxOpen = Math.max(maxOpen, open);
              try {
                return await commit(trx, ctx, {
                  callId, applicationId, amountCents: 50_000, ceilingKeys: ["total"], idempotencyKey: `race-${t.name}-${callId}-${applicationId}`,
                });
              } finally {
                open--;
              }
            }),
          ),
        );
        const ok = results.filter((r) => r.status === "fulfilled");
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        const unexpected = failed.filter((r) => !(r.reason instanceof BudgetExceededError)).map((r) => String(r.reason));
        expect(unexpected, `round ${round}`).to.deep.equal([]);
        expect(ok.length, `round ${round}`).to.equal(10);
        expect(failed.length).to.equal(30);

        const sum = await db("ledger_entries").where({ call_id: callId }).sum({ s: "amount_cents" }).first();
        expect(Number(sum!.s), `round ${round}`).to.equal(500_000);
        expect(await running(callId)).to.deep.equal({ committed: 500_000, released: 0, paid: 0, ceiling: 500_000 });
        await expectLedgerAgrees(callId);
      }
      if (t.name === "postgres") expect(maxOpen).to.be.greaterThan(1);
      else expect(maxOpen).to.equal(1);
      console.log(`      [${t.name}] 20 rounds x 40 concurrent commits: ${Date.now() - started} ms, up to ${maxOpen} transactions open at once`);
    });
  });
}
