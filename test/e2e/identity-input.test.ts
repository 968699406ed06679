import { expect } from "chai";
import request from "supertest";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { ValidationError } from "../../server/errors";
import { inTransaction } from "../../server/services/platform/context";
import { insertCompany } from "../../server/services/people/companies";
import { currentCompanyFacts } from "../../server/services/people/company-queries";
import { type Agent, csrfFrom, csrfToken, signIn } from "../support/app";
import { testContext, testDatabases } from "../support/db";
import { insertCall, startFinanceWorld, verifiedClaimOfNewSme } from "../support/journey";
import { defined } from "../support/defined";

/*
 * Input an attacker sent to the running application, each refused in words beside its field:
 * a second company under a VAT number already registered (however it is written), e-mail
 * addresses a mailer would read as another address, account holders a SEPA file cannot carry,
 * and form bodies or query strings that are not percent-encoded UTF-8.
 */

const NOW = "2027-06-15T10:00:00.000Z";

const countOf = async (db: Db, table: string, where: Record<string, unknown> = {}) =>
  Number(defined((await db(table).where(where).count({ n: "*" }))[0]).n);

for (const engine of testDatabases()) describe(`identity and encoding of input (e2e, ${engine.name})`, function () {
  this.timeout(60000);
  let db: Db;
  let app: Express;
  let finance: Agent;
  let regionDk: string;
  let sectorId: string;

  before(async () => {
    ({ db, app, finance } = await startFinanceWorld(engine, NOW));
    regionDk = String(defined(await db("regions").where({ code: "DK" }).first("id")).id);
    sectorId = String(defined(await db("sectors").orderBy("id").first("id")).id);
  });
  after(() => db.destroy());

  let registrations = 0;
  const registration = (over: Record<string, string> = {}) => ({
    name: "Ida Lund", email: `ida${++registrations}@lundbio.test`, password: "a-long-enough-passphrase",
    legalName: "Lund Bio ApS", vatNumber: "DK31415926", address: "Ole Maaløes Vej 3, 2200 København N", country: "DK",
    regionId: regionDk, sectorId, staffHeadcount: "12", turnover: "2100000", balanceSheet: "900000",
    iban: "DE02 1203 0000 0000 2020 51", accountHolder: "Lund Bio ApS", ...over,
  });
  async function register(over: Record<string, string> = {}) {
    const agent = request.agent(app);
    const token = await csrfToken(agent, "/register");
    return agent.post("/register").type("form").send({ _csrf: token, ...registration(over) });
  }
  /** The error shown beside a field (views/partials/form: id="f-<name>-error"). */
  const besideField = (html: string, name: string) => {
    const m = new RegExp(`id="f-${name}-error"[^>]*>([\\s\\S]*?)</p>`).exec(html);
    return m ? m[1] ?? "" : "";
  };
  const plain = (html: string) => html.replace(/&#x27;|&#39;/g, "'").replace(/&quot;|&#x22;/g, "\"").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

  /** The profile page of an applicant's company and its current answers as the form sends them. */
  async function profileOf(email: string) {
    const agent = await signIn(app, email);
    const profile = await agent.get("/company").expect(200);
    const facts = await currentCompanyFacts(db, Number(defined(await db("users").where({ email }).first("company_id")).company_id));
    const form = {
      legalName: facts.legalName, vatNumber: facts.vatNumber, address: facts.address, country: facts.country, regionId: String(facts.regionId), sectorId: String(facts.sectorId),
      staffHeadcount: String(facts.staffHeadcount), turnover: String(facts.turnoverCents / 100), balanceSheet: String(facts.balanceSheetCents / 100),
      iban: facts.iban ?? "", accountHolder: facts.accountHolder ?? "", euroAccountConfirmed: facts.euroAccountConfirmed ? "on" : "",
    };
    return { agent, profile, form, facts };
  }

  describe("one company per VAT number", () => {
    it("refuses a VAT number another company has, however it is written, without naming that company", async () => {
      const companies = await countOf(db, "companies");
      for (const written of ["DK12345678", "dk 1234 5678", "DK-12.34.56.78", " dk12345678 "]) {
        const res = await register({ vatNumber: written, legalName: "Copycat Enzyme ApS" });
        expect(res.status, written).to.equal(422);
        expect(besideField(res.text, "vatNumber"), written).to.contain("A company with this VAT or CVR number is already registered")
          .and.contain("invite you");
        expect(res.text).to.not.contain("Nordic Enzyme");
        if (written === written.trim()) expect(res.text, "keeps what was typed").to.contain(`value="${written}"`);
      }
      expect(await countOf(db, "companies")).to.equal(companies);
      expect(await countOf(db, "companies", { legal_name: "Copycat Enzyme ApS" })).to.equal(0);
    });

    it("stores a new VAT number in upper case without spaces, dots or dashes", async () => {
      const res = await register({ vatNumber: "dk 31.41-59 26" });
      expect(res.status, res.text.slice(0, 2000)).to.equal(303);
      expect(defined(await db("companies").where({ legal_name: "Lund Bio ApS" }).first("vat_number")).vat_number).to.equal("DK31415926");
      const again = await register({ vatNumber: "DK31415926", legalName: "Lund Bio Two ApS" });
      expect(again.status).to.equal(422);
    });

    it("refuses a VAT number that is not letters and digits", async () => {
      const res = await register({ vatNumber: "DK<1234>", legalName: "Odd Number ApS" });
      expect(res.status).to.equal(422);
      expect(besideField(res.text, "vatNumber")).to.contain("letters and digits only");
    });

    it("on the company profile: refuses another company's number, keeps the company's own however written", async () => {
      const { agent: oresund, profile, form, facts } = await profileOf("oresund@demo.test");
      const taken = await oresund.post("/company").type("form").send({ _csrf: csrfFrom(profile.text), ...form, vatNumber: "dk 1234 5678" });
      expect(taken.status).to.equal(422);
      expect(besideField(taken.text, "vatNumber")).to.contain("already registered");
      const own = await oresund.post("/company").type("form").send({ _csrf: csrfFrom(profile.text), ...form, vatNumber: "dk 8765 4321" });
      expect(own.status, own.text.slice(0, 2000)).to.equal(303);
      expect(defined(await db("companies").where({ legal_name: facts.legalName }).first("vat_number")).vat_number).to.equal("DK87654321");
    });

    it("the database refuses a second company with a number, as a refusal on the field (the backstop of a race)", async () => {
      const facts = await currentCompanyFacts(db, Number(defined(await db("companies").where({ vat_number: "DK12345678" }).first("id")).id));
      const ctx = testContext(db, null, () => new Date(NOW));
      let refused: unknown = null;
      try {
        // insertCompany skips the service's check, as the second of two racing registrations has passed it.
        await inTransaction(ctx, (trx) => insertCompany(trx, ctx, { ...facts, legalName: "Racing Copy ApS", vatNumber: "dk-1234 5678", deMinimis: [] }));
      } catch (err) {
        refused = err;
      }
      expect(refused).to.be.instanceOf(ValidationError);
      expect((refused as ValidationError).fields.vatNumber).to.contain("already registered");
      expect(await countOf(db, "companies", { legal_name: "Racing Copy ApS" })).to.equal(0);
    });

    it("two registrations of one number at once: one company, the other refused on the field, never a 500", async () => {
      const agents = await Promise.all([0, 1, 2, 3].map(async () => {
        const agent = request.agent(app);
        return { agent, token: await csrfToken(agent, "/register") };
      }));
      const results = await Promise.all(agents.map(({ agent, token }, i) =>
        agent.post("/register").type("form").send({ _csrf: token, ...registration({ vatNumber: i % 2 ? "NL 0099 8877 6B01" : "nl009988776b01", legalName: `Race ${i} B.V.` }) })));
      expect(results.map((r) => r.status).sort()).to.deep.equal([303, 422, 422, 422]);
      for (const r of results.filter((x) => x.status === 422)) expect(besideField(r.text, "vatNumber")).to.contain("already registered");
      expect(await countOf(db, "companies", { vat_number: "NL009988776B01" })).to.equal(1);
    });
  });

  describe("e-mail addresses are plain addresses", () => {
    const hostile = ["\"boss\"<me@evil.test>", "boss<me@evil.test>", "x(comment)@evil.test", "o'brien&co<b>@example.com", "me@evil", "a b@evil.test", "me@@evil.test"];

    it("an invitation to a name-and-address, a comment or brackets creates nobody", async () => {
      const sme = await signIn(app, "sme@demo.test");
      for (const address of hostile) {
        const users = await countOf(db, "users");
        const page = await sme.get("/company").expect(200);
        const res = await sme.post("/company/invite").type("form").send({ _csrf: csrfFrom(page.text), inviteName: "Boss", inviteEmail: address });
        expect(res.status, address).to.equal(422);
        expect(await countOf(db, "users"), address).to.equal(users);
        expect(plain(besideField(res.text, "inviteEmail")), address).to.match(/Enter (only the e-mail address itself|an e-mail address like name@example\.com)/);
      }
    });

    it("an apostrophe in the local part is an address like any other", async () => {
      const sme = await signIn(app, "sme@demo.test");
      const page = await sme.get("/company").expect(200);
      const res = await sme.post("/company/invite").type("form").send({ _csrf: csrfFrom(page.text), inviteName: "Liam O'Brien", inviteEmail: "O'Brien@Example.com" });
      expect(res.status).to.equal(303);
      expect(await db("users").where({ email: "o'brien@example.com" }).first("id")).to.not.equal(undefined);
    });

    it("registration and an administrator's new user refuse the same addresses beside the field", async () => {
      const res = await register({ email: "\"boss\"<me@evil.test>", vatNumber: "DK27182818", legalName: "Boss ApS" });
      expect(res.status).to.equal(422);
      expect(plain(besideField(res.text, "email"))).to.contain("Enter only the e-mail address itself");
      expect(await countOf(db, "companies", { legal_name: "Boss ApS" })).to.equal(0);

      const admin = await signIn(app, "admin@demo.test");
      const page = await admin.get("/admin/users/new").expect(200);
      const created = await admin.post("/admin/users").type("form")
        .send({ _csrf: csrfFrom(page.text), email: "x(comment)@evil.test", name: "Comment Person", password: "a-long-enough-passphrase", role: "finance" });
      expect(created.status).to.equal(422);
      expect(plain(besideField(created.text, "email"))).to.contain("Enter only the e-mail address itself");
      expect(await db("users").where({ name: "Comment Person" }).first("id")).to.equal(undefined);
    });
  });

  describe("account holders a SEPA transfer can carry", () => {
    it("registration and the profile refuse < > and emoji beside the field, naming them; accents and & are written for SEPA", async () => {
      const res = await register({ vatNumber: "DK16180339", legalName: "Emoji Bio ApS", accountHolder: "Emoji <Bio> 😀 ApS" });
      expect(res.status).to.equal(422);
      expect(plain(besideField(res.text, "accountHolder"))).to.contain("cannot carry: \"<\" \">\" \"😀\"");
      expect(res.text).to.contain("Emoji &lt;Bio&gt; 😀 ApS");
      expect(await countOf(db, "companies", { legal_name: "Emoji Bio ApS" })).to.equal(0);

      const ok = await register({ vatNumber: "DK16180339", legalName: "Søren & Ærø Bio ApS", accountHolder: "Søren & Ærø Bio (Łódź) ApS" });
      expect(ok.status, ok.text.slice(0, 2000)).to.equal(303);

      const { agent, profile, form, facts } = await profileOf("amager@demo.test");
      const refused = await agent.post("/company").type("form").send({ _csrf: csrfFrom(profile.text), ...form, iban: "DE89 3704 0044 0532 0130 00", accountHolder: "Amager > Nutrition 😀" });
      expect(refused.status).to.equal(422);
      expect(plain(besideField(refused.text, "accountHolder"))).to.contain("cannot carry: \">\" \"😀\"");
      expect(defined(await db("companies").where({ legal_name: facts.legalName }).first("account_holder")).account_holder).to.equal(facts.accountHolder);
    });

    it("a batch with an account holder saved before the check names the voucher and the company, not a field of the file", async () => {
      const callId = await insertCall(db, { opensAt: "2026-01-01T00:00:00.000Z", closesAt: "2027-06-30T00:00:00.000Z", title: "Call SEPA names", totalCents: 10_000_000 });
      const claim = await verifiedClaimOfNewSme(db, callId);
      await db("companies").where({ id: claim.companyId }).update({ account_holder: "Holder <Bio> 😀" });
      const company = defined(await db("companies").where({ id: claim.companyId }).first("legal_name")).legal_name;
      const token = csrfFrom((await finance.get("/finance")).text);
      const res = await finance.post("/finance/sepa").type("form").send({ _csrf: token, claimIds: String(claim.claimId), executionDate: "2027-06-18" });
      expect(res.status).to.be.within(400, 499);
      const text = plain(res.text);
      expect(text).to.contain(claim.reference).and.contain(company).and.contain("must correct its account holder").and.contain("\"<\" \">\" \"😀\"");
      expect(text).to.not.contain("payments[0]").and.not.contain("creditorName");
      expect(await countOf(db, "sepa_batches")).to.equal(0);
    });
  });

  describe("text that is not percent-encoded UTF-8", () => {
    it("refuses a form body with an undecodable escape or byte as a whole, storing nothing", async () => {
      const manager = await signIn(app, "manager@demo.test");
      const page = await manager.get("/manager/rejection-templates").expect(200);
      const token = encodeURIComponent(csrfFrom(page.text));
      const before = await countOf(db, "rejection_templates");
      for (const bad of ["AA%ED%A0%80", "AA%C3%28", "AA%FF", "AA%E2%82", "100%", "%zz"]) {
        const res = await manager.post("/manager/rejection-templates").type("form").send(`_csrf=${token}&title=${bad}&text=Because`);
        expect(res.status, bad).to.equal(400);
        expect(res.text, bad).to.contain("The form contained characters that could not be read");
      }
      const rawByte = Buffer.concat([Buffer.from(`_csrf=${token}&title=AA`), Buffer.from([0xff]), Buffer.from("&text=Because")]);
      const raw = await manager.post("/manager/rejection-templates").set("Content-Type", "application/x-www-form-urlencoded")
        .serialize((b: unknown) => b as string).send(rawByte);
      expect(raw.status).to.equal(400);
      expect(await countOf(db, "rejection_templates")).to.equal(before);

      const good = await manager.post("/manager/rejection-templates").type("form").send(`_csrf=${token}&title=${encodeURIComponent("Ærø 100% – 😀")}&text=Because`);
      expect(good.status, good.text.slice(0, 1000)).to.equal(303);
      expect(await db("rejection_templates").where({ title: "Ærø 100% – 😀" }).first("id")).to.not.equal(undefined);
    });

    it("refuses a query string with an undecodable escape", async () => {
      const manager = await signIn(app, "manager@demo.test");
      for (const bad of ["%ED%A0%80", "%C3%28", "%FF"]) {
        const res = await manager.get(`/directory?q=${bad}`);
        expect(res.status, bad).to.equal(400);
        expect(res.text).to.contain("The address contained characters that could not be read");
      }
      expect((await manager.get(`/directory?q=${encodeURIComponent("Ørsted")}`)).status).to.equal(200);
      // In a path parameter the router cannot decode it either: the same reason, not "could not be processed".
      const path = await manager.get("/confirm/%ED%A0%80");
      expect(path.status).to.equal(400);
      expect(path.text).to.contain("The address contained characters that could not be read").and.contain("address_unreadable");
    });
  });
});
