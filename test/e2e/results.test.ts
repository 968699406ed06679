import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import ExcelJS from "exceljs";
import type { Express } from "express";
import request from "supertest";
import type { Db } from "../../server/db/connection";
import { INDICATORS } from "../../server/domain/results";
import { buildApp, postForm, signIn, type Agent } from "../support/app";
import { testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
};

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "results-report-"));
  try {
    const file = path.join(dir, "report.pdf");
    writeFileSync(file, pdf);
    return execFileSync("pdftotext", [file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const engine of testDatabases()) {
  describe(`programme results pages (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let admin: Agent;
    let manager: Agent;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, () => new Date(), { activity: true });
      app = buildApp(db);
      admin = await signIn(app, "admin@demo.test");
      manager = await signIn(app, "manager@demo.test");
    });
    after(() => db.destroy());

    it("fills every chart of the dashboard from the demo data, each with a title, a summary and its data table", async () => {
      const res = await admin.get("/results");
      expect(res.status).to.equal(200);
      const sections = res.text.split('<section class="result-chart"').slice(1);
      expect(sections.length).to.equal(8);
      for (const s of sections) {
        expect(s).to.match(/<h2 id="chart-[a-z-]+-h">[^<]+<\/h2>/);
        expect(s).to.match(/<p class="chart-summary">[^<]{10,}<\/p>/);
        expect(s).to.match(/<svg [^>]*role="img"/);
        // Something drawn: a bar, a line or a heat-map cell with a value.
        expect(s).to.match(/<rect x="[\d.]+" y="[\d.]+" width="[1-9][\d.]*"|<path d="M/);
        expect(s).to.match(/<caption>[^<]+: data<\/caption>/);
        expect(s).not.to.contain("No data in this period.");
      }
      expect(res.text).to.contain("EUR 9,215.00"); // committed: 430 + 365 + 420 + 4,000 + 4,000
      expect(res.text).to.contain("EUR 418.37"); // paid: the Nordic Meet &amp; Greet
      expect(res.text).to.contain("of the target of 67");
    });

    it("highlights the cluster manager's own region", async () => {
      const res = await manager.get("/results");
      expect(res.status).to.equal(200);
      expect(res.text).to.contain("Your region, Capital Region of Denmark, is outlined");
      expect(res.text).to.match(/<tr class="own-region"><th scope="row">Capital Region of Denmark \(DK\)/);
      expect(res.text).not.to.contain('action="/results/target"');
    });

    it("filters by period and call, and answers bad filters with 400", async () => {
      const none = await admin.get("/results?from=2000-01-01&to=2000-12-31");
      expect(none.status).to.equal(200);
      expect(none.text).to.contain("No applications were submitted in this period.");
      expect((await admin.get("/results?call=1")).status).to.equal(200);
      for (const q of ["from=2026-02-30", "to=yesterday", "call=abc", "call=1&call=2", "from=2026-05-01&to=2026-04-01"]) {
        const res = await admin.get(`/results?${q}`);
        expect(res.status, q).to.equal(400);
      }
    });

    it("lets an administrator set the cooperation target and keeps a bad value with its error", async () => {
      const bad = await postForm(admin, "/results", "/results/target", { target: "lots" });
      expect(bad.status).to.equal(422);
      expect(bad.text).to.contain('value="lots"');
      expect(bad.text).to.contain("whole number from 1 to 100000");
      const ok = await postForm(admin, "/results", "/results/target", { target: "80" });
      expect(ok.status).to.equal(303);
      expect((await admin.get("/results")).text).to.contain("of the target of 80");
      const audit = await db("audit_events").where({ action: "results.target_set" }).first();
      expect(audit?.after_json).to.contain("80");
      await postForm(admin, "/results", "/results/target", { target: "67" });
    });

    it("shows the indicator report with definitions and drill-down lists", async () => {
      const res = await manager.get("/results/report");
      expect(res.status).to.equal(200);
      for (const i of INDICATORS) {
        expect(res.text).to.contain(i.title.replace(/&/g, "&amp;"));
        expect(res.text).to.contain(i.definition);
      }
      // Five approved vouchers of four companies; Nordic Enzyme Labs has two.
      expect(res.text).to.match(/id="indicator-grants"[\s\S]*?<strong>4 enterprises<\/strong>/);
      expect(res.text).to.match(/id="indicator-transnational"[\s\S]*?<strong>5 cooperations<\/strong>/);
      expect(res.text).to.match(/id="indicator-brokerage"[\s\S]*?<strong>1 enterprise<\/strong>/);
    });

    it("links a drill-down voucher only for those who may open it", async () => {
      const links = (text: string) => [...new Set([...text.matchAll(/href="(\/manager\/applications\/\d+)"/g)].map((m) => m[1]!))];
      const managerLinks = links((await manager.get("/results/report")).text);
      const adminLinks = links((await admin.get("/results/report")).text);
      expect(managerLinks.length).to.be.greaterThan(0);
      // The demo has approved vouchers of other partners: listed for the manager, not linked.
      expect(adminLinks.length).to.be.greaterThan(managerLinks.length);
      for (const href of managerLinks) expect((await manager.get(href)).status, href).to.equal(200);
      for (const href of adminLinks) expect((await admin.get(href)).status, href).to.equal(200);
    });

    it("downloads the report as XLSX with one sheet per indicator", async () => {
      const res = await admin.get("/results/report.xlsx").buffer(true).parse(binary);
      expect(res.status).to.equal(200);
      expect(res.headers["content-disposition"]).to.contain("indicator-report.xlsx");
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.body as ArrayBuffer);
      expect(wb.worksheets.map((w) => w.name)).to.deep.equal(INDICATORS.map((i) => i.title.slice(0, 31)));
      const grants = wb.worksheets[0]!;
      expect(grants.getRow(4).getCell(2).value).to.equal(4);
      // Header row then one row per approved voucher.
      const refs: string[] = [];
      grants.eachRow((row, n) => { if (n > 6) refs.push(row.getCell(1).text); });
      expect(refs.length).to.equal(5);
    });

    it("writes the XLSX in the reader's language, and with headers=keys the same stable keys in every language", async () => {
      const workbook = async (query: string, lang: string) => {
        const res = await admin.get(`/results/report.xlsx${query}`).set("Cookie", `vd.lang=${lang}`).buffer(true).parse(binary);
        expect(res.status).to.equal(200);
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.load(res.body as ArrayBuffer);
        return wb;
      };
      /** Every text cell of the workbook that is a label or header (not a record's data), with the sheet names. */
      const labels = (wb: ExcelJS.Workbook) => wb.worksheets.flatMap((ws) => {
        const out = [ws.name];
        ws.eachRow((row, n) => {
          if (n === 1) return;
          if (n <= 4) out.push(row.getCell(1).text);
          else if (row.font?.bold) row.eachCell((c) => out.push(c.text));
        });
        if (ws.getRow(4).getCell(3).text) out.push(ws.getRow(4).getCell(3).text);
        return out;
      });

      const de = await workbook("", "de");
      const grants = de.worksheets[0]!;
      expect(grants.name).to.equal("Unternehmen, die Zuschüsse erha");
      expect([2, 3, 4].map((n) => grants.getRow(n).getCell(1).text)).to.deep.equal(["Zeitraum", "Definition", "Wert"]);
      expect(grants.getRow(4).getCell(3).text).to.equal("Unternehmen");
      expect(grants.getRow(6).values).to.include.members(["Gutschein", "Unternehmen", "Bewilligt am", "Bewilligt (EUR)", "Status"]);
      const partners = de.worksheets[4]!;
      expect(partners.getRow(6).values).to.include.members(["Regionalpartner", "Obergrenze (EUR)", "Gebunden (EUR)", "Freigegeben (EUR)", "Ausgezahlt (EUR)"]);
      const english = labels(await workbook("", "en"));
      expect(english).to.include.members(["Period", "Definition", "Value", "Voucher", "Approved (EUR)", "Ceiling (EUR)", "Referred at (UTC)"]);
      // No label of the German file is left in English (words spelled alike in both languages aside).
      const alike = new Set(["Definition", "Region", "Status", "Organisation", "Partner", "EUR"]);
      const leftEnglish = labels(de).filter((l) => english.includes(l) && !alike.has(l));
      expect(leftEnglish).to.deep.equal([]);

      const keys = await workbook("?headers=keys", "fr");
      expect(keys.worksheets.map((w) => w.name)).to.deep.equal(INDICATORS.map((i) => i.key));
      expect(keys.worksheets[0]!.getRow(6).values).to.include.members(["voucher", "company", "approved_on", "approved_eur", "counterpart_kind", "state"]);
      expect([2, 3, 4].map((n) => keys.worksheets[0]!.getRow(n).getCell(1).text)).to.deep.equal(["period", "definition", "value"]);
      expect(labels(keys)).to.deep.equal(labels(await workbook("?headers=keys", "da")));
      expect((await admin.get("/results/report.xlsx?headers=words")).status).to.equal(400);
    });

    it("downloads the report as a PDF with the charts drawn as vectors", async () => {
      const res = await manager.get("/results/report.pdf").buffer(true).parse(binary);
      expect(res.status).to.equal(200);
      const pdf = res.body as Buffer;
      expect(pdf.subarray(0, 5).toString()).to.equal("%PDF-");
      expect(pdf.includes(Buffer.from("/Subtype /Image"))).to.equal(false);
      expect(pdf.length).to.be.greaterThan(20_000);
    });

    it("shows the dashboard to a German reader in German: titles, key figures, chart texts and amounts", async () => {
      const res = await manager.get("/results?from=2026-01-01").set("Cookie", "vd.lang=de");
      expect(res.status).to.equal(200);
      expect(res.text).to.include('<html lang="de">').and.include("<title>Ergebnisse des Programms – Voucherdesk</title>");
      expect(res.text).to.include("<h1>Ergebnisse des Programms</h1>");
      expect(res.text).to.include("Was die Gutscheine bewirken und wie das Budget eingesetzt wird: ab 1. Januar 2026.");
      expect(res.text).to.include("Ihre Region, Capital Region of Denmark, ist in den Diagrammen umrandet");
      expect(res.text).to.include("<dt>Eingereichte Anträge</dt>").and.include("<dt>Bewilligungsquote</dt>");
      expect(res.text).to.include("9.215,00 EUR").and.not.include("EUR 9,215.00");
      expect(res.text).to.include('<h2 id="chart-by-state-h">Gutscheine nach Status</h2>').and.include("<caption>Gutscheine nach Status: Daten</caption>");
      expect(res.text).to.include('<th scope="row">Bewilligt, noch nicht ausgezahlt</th>').and.not.include("Approved, not yet paid");
      // The chart itself: legend, axis caption and its accessible description.
      expect(res.text).to.include(">Gebunden (abzüglich Freigaben)</text>").and.include(">Region des Antragstellers (Zeilen) × Region des Partners (Spalten)</text>");
      expect(res.text).to.match(/<desc id="chart-desc-\d+">\d+ unterschiedliche internationale Kooperationen begonnen/);
      expect(res.text).not.to.match(/results:|charts\.[a-z]/);
    });

    it("writes the indicator report PDF in Dutch for a Dutch reader, the same bytes each time", async () => {
      // The PDF records when it was made: a stopped clock makes two downloads comparable.
      const at = new Date();
      const reader = await signIn(buildApp(db, { clock: () => at }), "manager@demo.test");
      const get = () => reader.get("/results/report.pdf").set("Cookie", "vd.lang=nl").buffer(true).parse(binary);
      const first = (await get()).body as Buffer;
      const text = pdfText(first);
      expect(text).to.include("IN2LifeSciences indicatorenrapport").and.include("Periode: het hele programma");
      expect(text).to.include("Ondernemingen die subsidie ontvangen").and.include("4 ondernemingen");
      expect(text).to.include("Records achter het cijfer: 5 (opgenomen in het XLSX-rapport).");
      expect(text).to.include("EUR 9.203,37").and.include("Budget per oproep");
      expect(text).not.to.include("Enterprises receiving grants");
      expect(((await get()).body as Buffer).equals(first)).to.equal(true);
      expect(pdfText((await reader.get("/results/report.pdf").buffer(true).parse(binary)).body as Buffer)).to.include("Enterprises receiving grants");
    });

    it("publishes aggregates without signing in and without names, withholding small groups", async () => {
      const res = await request(app).get("/results/public");
      expect(res.status).to.equal(200);
      expect(res.text).to.contain("Vouchers approved");
      for (const name of ["Nordic Enzyme", "Amager", "Øresund", "demo.test", "Tübingen"]) expect(res.text).not.to.contain(name);
      // 5 approved vouchers: the total is published, each region and type group is below 3.
      expect(res.text).to.match(/<dt>Vouchers approved<\/dt><dd>5<\/dd>/);
      expect(res.text).to.contain("&lt;3</abbr>");
      expect(res.text).not.to.match(/<td class="num">[12]<\/td>/);
    });
  });
}
