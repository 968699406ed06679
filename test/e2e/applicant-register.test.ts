import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { buildApp, csrfToken, signIn } from "../support/app";
import { TestClock, testDatabases } from "../support/db";
import { seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";

for (const engine of testDatabases()) {
  describe(`registration and company profile (${engine.name})`, function () {
    this.timeout(60000);
    let db: Db;
    let app: Express;
    let regionDk: number;
    let sectorBio: number;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    before(async () => {
      db = await engine.create();
      await seedDemoData(db);
      app = buildApp(db, { clock: clock.now });
      regionDk = Number(defined(await db("regions").where({ code: "DK" }).first("id")).id);
      sectorBio = Number(defined(await db("sectors").where({ code: "biotech" }).first("id")).id);
    });
    after(() => db.destroy());

    const form = (over: Record<string, string> = {}) => ({
      name: "Ida Lund", email: "ida@lundbio.test", password: "a-long-enough-passphrase",
      legalName: "Lund Bio ApS", vatNumber: "DK31000001", address: "Ole Maaløes Vej 3, 2200 København N", country: "dk",
      regionId: String(regionDk), sectorId: String(sectorBio), staffHeadcount: "12", turnover: "2.100.000,00", balanceSheet: "900000",
      rel0_name: "Holding A/S", rel0_kind: "partner", rel0_share: "30", rel0_staff: "100", rel0_turnover: "10.000.000,00", rel0_balance: "5000000",
      dm0_body: "Innovationsfonden", dm0_date: "2025-05-01", dm0_amount: "25.000,00",
      iban: "DE02 1203 0000 0000 2020 51", accountHolder: "Lund Bio ApS", ...over,
    });

    it("refuses a short password, an invalid IBAN and an ambiguous amount, keeping what was typed", async () => {
      const agent = request.agent(app);
      const token = await csrfToken(agent, "/register");
      const res = await agent.post("/register").type("form").send({ _csrf: token, ...form({ password: "short", iban: "DK50 0040 0440 1162 44", turnover: "1.234" }) });
      expect(res.status).to.equal(422);
      expect(res.text).to.include("at least 12 characters").and.include("This IBAN is not valid").and.include("is unclear");
      expect(res.text).to.include('value="Lund Bio ApS"').and.not.include("short");
      expect(await db("companies").where({ legal_name: "Lund Bio ApS" }).first()).to.equal(undefined);
    });

    it("registers the person and the company, signs in and shows the SME status with its reason", async () => {
      const agent = request.agent(app);
      const token = await csrfToken(agent, "/register");
      const res = await agent.post("/register").type("form").send({ _csrf: token, ...form() });
      expect(res.status, res.text.slice(0, 3000)).to.equal(303);
      expect(res.headers.location).to.equal("/company");
      const company = defined(await db("companies").where({ legal_name: "Lund Bio ApS" }).first(), "company");
      expect(company.iban).to.equal("DE02120300000000202051");
      expect(Number(company.turnover_cents)).to.equal(210_000_000);
      expect(company.country).to.equal("DK");
      const user = defined(await db("users").where({ email: "ida@lundbio.test" }).first(), "user");
      expect(user.role).to.equal("applicant");
      expect(Number(user.company_id)).to.equal(Number(company.id));
      expect(user.password_hash).to.match(/^\$argon2/);
      const page = await agent.get("/company").expect(200);
      // 12 + 30% of 100 staff = 42: small enterprise.
      expect(page.text).to.include("Small enterprise under EU Recommendation 2003/361/EC").and.include("42 staff").and.include("1 partner enterprise pro rata");
      expect(page.text).to.include("Innovationsfonden").and.include("EUR 25,000.00");

      const token2 = (/name="_csrf" value="([^"]+)"/.exec(page.text))![1];
      const upd = await agent.post("/company").type("form").send({ _csrf: token2, ...form({ staffHeadcount: "260", rel0_name: "", rel0_share: "", dm0_body: "", dm0_date: "", dm0_amount: "" }) });
      expect(upd.status, upd.text.slice(0, 2000)).to.equal(303);
      const after = await agent.get("/company").expect(200);
      expect(after.text).to.include("Not an SME under EU Recommendation 2003/361/EC");
      expect(await db("de_minimis_declarations").where({ company_id: company.id }).count({ n: "*" }).then((r) => Number(defined(r[0]).n))).to.equal(1);
    });

    it("accepts a Danish IBAN once the company confirms the account receives euros; refuses IBANs outside SEPA with the reason (R15)", async () => {
      const agent = request.agent(app);
      const token = await csrfToken(agent, "/register");
      const unconfirmed = await agent.post("/register").type("form").send({ _csrf: token, ...form({ email: "dkk@lundbio.test", iban: "DK50 0040 0440 1162 43" }) });
      expect(unconfirmed.status).to.equal(422);
      expect(unconfirmed.text).to.include("does not use the euro").and.include("confirm the account can receive euros").and.include('id="f-euroAccountConfirmed-error"');
      const outside = await agent.post("/register").type("form").send({ _csrf: token, ...form({ email: "dkk@lundbio.test", iban: "BR18 0036 0305 0000 1000 9795 493C 1", euroAccountConfirmed: "on" }) });
      expect(outside.status).to.equal(422);
      expect(outside.text).to.include("Brazil (BR), which is outside the SEPA area");
      const danish = await agent.post("/register").set("Accept-Language", "da").type("form")
        .send({ _csrf: token, ...form({ email: "dkk@lundbio.test", iban: "BR18 0036 0305 0000 1000 9795 493C 1", euroAccountConfirmed: "on" }) });
      expect(danish.status).to.equal(422);
      expect(danish.text).to.include("IBAN&#x27;et er fra Brasilien (BR), som ligger uden for SEPA-området").and.not.include("outside the SEPA area");
      expect(await db("users").where({ email: "dkk@lundbio.test" }).first()).to.equal(undefined);

      const ok = await agent.post("/register").type("form").send({ _csrf: token, ...form({ email: "dkk@lundbio.test", legalName: "Lund Krone ApS", vatNumber: "DK31000002", iban: "DK50 0040 0440 1162 43", euroAccountConfirmed: "on" }) });
      expect(ok.status, ok.text.slice(0, 2000)).to.equal(303);
      const company = defined(await db("companies").where({ legal_name: "Lund Krone ApS" }).first(), "company");
      expect([company.iban, !!company.euro_account_confirmed]).to.deep.equal(["DK5000400440116243", true]);
      const profile = await agent.get("/company").expect(200);
      expect(profile.text).to.match(/id="f-euroAccountConfirmed" name="euroAccountConfirmed" type="checkbox" value="on" checked/);
    });

    it("refuses a second account with the same e-mail", async () => {
      const agent = request.agent(app);
      const token = await csrfToken(agent, "/register");
      const res = await agent.post("/register").type("form").send({ _csrf: token, ...form({ email: "sme@demo.test" }) });
      expect(res.status).to.equal(422);
      expect(res.text).to.include("An account with this e-mail address already exists");
    });
    const linkIn = async (template: string, to: string) => {
      const mail = defined(await db("emails").where({ template, to_address: to }).orderBy("id", "desc").first(), "mail");
      expect(mail, `${template} to ${to}`).to.exist;
      return new URL(/http:\/\/localhost:3000\S+/.exec(mail.body_text)![0]).pathname;
    };

    it("confirms the e-mail address with the one-time link, once", async () => {
      const path = await linkIn("account-confirmation", "ida@lundbio.test");
      const ok = await request(app).get(path).expect(200);
      expect(ok.text).to.include("Your e-mail address is confirmed");
      expect(defined(await db("users").where({ email: "ida@lundbio.test" }).first()).email_confirmed_at).to.equal("2027-03-01T10:00:00.000Z");
      const again = await request(app).get(path).expect(422);
      expect(again.text).to.include("This link is no longer valid");
    });

    it("resets a password by e-mailed link; the answer does not reveal unknown addresses; expired links are refused", async () => {
      const agent = request.agent(app);
      const fromLogin = await agent.get("/password/forgot").expect(301);
      expect(fromLogin.headers.location).to.equal("/password-reset");
      let token = await csrfToken(agent, "/password-reset");
      const unknown = await agent.post("/password-reset").type("form").send({ _csrf: token, email: "nobody@nowhere.test" }).expect(200);
      expect(unknown.text).to.include("If an account exists for nobody@nowhere.test");
      token = await csrfToken(agent, "/password-reset");
      await agent.post("/password-reset").type("form").send({ _csrf: token, email: "ida@lundbio.test" }).expect(200);
      const path = await linkIn("password-reset", "ida@lundbio.test");
      token = await csrfToken(agent, path);
      const short = await agent.post(path).type("form").send({ _csrf: token, password: "too-short" });
      expect(short.status).to.equal(422);
      expect(short.text).to.include("at least 12 characters");
      await agent.post(path).type("form").send({ _csrf: token, password: "a-brand-new-passphrase" }).expect(303);
      await signIn(app, "ida@lundbio.test", "a-brand-new-passphrase");
      // A used link says so when it is opened, before a new password is chosen, and refuses one sent anyway.
      const opened = await agent.get(path);
      expect(opened.status).to.equal(410);
      expect(opened.text).to.include("This link is no longer valid").and.not.include('name="password"');
      token = await csrfToken(agent, "/password-reset");
      const reused = await agent.post(path).type("form").send({ _csrf: token, password: "another-new-passphrase" });
      expect(reused.status).to.equal(422);

      token = await csrfToken(agent, "/password-reset");
      await agent.post("/password-reset").type("form").send({ _csrf: token, email: "ida@lundbio.test" }).expect(200);
      const late = await linkIn("password-reset", "ida@lundbio.test");
      expect((await agent.get(late)).status).to.equal(200);
      clock.set("2027-03-01T11:00:01Z");
      expect((await agent.get(late)).status).to.equal(410);
      token = await csrfToken(agent, "/password-reset");
      const expired = await agent.post(late).type("form").send({ _csrf: token, password: "another-new-passphrase" });
      expect(expired.status).to.equal(422);
      expect(expired.text).to.include("This link is no longer valid");
      clock.set("2027-03-01T10:00:00Z");
    });

    it("invites a colleague to the same company, who sets a password and signs in", async () => {
      const ida = await signIn(app, "ida@lundbio.test", "a-brand-new-passphrase");
      const token = await csrfToken(ida, "/company");
      const sent = await ida.post("/company/invite").type("form").send({ _csrf: token, inviteName: "Mads Lund", inviteEmail: "mads@lundbio.test" });
      expect(sent.status, sent.text.replace(/[\s\S]*<main/, "").slice(0, 600)).to.equal(303);
      const path = await linkIn("invitation", "mads@lundbio.test");
      const anon = request.agent(app);
      const anonToken = await csrfToken(anon, path);
      const accepted = await anon.post(path).type("form").send({ _csrf: anonToken, password: "mads-long-passphrase" });
      expect(accepted.status, accepted.text.replace(/[\s\S]*<main/, "").slice(0, 600)).to.equal(303);
      expect((await anon.get(path)).status, "an accepted invitation is a dead link").to.equal(410);
      expect((await anon.get("/invite/made-up-token-0123456789abcdef")).status).to.equal(410);
      const mads = await signIn(app, "mads@lundbio.test", "mads-long-passphrase");
      const page = await mads.get("/company").expect(200);
      expect(page.text).to.include("Lund Bio ApS");
    });
  });
}
