import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { type Agent, buildApp, csrfFrom, postForm, signIn } from "../support/app";
import { type TestClock, testDatabases } from "../support/db";
import { raceGate } from "../support/overlap";
import { startFinanceWorld } from "../support/journey";
import { defined } from "../support/defined";

for (const engine of testDatabases()) {
  describe(`finance keeps the monthly exchange rates over HTTP (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let app: Express;
    let finance: Agent;
    let clock: TestClock;

    before(async () => {
      ({ db, app, finance, clock } = await startFinanceWorld(engine, "2026-11-30T10:00:00.000Z"));
    });
    after(() => db.destroy());

    async function upload(content: string) {
      const page = await finance.get("/finance/rates").expect(200);
      return finance.post("/finance/rates/import").field("_csrf", csrfFrom(page.text)).attach("file", Buffer.from(content), { filename: "rates.csv", contentType: "text/csv" });
    }

    it("adds and corrects a rate with the form, keeping what was typed when a field is wrong", async () => {
      const bad = await postForm(finance, "/finance/rates", "/finance/rates", { currency: "DKK", month: "11/2026", rate: "7.4604" });
      expect(bad.status).to.equal(422);
      expect(bad.text).to.include("is not a month written as YYYY-MM").and.include('value="7.4604"').and.include('href="#f-month"');
      expect(await db("exchange_rates")).to.have.length(0);

      expect((await postForm(finance, "/finance/rates", "/finance/rates", { currency: "DKK", month: "2026-11", rate: "7.4640" })).status).to.equal(303);
      expect((await postForm(finance, "/finance/rates", "/finance/rates", { currency: "DKK", month: "2026-11", rate: "7.4604", note: "digits swapped" })).status).to.equal(303);
      const page = await finance.get("/finance/rates").expect(200);
      expect(/<table class="data" id="rates">[\s\S]*?<\/table>/.exec(page.text)![0]).to.include("7.4604").and.not.include("7.4640");
      expect(/<table class="data" id="rate-history">[\s\S]*?<\/table>/.exec(page.text)![0]).to.include("7.4640");
    });

    const rateTable = (html: string) => defined(/<table class="data" id="rates">[\s\S]*?<\/table>/.exec(html))[0];
    const seenOf = (html: string) => defined(/name="seenUpTo" value="(\d+)"/.exec(html), "the table the form was shown with")[1] as string;

    it("refuses a rate someone else entered after the page was shown, instead of correcting it again unseen", async () => {
      const shown = await finance.get("/finance/rates").expect(200);
      const stale = { _csrf: csrfFrom(shown.text), seenUpTo: seenOf(shown.text) };
      const colleague = await signIn(app, "finance@demo.test");
      expect((await postForm(colleague, "/finance/rates", "/finance/rates", { currency: "DKK", month: "2026-10", rate: "7.4590" })).status).to.equal(303);

      const refused = await finance.post("/finance/rates").type("form").send({ ...stale, currency: "DKK", month: "2026-10", rate: "7.4600", note: "from the bank" });
      expect(refused.status).to.equal(409);
      expect(refused.text).to.include("The DKK rate for 2026-10 was changed by someone else meanwhile").and.include('value="7.4600"').and.include('value="from the bank"');
      expect(rateTable(refused.text), "the refusal shows the colleague's rate").to.include("7.4590");
      expect(await db("exchange_rates").where({ currency: "DKK", month: "2026-10" })).to.have.length(1);
      // A file imported from the same page is refused as a whole, its other lines included.
      const file = await finance.post("/finance/rates/import").field("_csrf", stale._csrf).field("seenUpTo", stale.seenUpTo)
        .attach("file", Buffer.from("NOK,2026-10,11.5000\nDKK,2026-10,7.4610\n"), { filename: "rates.csv", contentType: "text/csv" });
      expect(file.status).to.equal(409);
      expect(file.text).to.include("The DKK rate for 2026-10 was changed by someone else meanwhile");
      expect(await db("exchange_rates").whereIn("currency", ["DKK", "NOK"]).where({ month: "2026-10" })).to.have.length(1);

      // Another month, untouched meanwhile, is added from the same page; the refused form, sent again, corrects.
      expect((await finance.post("/finance/rates").type("form").send({ ...stale, currency: "SEK", month: "2026-10", rate: "11.2000" })).status).to.equal(303);
      const again = await finance.post("/finance/rates").type("form").send({ _csrf: csrfFrom(refused.text), seenUpTo: seenOf(refused.text), currency: "DKK", month: "2026-10", rate: "7.4600" });
      expect(again.status).to.equal(303);
      const latest = defined(await db("exchange_rates").where({ currency: "DKK", month: "2026-10" }).orderBy("revision", "desc").first());
      expect([latest.rate, Number(latest.revision)]).to.deep.equal(["7.4600", 2]);
    });

    it("two officers correcting one month at once from the same table: one correction, one refusal (both databases alike)", async () => {
      const gate = raceGate(buildApp(db, { clock: clock.now }), 2, (req) => req.method === "POST" && req.path === "/finance/rates");
      const [first, second] = [await signIn(gate.app, "finance@demo.test"), await signIn(gate.app, "finance@demo.test")];
      const shown = await first.get("/finance/rates").expect(200);
      const form = (rate: string) => ({ _csrf: csrfFrom(shown.text), seenUpTo: seenOf(shown.text), currency: "DKK", month: "2026-11", rate });
      const secondToken = csrfFrom((await second.get("/finance/rates")).text);
      const before = await db("exchange_rates").where({ currency: "DKK", month: "2026-11" }).count({ n: "*" }).then((r) => Number(defined(r[0]).n));
      const [a, b] = await Promise.all([
        first.post("/finance/rates").type("form").send(form("7.4611")),
        second.post("/finance/rates").type("form").send({ ...form("7.4622"), _csrf: secondToken }),
      ]);
      expect(gate.maxInside(), "both corrections were inside the app at once").to.equal(2);
      expect([a.status, b.status].sort()).to.deep.equal([303, 409]);
      expect(await db("exchange_rates").where({ currency: "DKK", month: "2026-11" }).count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(before + 1);
    });

    it("imports a CSV file, or reports each bad line and imports nothing", async () => {
      const before = await db("exchange_rates").count({ n: "*" }).then((r) => Number(defined(r[0]).n));
      const bad = await upload("currency,month,rate\nSEK,2026-11,11.1355\nNOK,2026-11,\nEUR,2026-11,1\n");
      expect(bad.status).to.equal(422);
      expect(bad.text).to.include("2 lines have problems; nothing was imported.").and.include("Line 3: Please enter the exchange rate.").and.include("Line 4: Amounts in euro need no exchange rate.");
      expect(await db("exchange_rates").count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(before);

      // A file that is not a rates file: every line refused, the first 50 listed, and a page of a few kilobytes.
      const junk = await upload(Array.from({ length: 5000 }, (_, i) => `line ${i},x,y`).join("\n"));
      expect(junk.status).to.equal(422);
      expect(junk.text).to.include("5000 lines have problems; nothing was imported.").and.include("Line 50:").and.include("Only the first 50 problems are listed");
      expect(junk.text).to.not.include("Line 51:");
      expect(junk.text.length).to.be.below(120_000);

      const good = await upload("SEK,2026-11,11.1355\nNOK,2026-11,11.7215\n");
      expect(good.status, good.text.slice(0, 1000)).to.equal(303);
      expect((await finance.get("/finance/rates")).text).to.include("2 added, 0 corrected, 0 unchanged").and.include("11.7215");
    });

    it("gives the rate form's and the file's reasons in the reader's language", async () => {
      const page = await finance.get("/finance/rates").set("Accept-Language", "da").expect(200);
      const bad = await finance.post("/finance/rates").set("Accept-Language", "da").type("form")
        .send({ _csrf: csrfFrom(page.text), currency: "DKK", month: "11/2026", rate: "7,4604001" });
      expect(bad.status).to.equal(422);
      expect(bad.text).to.include("er ikke en måned skrevet som ÅÅÅÅ-MM").and.include("Valutakursen kan have højst seks decimaler")
        .and.not.include("is not a month written as").and.not.include("at most six decimals");

      const form = await finance.get("/finance/rates").set("Accept-Language", "fr").expect(200);
      const file = await finance.post("/finance/rates/import").set("Accept-Language", "fr").field("_csrf", csrfFrom(form.text))
        .attach("file", Buffer.from("SEK,2026-11\nNOK,2026-11,-1\nNOK,2026-11,11.7\nNOK,2026-11,11.7\n"), { filename: "rates.csv", contentType: "text/csv" });
      expect(file.status).to.equal(422);
      expect(file.text).to.include("Trois valeurs étaient attendues (devise, mois, taux), mais 2 ont été trouvées.")
        .and.include("Le taux de change doit être un nombre positif.").and.include("NOK pour 2026-11 figure déjà à la ligne 3.")
        .and.not.include("Expected three values").and.not.include("already given on line");
    });

    it("is for finance officers only", async () => {
      const manager = await signIn(app, "manager@demo.test");
      expect((await manager.get("/finance/rates")).status).to.equal(403);
      const own = await manager.get("/manager/rejection-templates").expect(200);
      const res = await manager.post("/finance/rates").type("form").send({ _csrf: csrfFrom(own.text), currency: "DKK", month: "2026-12", rate: "7" });
      expect(res.status).to.equal(403);
      expect(await db("exchange_rates").where({ month: "2026-12" })).to.have.length(0);
    });
  });
}
