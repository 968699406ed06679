import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { buildApp, csrfToken, signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { seedDemoData } from "../support/fixtures";

/**
 * What the pages say, on the demo data: words instead of codes, what a decision will do before it
 * is taken, Submit only when nothing is missing, labels that tell repeated fields apart.
 */
for (const engine of testDatabases()) {
  describe(`pages people can work in (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, () => new Date(), { activity: true });
      app = buildApp(db);
    });
    after(() => db.destroy());

    const appWhere = async (where: Record<string, unknown>) => {
      const row = await db("applications").where(where).orderBy("id").first("id", "reference", "title");
      if (!row) return expect.fail(`the demo data has an application with ${JSON.stringify(where)}`);
      return { id: Number(row.id), reference: String(row.reference ?? ""), title: String(row.title ?? "") };
    };

    it("the decision page groups the decisions, says what approving commits and leaves, and shows no stored code", async () => {
      const submitted = await appWhere({ state: "submitted" });
      const manager = await signIn(app, "manager@demo.test");
      const page = (await manager.get(`/manager/applications/${submitted.id}`).expect(200)).text;
      const panel = page.slice(page.indexOf('id="decision"'), page.indexOf("Eligibility now"));
      for (const choice of ["choice-approve", "choice-reject", "choice-request-info", "choice-reserve"]) expect(panel).to.include(`id="${choice}"`);
      const consequences = /id="approve-consequences">([\s\S]*?)<\/div>/.exec(panel)?.[1] ?? "";
      expect(consequences).to.match(/is committed from the call(?:'|&#x27;)s budget/)
        .and.to.match(/left now, <strong>EUR [\d,]+\.\d\d<\/strong> left after this approval/).and.to.include("award letter");
      const version = page.slice(page.indexOf("<h2>Submitted version</h2>"), page.indexOf("earlier vouchers"));
      expect(version).to.include("<dt>Voucher type</dt>");
      expect(version).to.not.match(/<dd>(MG|IN|CO|expert|facility|company|knowledge-institution)<\/dd>/);
      expect(version).to.not.match(/<dd>\d{4}-\d{2}-\d{2}<\/dd>/);
      expect(page).to.match(/data-group="pass"/);
      expect(page).to.include('<table class="data" id="earlier-aid">').and.include("<thead>");
    });

    it("the review queue lists titles, with state tags by family", async () => {
      const submitted = await appWhere({ state: "submitted" });
      const manager = await signIn(app, "manager@demo.test");
      const queue = (await manager.get("/manager").expect(200)).text;
      expect(queue).to.include(`>${submitted.title}</a>`);
      expect(queue).to.include('class="tag tag--progress"');
    });

    it("an approved application says which number it had before its voucher reference", async () => {
      const approved = await appWhere({ state: "approved" });
      expect(approved.reference).to.match(/^IN2LS-/);
      const sme = await signIn(app, "sme@demo.test");
      const page = (await sme.get(`/applications/${approved.id}`).expect(200)).text;
      expect(page).to.include(`this was application <strong>APP-${String(approved.id).padStart(5, "0")}</strong>`).and.include(approved.reference);
      expect(page).to.include('class="tag tag--positive"');
    });

    it("the check page of an almost empty draft offers no Submit and lists what is missing", async () => {
      // The demo SME's open claim keeps the open-calls page from offering a new application (R10);
      // a draft can still be saved, which is all this page needs.
      const sme = await signIn(app, "sme@demo.test");
      expect((await sme.get("/calls").expect(200)).text).to.include('id="open-claim"');
      const open = defined(await db("calls").where({ status: "open" }).orderBy("id").first("id"), "an open call");
      const apply = `/calls/${open.id}/apply/MG`;
      const saved = await sme.post(apply ?? "").type("form").send({ _csrf: await csrfToken(sme, apply), title: "Only a title", next: "draft" });
      expect(saved.status).to.equal(303);
      const id = /\/applications\/(\d+)/.exec(saved.headers.location as string)?.[1];
      const check = (await sme.get(`/applications/${id}/check`).expect(200)).text;
      expect(check).to.not.include("Submit the application</button>");
      const missing = /<div class="banner banner--warning" id="missing"[\s\S]*?<\/div>/.exec(check)?.[0] ?? "";
      expect(missing).to.match(/\d+ answers are still missing/);
      expect([...missing.matchAll(/<li>/g)].length).to.equal(Number(/(\d+) answers are still missing/.exec(missing)?.[1]));
    });

    it("the ledger and payments show kinds and statuses in words", async () => {
      const finance = await signIn(app, "finance@demo.test");
      const ledger = (await finance.get("/finance/ledger").expect(200)).text;
      expect(ledger).to.include("Commitment").and.not.match(/<td>(commit|release|payment)<\/td>/);
      expect(ledger).to.include('class="table-scroll ledger-scroll"');
    });

    it("each cost line's fields say which line they belong to", async () => {
      // An approved voucher of the demo company, accepted and with its activity over: the claim form is open.
      const approved = await appWhere({ state: "approved" });
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      await db("applications").where({ id: approved.id }).update({
        state: "accepted", accepted_at: new Date().toISOString(), approved_on: day(-20), activity_start: day(-10), activity_end: day(-5),
        completion_deadline: day(30), claim_deadline: day(60),
      });
      const sme = await signIn(app, "sme@demo.test");
      const form = (await sme.get(`/applications/${approved.id}/claim`).expect(200)).text;
      expect(form).to.include('<label for="f-amount_1"><span class="visually-hidden">Cost line 2: </span>Amount');
      expect(form).to.include('<label for="f-description_0"><span class="visually-hidden">Cost line 1: </span>Description');
    });
  });
}
