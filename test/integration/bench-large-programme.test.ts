import { createHash } from "node:crypto";
import { expect } from "chai";
import { toBuffer } from "../../server/db/tables/award-letters";
import type { Db } from "../../server/db/connection";
import { STATE_LABELS } from "../../server/domain/lifecycle";
import { searchKey } from "../../server/domain/text-folding";
import { verifyLedgerTotals, ledgerSumsAgree } from "../../server/services/finance/budget";
import { ledgerTotalsAgree } from "../../server/services/finance/ledger-totals";
import { reconciliation } from "../../server/services/finance/reconciliation";
import { seedLargeProgramme } from "../../bench/large-programme";
import { testConfig, testDatabases } from "../support/db";

for (const engine of testDatabases()) {
  describe(`bench: the large-programme data set keeps every invariant (${engine.name})`, function () {
    this.timeout(180000);
    let db: Db;
    let summary: Awaited<ReturnType<typeof seedLargeProgramme>>;

    before(async () => {
      db = await engine.create();
      summary = await seedLargeProgramme(db, testConfig(), { applications: 700, calls: 7, seed: 3 });
    });
    after(() => db.destroy());

    it("builds the requested size with applications in many states", async () => {
      expect(summary.applications).to.equal(700);
      // Submitted applications carry APP-nnnnn; an approval gives them their award letter's reference.
      const referenced = await db("applications").whereNotNull("reference").pluck("reference");
      expect(referenced.length).to.be.greaterThan(500);
      expect(referenced.every((r) => r !== null && (/^APP-\d{5}$/.test(r) || /^IN2LS-\d{4}-[A-Z]+-[A-Z]+-\d{4}$/.test(r)))).to.equal(true);
      expect(Object.keys(summary.states).length).to.be.greaterThanOrEqual(10);
      for (const s of Object.keys(summary.states)) expect(STATE_LABELS).to.have.property(s);
      expect(summary.ledgerEntries).to.be.greaterThan(summary.applications);
    });

    it("accounts and companies carry the search keys their services write, so the searches find them", async () => {
      const users = await db("users").select("name", "email", "search_key");
      expect(users.length).to.be.greaterThan(100);
      expect(users.filter((u) => u.search_key !== searchKey(u.name, u.email))).to.deep.equal([]);
      const companies = await db("companies").select("legal_name", "vat_number", "search_key");
      expect(companies.filter((c) => c.search_key !== searchKey(c.legal_name, c.vat_number))).to.deep.equal([]);
    });

    it("running totals equal the ledger, within every ceiling: the reconciliation shows no difference", async () => {
      // Every call on one page, to look at each.
      const recon = await reconciliation(db, {}, "sums", {}, 1000);
      expect(recon.byCall.length).to.be.greaterThan(7).and.equal(recon.calls.count);
      for (const row of recon.byCall) {
        expect(row.runningTotalsAgree, row.label).to.equal(true);
        if (row.remainingCents !== null) expect(row.remainingCents, row.label).to.be.at.least(0);
        expect(row.outstandingCents, row.label).to.be.at.least(0);
      }
      for (const call of await db("calls").select("id")) {
        for (const check of await verifyLedgerTotals(db, Number(call.id))) expect(check.ok, `call ${call.id} ${check.key}`).to.equal(true);
        expect(await ledgerSumsAgree(db, Number(call.id)), `call ${call.id} ledger sums`).to.equal(true);
      }
      expect(await ledgerTotalsAgree(db), "ledger totals").to.equal(true);
      // The page reads ledger_totals; summing every entry again gives the same figures.
      const again = await reconciliation(db, {}, "entries", {}, 1000);
      expect(again.source).to.equal("entries");
      expect({ ...again, source: "sums" }).to.deep.equal(recon);
    });

    it("money follows the state: commits only for approved awards, payments only with a claim's one payment path", async () => {
      const committed = await db("ledger_entries").where({ kind: "commit" }).distinct("application_id").pluck("application_id");
      const states = new Map((await db("applications").select("id", "state")).map((a) => [Number(a.id), a.state]));
      const neverApproved = new Set(["draft", "submitted", "more-info-requested", "rejected", "withdrawn", "reserve-listed"]);
      for (const id of committed) expect(neverApproved.has(String(states.get(Number(id)))), `application ${id}`).to.equal(false);
      const perApp = await db("ledger_entries").groupBy("application_id", "kind").select("application_id", "kind").sum({ s: "amount_cents" });
      const totals = new Map<number, Record<string, number>>();
      for (const r of perApp) {
        const t = totals.get(Number(r.application_id)) ?? {};
        t[String(r.kind)] = Number(r.s);
        totals.set(Number(r.application_id), t);
      }
      for (const [id, t] of totals) {
        const outstanding = (t.commit ?? 0) - (t.release ?? 0) - (t.payment ?? 0);
        expect(outstanding, `application ${id}`).to.be.at.least(0);
        const state = String(states.get(id));
        if (["paid", "closed", "cancelled", "expired"].includes(state)) expect(outstanding, `application ${id} (${state})`).to.equal(0);
      }
      const paid = await db("payments as p").leftJoin("payment_paths as pp", "pp.payment_id", "p.id").select<{ id: number; path: number | null }[]>("p.id", "pp.id as path");
      expect(paid.length).to.be.greaterThan(0);
      for (const p of paid) expect(p.path, `payment ${p.id}`).to.not.equal(null);
      const [{ n } = { n: 0 }] = await db("payment_paths").whereNull("closed_at").groupBy("claim_id").havingRaw("count(*) > 1").count({ n: "*" });
      expect(Number(n ?? 0)).to.equal(0);
    });

    it("every approved application has one award letter, numbered per prefix in the order of approval, stored with the SHA-256 of its bytes", async () => {
      const approved = await db("applications").whereNotNull("approved_on").orderBy("id").select("id", "reference", "approved_on", "decided_at", "partner_id", "voucher_type_id");
      const letters = await db("award_letters").select("application_id", "reference", "sha256", "pdf", "issued_at", "language");
      const byApp = new Map(letters.map((l) => [Number(l.application_id), l]));
      expect(approved.length).to.be.greaterThan(300);
      expect(letters.length).to.equal(approved.length);
      expect(summary.letters).to.be.greaterThan(300);
      // The demo data's own letters are there too; the bulk adds exactly one per approved application.
      const regionOfPartner = new Map((await db("partners as p").join("regions as r", "r.id", "p.region_id").select<{ id: number; code: string }[]>("p.id", "r.code")).map((p) => [Number(p.id), p.code]));
      const typeCode = new Map((await db("voucher_types").select("id", "code")).map((t) => [Number(t.id), String(t.code)]));
      for (const a of approved) {
        const letter = byApp.get(Number(a.id));
        expect(letter, `application ${a.id}`).to.not.equal(undefined);
        if (!letter) continue;
        expect(a.reference, `application ${a.id}`).to.equal(letter.reference);
        const prefix = `IN2LS-${String(a.approved_on).slice(0, 4)}-${regionOfPartner.get(Number(a.partner_id))}-${typeCode.get(Number(a.voucher_type_id))}-`;
        expect(letter.reference.startsWith(prefix), letter.reference).to.equal(true);
        expect(letter.issued_at).to.equal(a.decided_at);
        expect(createHash("sha256").update(toBuffer(letter.pdf)).digest("hex")).to.equal(letter.sha256);
        expect(toBuffer(letter.pdf).subarray(0, 5).toString()).to.equal("%PDF-");
      }
      // Per prefix: the numbers are 1..n without gaps, rising with the issue instant, and the
      // prefix's counter stands at n, so the next approval takes n + 1.
      const perPrefix = new Map<string, { n: number; at: string }[]>();
      for (const l of letters) {
        const cut = l.reference.lastIndexOf("-") + 1;
        const list = perPrefix.get(l.reference.slice(0, cut)) ?? [];
        list.push({ n: Number(l.reference.slice(cut)), at: l.issued_at });
        perPrefix.set(l.reference.slice(0, cut), list);
      }
      const counters = new Map((await db("letter_numbers").select("prefix", "last_sequence")).map((c) => [c.prefix, Number(c.last_sequence)]));
      for (const [prefix, list] of perPrefix) {
        list.sort((x, y) => x.n - y.n);
        expect(list.map((x) => x.n), prefix).to.deep.equal(list.map((_, i) => i + 1));
        expect(counters.get(prefix), prefix).to.equal(list.length);
      }
    });

    it("is deterministic: the same seed gives the same applications and ledger", async () => {
      const again = await (async () => {
        const other = await engine.create();
        try {
          await seedLargeProgramme(other, testConfig(), { applications: 700, calls: 7, seed: 3 });
          return {
            apps: await other("applications").orderBy("id").select("reference", "state", "approved_cents", "call_id", "company_id"),
            ledger: await other("ledger_entries").orderBy("id").select("application_id", "kind", "amount_cents", "at"),
          };
        } finally {
          await other.destroy();
        }
      })();
      expect(await db("applications").orderBy("id").select("reference", "state", "approved_cents", "call_id", "company_id")).to.deep.equal(again.apps);
      expect(await db("ledger_entries").orderBy("id").select("application_id", "kind", "amount_cents", "at")).to.deep.equal(again.ledger);
    });
  });
}
