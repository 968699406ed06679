import { expect } from "chai";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { AUDIT_CSV_COLUMNS } from "../../server/exports/audit-csv";
import { LEDGER_COLUMNS } from "../../server/exports/ledger-row";
import { LEDGER_COLUMN_KEYS } from "../../server/web/export-headers";
import { buildApp, signIn, type Agent } from "../support/app";
import { testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { seedDemoData } from "../support/fixtures";

function binary(res: import("superagent").Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
}

function headerRow(csv: string): string[] | undefined {
  const rows: string[][] = parse(csv, { to_line: 1 });
  return rows[0];
}

for (const engine of testDatabases()) describe(`export column headers in the reader's language (e2e, ${engine.name})`, function () {
  this.timeout(60000);
  let db: Db;
  let app: Express;
  let finance: Agent;
  let admin: Agent;

  before(async () => {
    db = await engine.create();
    await seedDemoData(db);
    app = buildApp(db);
    finance = await signIn(app, "finance@demo.test");
    admin = await signIn(app, "admin@demo.test");
  });
  after(() => db.destroy());

  it("a HEAD request gets a download's headers without making (or logging) an export (R17)", async () => {
    const logged = async () => Number(defined((await db("audit_events").whereIn("action", ["ledger.exported", "audit.exported"]).count<{ n: number | string }[]>({ n: "*" }))[0]).n);
    const before = await logged();
    for (const [agent, path, type] of [[finance, "/finance/ledger.csv", "text/csv"], [finance, "/finance/ledger.xlsx", "spreadsheetml"], [admin, "/admin/audit.csv", "text/csv"]] as const) {
      const res = await agent.head(path);
      expect(res.status, path).to.equal(200);
      expect(res.headers["content-type"], path).to.include(type);
      expect(res.headers["content-disposition"], path).to.match(/^attachment; filename=/);
    }
    expect(await logged()).to.equal(before);
    await finance.get("/finance/ledger.csv").expect(200);
    expect(await logged()).to.equal(before + 1);
  });

  it("names the ledger CSV's columns in German and in French for readers of those languages, and in English as before", async () => {
    const de = await finance.get("/finance/ledger.csv").set("Accept-Language", "de-DE,de;q=0.9").expect(200);
    expect(headerRow(de.text)).to.include.ordered.members(["Buchungs-ID", "Datum", "Buchungsart"]).and.include("Betrag EUR").and.include("USt-IdNr.");
    const fr = await finance.get("/finance/ledger.csv").set("Accept-Language", "fr-BE").expect(200);
    expect(headerRow(fr.text)).to.include.ordered.members(["N° d'écriture", "Date", "Type d'écriture"]).and.include("Montant EUR").and.include("Appel à candidatures");
    const en = await finance.get("/finance/ledger.csv").set("Accept-Language", "en").expect(200);
    expect(headerRow(en.text)).to.deep.equal([...LEDGER_COLUMNS]);
    // Only the header row changes: the entries are the same bytes in every language.
    const body = (csv: string) => csv.slice(csv.indexOf("\r\n"));
    expect(body(de.text)).to.equal(body(en.text)).and.equal(body(fr.text));
    expect(headerRow(de.text)).to.have.length(LEDGER_COLUMNS.length);
  });

  it("writes the same column keys under ?headers=keys whatever the reader's language", async () => {
    const da = await finance.get("/finance/ledger.csv?headers=keys").set("Accept-Language", "da").expect(200);
    const en = await finance.get("/finance/ledger.csv?headers=keys").set("Accept-Language", "en").expect(200);
    expect(da.text).to.equal(en.text);
    expect(headerRow(da.text)).to.deep.equal([...LEDGER_COLUMN_KEYS]);
    expect(LEDGER_COLUMN_KEYS.slice(0, 3)).to.deep.equal(["entry_id", "date", "kind"]);
    // Without it, the Danish reader gets Danish headers: the keys are not the default.
    const daLabels = await finance.get("/finance/ledger.csv").set("Accept-Language", "da").expect(200);
    expect(headerRow(daLabels.text)).to.include("Beløb EUR");

    const auditDa = await admin.get("/admin/audit.csv?headers=keys").set("Accept-Language", "da").expect(200);
    const auditEn = await admin.get("/admin/audit.csv?headers=keys").set("Accept-Language", "en").expect(200);
    expect(headerRow(auditDa.text)).to.deep.equal([...AUDIT_CSV_COLUMNS]);
    expect(headerRow(auditEn.text)).to.deep.equal([...AUDIT_CSV_COLUMNS]);
  });

  it("names the audit CSV's columns in the reader's language, and keeps the English file as it was", async () => {
    const de = await admin.get("/admin/audit.csv").set("Accept-Language", "de").expect(200);
    expect(headerRow(de.text)).to.include.ordered.members(["Laufnummer", "Zeitpunkt", "Benutzer", "Aktion"]);
    const en = await admin.get("/admin/audit.csv").set("Accept-Language", "en").expect(200);
    expect(headerRow(en.text)).to.deep.equal([...AUDIT_CSV_COLUMNS]);
  });

  it("writes the XLSX ledger's header row in Dutch for a Dutch reader", async () => {
    const res = await finance.get("/finance/ledger.xlsx").set("Accept-Language", "nl-NL").buffer(true).parse(binary).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).to.deep.equal(["Grootboek", "Totalen"]);
    const sheet = wb.getWorksheet("Grootboek");
    expect(sheet, "Ledger sheet").to.not.equal(undefined);
    const values = (sheet!.getRow(1).values as unknown[]).slice(1);
    expect(values).to.have.length(LEDGER_COLUMNS.length);
    expect(values.slice(0, 3)).to.deep.equal(["Boekingsnummer", "Datum", "Soort boeking"]);
    expect(values).to.include("Bedrag EUR").and.include("Betalingsreferentie").and.include("Oproep");
    // The totals under the entries and the Totals sheet's title, sections and columns read in Dutch too.
    const texts = (ws: ExcelJS.Worksheet) => { const out: string[] = []; ws.eachRow((r) => r.eachCell((c) => { if (typeof c.value === "string") out.push(c.value); })); return out; };
    expect(texts(sheet!)).to.include("Totaal").and.not.include("Total");
    const totals = texts(defined(wb.getWorksheet("Totalen"), "Totals sheet"));
    expect(totals).to.include.members(["Grootboek van uitbetalingen", "Oproep", "Regio", "Vouchertype", "Alle", "Verplichting EUR", "Vrijval EUR", "Betaling EUR", "Openstaand EUR"]);
    expect(totals).to.not.include.members(["Disbursement ledger"]).and.not.include("Call").and.not.include("Voucher type").and.not.include("All").and.not.include("Commit EUR");
  });

  it("keeps the XLSX ledger's sheet names and totals labels in English under ?headers=keys, whatever the reader's language", async () => {
    const res = await finance.get("/finance/ledger.xlsx?headers=keys").set("Accept-Language", "de").buffer(true).parse(binary).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).to.deep.equal(["Ledger", "Totals"]);
    expect(defined(wb.getWorksheet("Totals"), "Totals sheet").getRow(3).values).to.deep.equal([undefined, "Call", "Commit EUR", "Release EUR", "Payment EUR", "Outstanding EUR"]);
  });

  it("refuses any other headers value with a 400 that says what is accepted, before anything is exported", async () => {
    const before = await db("audit_events").where({ action: "ledger.exported" }).count<{ n: number | string }[]>({ n: "*" });
    for (const path of ["/finance/ledger.csv?headers=labels", "/finance/ledger.xlsx?headers=KEYS", "/finance/ledger.csv?headers=keys&headers=keys"]) {
      const res = await finance.get(path);
      expect(res.status, path).to.equal(400);
      expect(res.text.replace(/&#x3D;/g, "="), path).to.contain("headers=keys");
    }
    // In the reader's language, like every refusal.
    const danish = await finance.get("/finance/ledger.csv?headers=labels").set("Accept-Language", "da");
    expect(danish.status).to.equal(400);
    expect(danish.text.replace(/&#x3D;/g, "=")).to.contain("skriv headers=keys for kolonnernes faste nøgler").and.not.contain("stable keys");
    const audit = await admin.get("/admin/audit.csv?headers=");
    expect(audit.status).to.equal(400);
    expect(audit.text.replace(/&#x3D;/g, "=")).to.contain("headers=keys");
    const after = await db("audit_events").where({ action: "ledger.exported" }).count<{ n: number | string }[]>({ n: "*" });
    expect(Number(after[0]?.n)).to.equal(Number(before[0]?.n));
  });
});
