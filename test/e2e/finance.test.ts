import { expect } from "chai";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { LEDGER_COLUMNS } from "../../server/exports/ledger-row";
import type { Cents } from "../../server/domain/money";
import { type Agent, csrfFrom, signIn } from "../support/app";
import { type TestClock, testDatabases } from "../support/db";
import { insertVerifiedClaim, registerSme, seedCall, startFinanceWorld } from "../support/journey";
import { defined } from "../support/defined";
import { relLink } from "../support/pages";

const NOW = "2027-06-15T10:00:00.000Z";

/** The demo's Danish company's voucher with a claim the manager verified, in a call of its own (R10 allows one voucher of a type per call). */
async function verifiedDemoClaim(db: Db, payableCents: Cents): Promise<{ claimId: number; applicationId: number; reference: string }> {
  const callId = await seedCall(db, () => new Date("2027-01-15T10:00:00.000Z"), { totalCents: 100_000_000 });
  return insertVerifiedClaim(db, { email: "oresund@demo.test", callId, type: "MG", requestedCents: 50_000, payableCents });
}

function binary(res: import("superagent").Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => cb(null, Buffer.concat(chunks)));
}

const cents = (s: string) => {
  const neg = s.startsWith("-");
  const [e, c = "0"] = s.replace("-", "").split(".");
  return (neg ? -1 : 1) * (Number(e) * 100 + Number(c.padEnd(2, "0")));
};
const pageCents = (html: string, attr: string) => {
  const m = new RegExp(`data-total="${attr}">([^<]*)<`).exec(html);
  if (!m) throw new Error(`no ${attr} total`);
  return cents(defined(m[1]).replace(/[^\d.-]/g, ""));
};

