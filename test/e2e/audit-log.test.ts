import { expect } from "chai";
import { parse } from "csv-parse/sync";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { audit } from "../../server/services/platform/audit";
import { AUDIT_PAGE_SIZE } from "../../server/services/platform/audit-queries";
import { inTransaction } from "../../server/services/platform/context";
import { buildApp, signIn, type Agent } from "../support/app";
import { testContext, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { seedDemoData } from "../support/fixtures";
import { unescapeHref } from "../support/pages";

/** The "Older entries" link of a page, as the browser reads it. */
function olderLink(html: string): string {
  const href = defined(/<a href="([^"]+)">Older entries<\/a>/.exec(html), "older link")[1]!;
  return unescapeHref(href);
}

for (const engine of testDatabases()) {
  describe(`the audit log page: chain state, filters, paging and CSV (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let app: Express;
    let admin: Agent;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      const at = new Date("2026-03-10T09:00:00Z");
      const adminId = Number(defined(await db("users").where({ email: "admin@demo.test" }).first("id")).id);
      const ctx = testContext(db, { id: adminId, email: "Auditor.Probe@Example.org", name: "Probe", role: "admin", companyId: null, partnerId: null, regionId: null }, () => at);
      // 120 entries of one kind, so the filtered list runs over more than two pages.
      await inTransaction(ctx, async (trx) => {
        for (let i = 0; i < 120; i++) await audit(trx, ctx, { action: "probe.tick", entityType: "probe", entityId: i, after: { i, note: i === 7 ? "=HYPERLINK(\"x\")" : "ok" } });
      });
      const otherDay = testContext(db, null, () => new Date("2026-03-12T09:00:00Z"));
      await inTransaction(otherDay, (trx) => audit(trx, otherDay, { action: "probe.other", entityType: "probe", entityId: "x" }));
      await inTransaction(otherDay, (trx) => audit(trx, otherDay, { action: "probe.formula", entityType: "probe", entityId: "=SUM(A1:A9)" }));
      app = buildApp(db);
      admin = await signIn(app, "admin@demo.test");
    });
    after(() => db.destroy());

    it("shows the chain verified up to the newest entry, and where it breaks after a row is edited", async () => {
      const newest = Number(defined(await db("audit_events").max({ m: "id" }).first()).m);
      const ok = await admin.get("/admin/audit").expect(200);
      expect(ok.text).to.include("The audit chain is intact");
      // The sign-in above wrote entries too; the page counts all of them.
      expect(ok.text).to.match(new RegExp(`Verified up to entry ${newest} \\(\\d+ entries\\)`));
      const victim = Number(defined(await db("audit_events").where({ action: "probe.tick", entity_id: "50" }).first("id")).id);
      const original = defined(await db("audit_events").where({ id: victim }).first());
      await db("audit_events").where({ id: victim }).update({ after_json: "{\"i\":50,\"note\":\"rewritten\"}" });
      try {
        const broken = await admin.get("/admin/audit").expect(200);
        expect(broken.text).to.include(`The audit chain is broken at entry ${victim}`);
        expect(broken.text).to.include(`Entries up to ${victim - 1} are verified.`);
      } finally {
        await db("audit_events").where({ id: victim }).update({ after_json: original.after_json });
      }
      expect((await admin.get("/admin/audit").expect(200)).text).to.include("The audit chain is intact");
    });

    it("filters by actor (any letter case), action, record and period, and pages by position", async () => {
      const first = await admin.get("/admin/audit?actor=auditor.probe&action=probe.&entityType=probe").expect(200);
      const ids = (text: string) => [...text.matchAll(/entry (\d+)<\/span>/g)].map((m) => Number(m[1]));
      const page1 = ids(first.text);
      expect(page1).to.have.length(AUDIT_PAGE_SIZE);
      expect(first.text).to.not.include(">login.succeeded</code>").and.not.include(">probe.other</code>");
      const next = olderLink(first.text);
      expect(next).to.include("actor=auditor.probe");
      const second = await admin.get(next).expect(200);
      const page2 = ids(second.text);
      expect(page2).to.have.length(AUDIT_PAGE_SIZE);
      expect(Math.max(...page2)).to.be.lessThan(Math.min(...page1));
      const third = await admin.get(olderLink(second.text)).expect(200);
      expect(ids(third.text)).to.have.length(120 - 2 * AUDIT_PAGE_SIZE);
      expect(third.text, "no older page after the last").to.not.include("Older entries");

      const record = await admin.get("/admin/audit?entityType=probe&entityId=7").expect(200);
      expect(ids(record.text)).to.have.length(1);
      const period = await admin.get("/admin/audit?action=probe.&from=2026-03-11&to=2026-03-12").expect(200);
      expect(period.text).to.include(">probe.other</code>").and.include(">probe.formula</code>").and.not.include(">probe.tick</code>");
      // Wildcards typed by the user are taken literally.
      expect(ids((await admin.get("/admin/audit?actor=%25").expect(200)).text)).to.have.length(0);
    });

    it("exports the filtered log as CSV, oldest first with chain hashes, defused formulas, and logs the export", async () => {
      const res = await admin.get("/admin/audit.csv?actor=AUDITOR.PROBE&action=probe.tick&from=2026-03-10&to=2026-03-10").expect(200);
      expect(res.headers["content-type"]).to.match(/^text\/csv/);
      expect(res.headers["content-disposition"]).to.include("audit-log-from-2026-03-10-to-2026-03-10.csv");
      const text = res.text;
      expect(text).to.include("\r\n");
      const rows = parse<Record<string, string>>(text, { columns: true });
      expect(rows).to.have.length(120);
      expect(rows.map((r) => Number(r.id))).to.deep.equal([...rows.map((r) => Number(r.id))].sort((a, b) => a - b));
      const r7 = defined(rows.find((r) => r.entity_id === "7"));
      expect(r7.after).to.equal("{\"i\":7,\"note\":\"=HYPERLINK(\\\"x\\\")\"}");
      expect(r7.action_label).to.equal("probe.tick");
      const stored = defined(await db("audit_events").where({ id: Number(r7.id) }).first());
      expect(r7.hash).to.equal(stored.hash).and.match(/^[0-9a-f]{64}$/);
      expect(r7.prev_hash).to.equal(stored.prev_hash);
      const logged = defined(await db("audit_events").where({ action: "audit.exported" }).orderBy("id", "desc").first());
      expect(JSON.parse(defined(logged.after_json))).to.deep.include({ actor: "AUDITOR.PROBE", action: "probe.tick" });
      expect(logged.actor_label).to.equal("admin@demo.test");
      const formula = parse<Record<string, string>>((await admin.get("/admin/audit.csv?action=probe.formula").expect(200)).text, { columns: true });
      expect(formula.map((r) => r.entity_id), "a spreadsheet shows it as text").to.deep.equal(["'=SUM(A1:A9)"]);
    });

    it("refuses unreadable filters with a 400 naming them", async () => {
      for (const [query, key] of [["from=2026-02-30", "from"], ["before=0x10", "before"], ["before=abc", "before"], ["actor=a&actor=b", "actor"]] as const) {
        const res = await admin.get(`/admin/audit?${query}`);
        expect(res.status, query).to.equal(400);
        expect(res.text).to.include(`could not be read (${key})`);
      }
      expect((await admin.get("/admin/audit.csv?to=2026-13-01")).status).to.equal(400);
      // A period that ends before it starts is refused with both days, not shown as an empty log.
      for (const path of ["/admin/audit", "/admin/audit.csv"]) {
        const backwards = await admin.get(`${path}?from=2026-03-12&to=2026-03-11`);
        expect(backwards.status, path).to.equal(400);
        expect(backwards.text).to.include("(2026-03-12) is after");
      }
    });

    it("names each action in the reader's language, beside the stored code, on the page and in the CSV", async () => {
      const fr = (url: string) => admin.get(url).set("Cookie", "vd.lang=fr");
      const page = (await fr("/admin/audit?action=login.").expect(200)).text;
      expect(page).to.include('<html lang="fr">');
      expect(page).to.include('<td>Connexion réussie<br><code class="muted">login.succeeded</code></td>');
      expect(page).not.to.include("Signed in<br>");
      const other = (await fr("/admin/audit?action=two-factor.").expect(200)).text;
      expect(other).to.include('<td>Code à deux facteurs accepté<br><code class="muted">two-factor.succeeded</code></td>');
      // The file keeps the code in its own column and the label beside it, whatever the header row says.
      const rows: string[][] = parse((await fr("/admin/audit.csv?action=login.succeeded").expect(200)).text);
      const entry = defined(rows.find((r) => r.includes("login.succeeded")), "a sign-in in the CSV");
      expect(entry[entry.indexOf("login.succeeded") + 1]).to.equal("Connexion réussie");
      const english: string[][] = parse((await admin.get("/admin/audit.csv?action=login.succeeded").expect(200)).text);
      const en = defined(english.find((r) => r.includes("login.succeeded")), "a sign-in in the English CSV");
      expect(en[en.indexOf("login.succeeded") + 1]).to.equal("Signed in");
    });
  });
}
