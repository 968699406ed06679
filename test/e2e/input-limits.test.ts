import { expect } from "chai";
import { DateTime } from "luxon";
import { testDatabases } from "../support/db";
import { toAppError } from "../../server/web/error-handler";
import { snapshot, startWorld, validCompanyForm, type World } from "./input/world";
import { defined } from "../support/defined";

/*
 * The refusals the input layer exists for, each shown on both engines with the same answer:
 * the reason beside the field (or a clear 4xx page) and nothing stored.
 */

const day = (offset: number) => DateTime.now().setZone("Europe/Copenhagen").plus({ days: offset }).toISODate()!;

for (const engine of testDatabases()) {
  describe(`input limits (${engine.name})`, function () {
    this.timeout(120000);
    let w: World;
    let company: Record<string, string>;
    before(async () => {
      w = await startWorld(engine);
      company = await validCompanyForm(w.db);
    });
    after(() => w.db.destroy());

    async function post(who: Parameters<World["agent"]>[0], path: string, body: string) {
      return w.agent(who).post(path).type("form").send(`${body}&_csrf=${encodeURIComponent(await w.token(who))}`);
    }
    const form = (o: Record<string, string | string[]>) => {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(o)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
      return p.toString();
    };
    async function refused(who: Parameters<World["agent"]>[0], path: string, body: string, status: number, text: string) {
      const before = await snapshot(w.db);
      const res = await post(who, path, body);
      expect(res.status, res.text.slice(0, 600)).to.equal(status);
      expect(res.text).to.include(text);
      expect(await snapshot(w.db)).to.equal(before);
    }

    it("accepts the valid company form used below", async () => {
      const res = await post("applicant", "/company", form(company));
      expect(res.status, res.text.slice(0, 600)).to.equal(303);
    });

    it("refuses a 150 KB legal name beside the field", async () => {
      await refused("applicant", "/company", form({ ...company, legalName: "N".repeat(150_000) }), 422, "must be 200 characters or fewer");
      await refused("applicant", "/company", form({ ...company, legalName: "N".repeat(201) }), 422, "must be 200 characters or fewer");
    });

    it("a body over the limit is refused before the session is read, on a page as complete as any other", async () => {
      const res = await post("applicant", "/company", form({ ...company, legalName: "N".repeat(300_000) }));
      expect(res.status).to.equal(413);
      expect(res.text).to.include("Times are shown in Europe/Copenhagen").and.not.include("{{");
    });

    it("refuses a NUL byte and control characters in a name", async () => {
      await refused("applicant", "/company", form({ ...company, legalName: "Nordic\u0000Labs" }), 400, "cannot be stored (NUL)");
      await refused("applicant", "/company", form({ ...company, legalName: "Nordic\u202ELabs" }), 422, "control or text-direction characters");
    });

    it("refuses a field given twice instead of dropping one of the values", async () => {
      await refused("applicant", "/company", form({ ...company, legalName: ["Nordic Enzyme Labs ApS", "Other ApS"] }), 422, "Give one answer here, not several.");
    });

    it("refuses impossible, ancient and future de minimis grant dates (R9's window is computed from them)", async () => {
      const dm = (date: string) => form({ ...company, dm0_body: "Innovationsfonden", dm0_date: date, dm0_amount: "1000" });
      await refused("applicant", "/company", dm("2026-02-30"), 422, "is not a real date");
      await refused("applicant", "/company", dm("0000-01-01"), 422, "must be between 1990-01-01");
      await refused("applicant", "/company", dm("9999-12-31"), 422, "must be between 1990-01-01");
      await refused("applicant", "/company", dm("1989-12-31"), 422, "must be between 1990-01-01");
      await refused("applicant", "/company", dm(day(1)), 422, "is in the future");
    });

    it("answers a repeated query key with a 400 page, not a 500", async () => {
      const dir = await w.agent("manager").get("/directory?q=a&q=b");
      expect(dir.status).to.equal(400);
      expect(dir.text).to.include("could not be read (q)");
      const audit = await w.agent("admin").get("/admin/audit?action=a&action=b");
      expect(audit.status).to.equal(400);
    });

    it("reads ids as positive decimal integers that fit the columns: no hex, no exponent, no overflow", async () => {
      for (const id of ["0x1", "1e0", "2147483648", "99999999999"]) {
        expect((await w.agent("applicant").get(`/applications/${id}`)).status, id).to.equal(404);
      }
      const draft = `/applications/${w.ids.draftApp}/edit`;
      await refused("applicant", draft, form({ title: "Visit", counterpartOrgId: "0x1" }), 422, "Choose an organisation from the list.");
      await refused("applicant", draft, form({ title: "Visit", counterpartRegionId: "2147483648" }), 422, "Choose a region from the list.");
    });

    it("answers an unknown referenced id with a 422 on its field, never a database error", async () => {
      await refused("applicant", `/applications/${w.ids.draftApp}/edit`, form({ title: "Visit", counterpartRegionId: "999999" }), 422, "Choose the counterpart&#x27;s region from the list.");
      await refused("admin", "/admin/users", form({ email: "new.manager@demo.test", name: "New Manager", password: "a-long-password-123", role: "manager", partnerId: "999999" }),
        422, "Choose a partner organisation from the list.");
      await refused("manager", "/directory", form({ name: "Lab", regionId: "999999", kind: "expert" }), 422, "Choose a region.");
      await refused("manager", `/manager/applications/${w.ids.managerApp}/reject`, form({ templateId: "999999" }), 422, "Choose one of the listed rejection reasons.");
    });

    it("refuses a payment dated 0000-01-01, in the future or before its claim was verified", async () => {
      const pay = (paidOn: string) => form({ claimIds: String(w.ids.verifiedClaim), paidOn, bankReference: "BANK-REF-1" });
      await refused("finance", "/finance/payments", pay("0000-01-01"), 422, "must be between 1990-01-01");
      await refused("finance", "/finance/payments", pay("2026-02-30"), 422, "is not a real date");
      await refused("finance", "/finance/payments", pay(day(1)), 422, "is in the future");
      const claim = defined(await w.db("claims").where({ id: w.ids.verifiedClaim }).first("verified_at"), "claim");
      const verifiedOn = DateTime.fromISO(String(claim.verified_at).replace(" ", "T"), { zone: "UTC" }).setZone("Europe/Copenhagen").toISODate()!;
      await refused("finance", "/finance/payments", pay(DateTime.fromISO(verifiedOn).minus({ days: 1 }).toISODate()!), 422, "before the claim was verified");
    });

    it("maps what the database itself refuses to a 422, the last line behind the checks", async () => {
      const fk = await w.db("referrals").insert({ company_id: 999999, organisation_id: 999999, manager_id: 999999, note: "", created_at: "2026-01-01T00:00:00.000Z" })
        .then(() => null, (e: unknown) => e);
      expect(fk, "the database accepted an unknown reference").to.not.equal(null);
      const mapped = toAppError(fk);
      expect([mapped.status, mapped.code]).to.deep.equal([422, "unknown_reference"]);
    });
  });
}