for (const engine of testDatabases()) describe(`finance officer journey (e2e, ${engine.name})`, function () {
  this.timeout(60000);
  let db: Db;
  let app: Express;
  let finance: Agent;
  let clock: TestClock;

  before(async () => {
    // The application runs on the fixtures' day, so payment and execution dates are checked against it.
    ({ db, app, clock, finance } = await startFinanceWorld(engine, NOW));
  });
  after(() => db.destroy());

  it("pays the demo claim once, refuses the double click, and downloads CSV and XLSX that agree with the pages", async () => {
    const claim = await verifiedDemoClaim(db, 42_050);
    const queue = await finance.get("/finance");
    expect(queue.status).to.equal(200);
    expect(queue.text).to.contain(claim.reference);
    // The demo's Danish company is paid to its Danish account, which it confirmed receives euros (R15).
    expect(queue.text).to.contain("DK2930000001234567");
    const token = csrfFrom(queue.text);
    const form = { _csrf: token, claimIds: String(claim.claimId), paidOn: "2027-06-15", bankReference: "BANK-E2E-1" };

    const [first, second] = await Promise.all([
      finance.post("/finance/payments").type("form").send(form),
      finance.post("/finance/payments").type("form").send(form),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).to.deep.equal([303, 409]);
    const refused = first.status === 409 ? first : second;
    expect(refused.text).to.contain("already paid on 15 June 2027, reference BANK-E2E-1");
    expect(await db("payments").where({ claim_id: claim.claimId })).to.have.length(1);
    expect(defined(await db("applications").where({ id: claim.applicationId }).first()).state).to.equal("paid");

    const ledger = await finance.get("/finance/ledger");
    expect(ledger.status).to.equal(200);
    expect(ledger.text).to.contain(`href="/applications/${claim.applicationId}"`);
    const paymentId = defined(await db("payments").where({ claim_id: claim.claimId }).first()).id;
    expect(ledger.text).to.contain(`<dt>Payment reference</dt><dd><a href="/finance/payments/${paymentId}">BANK-E2E-1</a></dd>`).and.contain("<dt>Paid on</dt><dd>15 Jun 2027</dd>");
    // Each entry's date carries its instant for machines (assistive technology, a copied table).
    const instants = [...ledger.text.matchAll(/<tr class="entry-row"[^]*?<time datetime="([^"]*)">/g)].map((m) => m[1]);
    expect(instants).to.have.length.greaterThan(0);
    for (const instant of instants) expect(Number.isNaN(Date.parse(instant ?? "")), `datetime="${instant}"`).to.equal(false);

    const csv = await finance.get("/finance/ledger.csv?from=2026-01-01&to=2030-12-31");
    expect(csv.status).to.equal(200);
    expect(csv.headers["content-type"]).to.match(/text\/csv/);
    const records = parse(csv.text);
    expect(records[0]).to.deep.equal([...LEDGER_COLUMNS]);
    const k = LEDGER_COLUMNS.indexOf("Kind");
    const amt = LEDGER_COLUMNS.indexOf("Amount EUR");
    const ref = LEDGER_COLUMNS.indexOf("Payment reference");
    const sum = (kind: string) => records.slice(1).filter((r) => r[k] === kind).reduce((s, r) => s + cents(defined(r[amt])), 0);
    const paidOn = LEDGER_COLUMNS.indexOf("Paid on");
    expect(records.slice(1).some((r) => r[k] === "payment" && r[ref] === "BANK-E2E-1" && r[amt] === "420.50" && r[paidOn] === "2027-06-15")).to.equal(true);
    expect(records.slice(1).filter((r) => r[k] !== "payment").every((r) => r[paidOn] === "")).to.equal(true);

    const recon = await finance.get("/finance/reconciliation?from=2026-01-01&to=2030-12-31");
    expect(recon.status).to.equal(200);
    const reconAll = /<tfoot><tr data-code="all">([\s\S]*?)<\/tr><\/tfoot>/.exec(recon.text);
    expect(reconAll, "reconciliation total row").to.not.equal(null);
    const reconCells = [...defined(reconAll![1]).matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    // Ceiling, committed, released, paid, outstanding, remaining.
    const [, rc, rr, rp, ro] = reconCells.map((c) => (c === "–" ? NaN : cents(defined(c).replace(/[^\d.-]/g, ""))));
    expect([rc, rr, rp, ro]).to.deep.equal([sum("commit"), sum("release"), sum("payment"), sum("commit") - sum("release") - sum("payment")]);
    const filteredLedger = await finance.get("/finance/ledger?from=2026-01-01&to=2030-12-31");
    expect(pageCents(filteredLedger.text, "paid")).to.equal(sum("payment"));
    expect(pageCents(filteredLedger.text, "committed")).to.equal(sum("commit"));
    expect(pageCents(filteredLedger.text, "released")).to.equal(sum("release"));

    const xlsx = await finance.get("/finance/ledger.xlsx?from=2026-01-01&to=2030-12-31").buffer(true).parse(binary);
    expect(xlsx.status).to.equal(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as ArrayBuffer);
    const ws = wb.getWorksheet("Ledger")!;
    const ids: number[] = [];
    ws.eachRow((row, n) => { const v = row.getCell(1).value; if (n > 1 && typeof v === "number") ids.push(v); });
    expect(ids).to.deep.equal(records.slice(1).map((r) => Number(r[0])));

    expect(await db("audit_events").where({ action: "ledger.exported" })).to.have.length(2);

    // Without a period the page reads the ledger's sums, and offers to add up every entry again.
    const total = (html: string) => /<tfoot><tr data-code="all">([\s\S]*?)<\/tr><\/tfoot>/.exec(html)?.[1];
    const fromSums = await finance.get("/finance/reconciliation");
    expect(fromSums.text.replace(/&#x3D;/g, "=")).to.contain("the sums the ledger keeps with every entry").and.contain('href="/finance/reconciliation?check=entries"');
    const again = await finance.get("/finance/reconciliation?check=entries");
    expect(again.status).to.equal(200);
    expect(again.text).to.contain("add up every entry of the ledger again").and.not.contain("Add up every entry again");
    expect(total(again.text)).to.equal(total(fromSums.text)).and.equal(total(recon.text));
    const bad = await finance.get("/finance/reconciliation?check=everything");
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain("to add up every entry again, or leave it out");
  });

  it("refuses bad export parameters with a 400 page that says why", async () => {
    const res = await finance.get("/finance/ledger.csv?from=2026-13-01");
    expect(res.status).to.equal(400);
    expect(res.text).to.contain("real date");
    const res2 = await finance.get("/finance/ledger.xlsx?from=2026-05-01&to=2026-04-01");
    expect(res2.status).to.equal(400);
  });

  it("prepares a SEPA batch, downloads its XML and marks it executed", async () => {
    const claim = await verifiedDemoClaim(db, 50_000);
    const page = await finance.get("/finance");
    const token = csrfFrom(page.text);
    const created = await finance.post("/finance/sepa").type("form").send({ _csrf: token, claimIds: String(claim.claimId), executionDate: "2027-06-18" });
    expect(created.status).to.equal(303);
    const batchUrl = created.headers.location as string;
    const batchPage = await finance.get(batchUrl);
    expect(batchPage.status).to.equal(200);
    const xml = await finance.get(`${batchUrl}/pain001.xml`);
    expect(xml.status).to.equal(200);
    expect(xml.text).to.contain(`<EndToEndId>${claim.reference}</EndToEndId>`);
    expect(xml.text).to.contain("<InstdAmt Ccy=\"EUR\">500.00</InstdAmt>");
    clock.set("2027-06-19T10:00:00.000Z"); // the bank has executed the batch
    // Days later: a new sign-in, whose code also covers the step-up of executing the batch.
    const officer = await signIn(app, "finance@demo.test");
    const done = await officer.post(`${batchUrl}/executed`).type("form").send({ _csrf: csrfFrom((await officer.get(batchUrl)).text) });
    clock.set(NOW);
    expect(done.status).to.equal(303);
    const pay = defined(await db("payments").where({ claim_id: claim.claimId }).first(), "pay");
    expect(pay.paid_on).to.equal("2027-06-18");
  });

  it("gives payment refusals in the officer's language: Danish for a second payment, German for a batch, French for an early execution", async () => {
    const claim = await verifiedDemoClaim(db, 20_000);
    const token = csrfFrom((await finance.get("/finance")).text);
    const form = { _csrf: token, claimIds: String(claim.claimId), paidOn: "2027-06-15", bankReference: "BANK-DA-1" };
    expect((await finance.post("/finance/payments").type("form").send(form)).status).to.equal(303);
    const again = await finance.post("/finance/payments").set("Accept-Language", "da").type("form").send(form);
    expect(again.status).to.equal(409);
    expect(again.text).to.contain("Denne anmodning om udbetaling blev allerede betalt den 15. juni 2027, reference BANK-DA-1. Intet er ændret.")
      .and.not.contain("already paid on");

    const batch = await finance.post("/finance/sepa").set("Accept-Language", "de").type("form")
      .send({ _csrf: token, claimIds: String(claim.claimId), executionDate: "2027-06-20" });
    expect(batch.status).to.be.within(400, 499);
    expect(batch.text).to.contain("Dieser Auszahlungsantrag wurde bereits am 15. Juni 2027 bezahlt, Referenz BANK-DA-1.").and.not.contain("already paid on");

    const other = await verifiedDemoClaim(db, 10_000);
    const created = await finance.post("/finance/sepa").type("form").send({ _csrf: token, claimIds: String(other.claimId), executionDate: "2027-06-20" });
    const early = await finance.post(`${String(created.headers.location)}/executed`).set("Accept-Language", "fr").type("form").send({ _csrf: token });
    expect(early.status).to.equal(422);
    expect(early.text).to.contain("La banque exécute ce lot le 20 juin 2027").and.not.contain("The bank executes");
    // Paid by hand after all, so the company's next voucher is not held back by an open claim (R10).
    expect((await finance.post(`${String(created.headers.location)}/cancel`).type("form").send({ _csrf: token, reason: "Test", confirm: "on" })).status).to.equal(303);
    expect((await finance.post("/finance/payments").type("form").send({ ...form, claimIds: String(other.claimId), bankReference: "BANK-DA-2" })).status).to.equal(303);
  });

  it("a batch page refuses an early execution with its reason, and cancels only with the confirmation ticked", async () => {
    const claim = await verifiedDemoClaim(db, 30_000);
    const token = csrfFrom((await finance.get("/finance")).text);
    const created = await finance.post("/finance/sepa").type("form").send({ _csrf: token, claimIds: String(claim.claimId), executionDate: "2027-06-20" });
    const batchUrl = created.headers.location as string;
    const page = await finance.get(batchUrl);
    expect(page.text).to.contain(claim.reference).and.to.contain(`action="${batchUrl}/cancel"`);

    const early = await finance.post(`${batchUrl}/executed`).type("form").send({ _csrf: token });
    expect(early.status).to.equal(422);
    expect(early.text).to.contain("The bank executes this batch on 20 June 2027");
    expect(await db("payments").where({ claim_id: claim.claimId })).to.have.length(0);

    const unconfirmed = await finance.post(`${batchUrl}/cancel`).type("form").send({ _csrf: token, reason: "Wrong date" });
    expect(unconfirmed.status).to.equal(422);
    expect(unconfirmed.text).to.contain("Tick the box to confirm").and.to.contain('value="Wrong date"');
    expect(defined(await db("sepa_batches").where({ id: Number(batchUrl.split("/").pop()) }).first()).status).to.equal("prepared");

    const cancelled = await finance.post(`${batchUrl}/cancel`).type("form").send({ _csrf: token, reason: "Wrong date", confirm: "on" });
    expect(cancelled.status).to.equal(303);
    const after = await finance.get(batchUrl);
    expect(after.text).to.contain("This batch was cancelled").and.not.to.contain(`action="${batchUrl}/executed"`);
    expect((await finance.get("/finance")).text).to.contain(claim.reference);
  });

  it("records a payment the bank sent back from the ledger's link: refusals keep what was typed, the claim waits again and the company reads why", async () => {
    // A company of its own: the demo company's other vouchers (R10) do not come into it.
    const sme = await registerSme(db, { region: "DK", at: "2027-01-10T10:00:00.000Z" });
    const callId = await seedCall(db, () => new Date("2027-01-15T10:00:00.000Z"), { totalCents: 100_000_000 });
    const claim = await insertVerifiedClaim(db, { email: sme.email, callId, type: "MG", requestedCents: 50_000, payableCents: 25_000 });
    const token = csrfFrom((await finance.get("/finance")).text);
    const paid = await finance.post("/finance/payments").type("form").send({ _csrf: token, claimIds: String(claim.claimId), paidOn: "2027-06-14", bankReference: "BANK-RET-1" });
    expect(paid.status).to.equal(303);
    const payment = defined(await db("payments").where({ claim_id: claim.claimId }).first());
    const url = `/finance/payments/${payment.id}`;
    expect((await finance.get("/finance/ledger")).text).to.contain(`<a href="${url}">BANK-RET-1</a>`);
    const page = await finance.get(url);
    expect(page.status).to.equal(200);
    expect(page.text).to.contain(claim.reference).and.contain(`action="${url}/returned"`);

    const unconfirmed = await finance.post(`${url}/returned`).type("form").send({ _csrf: token, returnedOn: "2027-06-15", reason: "Konto lukket" });
    expect(unconfirmed.status).to.equal(422);
    expect(unconfirmed.text).to.contain("Tick the box to confirm that the bank statement shows this payment coming back")
      .and.contain('value="Konto lukket"').and.contain('value="2027-06-15"');
    const early = await finance.post(`${url}/returned`).type("form").send({ _csrf: token, returnedOn: "2027-06-13", reason: "Konto lukket", confirm: "on" });
    expect(early.status).to.equal(422);
    expect(early.text).to.contain("The return date 13 June 2027 is before the payment was made on 14 June 2027");
    expect(defined(await db("applications").where({ id: claim.applicationId }).first()).state).to.equal("paid");

    const returned = await finance.post(`${url}/returned`).type("form").send({ _csrf: token, returnedOn: "2027-06-15", reason: "Konto lukket", confirm: "on" });
    expect(returned.status).to.equal(303);
    const after = await finance.get(url);
    expect(after.text).to.contain("The bank returned this payment on 15 Jun 2027").and.contain("Konto lukket").and.not.contain(`action="${url}/returned"`);
    expect((await finance.get("/finance")).text).to.contain(claim.reference);
    const again = await finance.post(`${url}/returned`).type("form").send({ _csrf: token, returnedOn: "2027-06-15", reason: "Konto lukket", confirm: "on" });
    expect(again.status).to.equal(409);
    expect(again.text).to.contain("already recorded as returned by the bank on 15 June 2027");

    // Finance reaches the payment from the application's page too; the company reads why it came back.
    expect((await finance.get(`/applications/${claim.applicationId}`)).text).to.contain(`<a href="${url}">The payment&#x27;s page</a>`);
    const applicant = await signIn(app, sme.email, "a-long-test-password");
    const seen = await applicant.get(`/applications/${claim.applicationId}`);
    expect(seen.text).to.contain("Konto lukket").and.not.contain(`href="${url}"`);
  });

  it("pages the reconciliation's calls twenty-five at a time, with the programme's totals on every page", async () => {
    const before = await finance.get("/finance/reconciliation");
    const totalRow = (html: string) => /<tfoot><tr data-code="all">([\s\S]*?)<\/tr><\/tfoot>/.exec(html)?.[1];
    const callIds = (html: string) => [.../<table class="data recon" id="recon-call">([\s\S]*?)<\/table>/.exec(html)?.[1]?.matchAll(/<tr data-code="(\d+)"/g) ?? []].map((m) => Number(m[1]));
    const already = await db("calls").count<{ n: number | string }[]>({ n: "*" });
    const wanted = 27 - Number(defined(already[0]).n);
    for (let i = 0; i < wanted; i++) await seedCall(db, () => new Date("2027-01-15T10:00:00.000Z"), { totalCents: 1_000_000, open: false });
    const all = (await db("calls").orderBy("id").pluck("id")).map(Number);
    expect(all).to.have.length.greaterThan(25);

    const first = await finance.get("/finance/reconciliation");
    expect(callIds(first.text)).to.deep.equal(all.slice(0, 25));
    expect(first.text).to.contain(`25 of ${all.length} calls shown`).and.not.contain('rel="prev"');
    const next = relLink(first.text, "next");
    expect(next).to.equal(`/finance/reconciliation?after=${all[24]}`);
    const second = await finance.get(defined(next));
    expect(callIds(second.text)).to.deep.equal(all.slice(25));
    expect(second.text).to.not.contain('rel="next"');
    // Unopened calls add ceilings but no entries: the foot is the programme's, the same on both pages.
    const committed = (html: string) => /<td class="num">[^<]*<\/td><td class="num">([^<]*)<\/td>/.exec(defined(totalRow(html)))?.[1];
    expect(committed(first.text)).to.equal(committed(before.text));
    expect(totalRow(second.text)).to.equal(totalRow(first.text));
    const back = relLink(second.text, "prev");
    expect(back).to.equal(`/finance/reconciliation?before=${all[25]}`);
    expect(callIds((await finance.get(defined(back))).text)).to.deep.equal(all.slice(0, 25));
    // A period keeps its place in the page links.
    const inPeriod = await finance.get(`/finance/reconciliation?from=2026-01-01&after=${all[24]}`);
    expect(relLink(inPeriod.text, "prev")).to.equal(`/finance/reconciliation?from=2026-01-01&before=${all[25]}`);

    const hostile = await finance.get("/finance/reconciliation?after=abc");
    expect(hostile.status).to.equal(400);
  });

  it("the administrator may read the ledger but not pay", async () => {
    const admin = await signIn(app, "admin@demo.test");
    expect((await admin.get("/finance/reconciliation")).status).to.equal(200);
    expect((await admin.get("/finance")).status).to.equal(403);
  });
});
