import { expect } from "chai";
import type { Express } from "express";
import request from "supertest";
import type { Db } from "../../server/db/connection";
import { sha256Hex } from "../../server/letters/award-letter";
import { insertedId } from "../../server/services/platform/context";
import { issueAwardLetter, toBuffer } from "../../server/services/letters/letters";
import { type Agent, buildApp, csrfToken, signIn } from "../support/app";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";

/**
 * An approved application of the demo company Nordic Enzyme Labs (Capital Region of Denmark),
 * inserted directly as the manager's approval leaves it, so these tests do not depend on that
 * journey.
 */
async function insertApprovedNordic(db: Db): Promise<number> {
  const company = defined(await db("companies").where({ legal_name: "Nordic Enzyme Labs ApS" }).first("id"), "company");
  const partner = await db("partners").join("regions", "regions.id", "partners.region_id").where("regions.code", "DK").first<{ id: number }>("partners.id");
  const counterpart = defined(await db("regions").where({ code: "BW" }).first("id", "country"), "counterpart");
  const type = defined(await db("voucher_types").where({ code: "IN" }).first("id"), "type");
  const manager = defined(await db("users").where({ email: "manager@demo.test" }).first("id"), "manager");
  const applicant = defined(await db("users").where({ email: "sme@demo.test" }).first("id"), "applicant");
  const scheme = defined(await db("schemes").orderBy("id").first("id"), "scheme");
  const at = "2026-11-23T09:00:00.000Z";
  const [call] = await db("calls").insert({
    scheme_id: scheme.id, title: "Autumn call", description: "", opens_at: "2026-01-01T00:00:00.000Z",
    closes_at: "2027-12-31T00:00:00.000Z", status: "open", created_by: manager.id, created_at: at, updated_at: at,
  }).returning("id");
  const [app] = await db("applications").insert({
    call_id: insertedId(call), company_id: company.id, voucher_type_id: type.id, partner_id: partner.id, state: "approved",
    title: "Market study for a veterinary probiotic", description: "Two days with a market expert in Stuttgart.",
    counterpart_name: "Stern Market Insight GmbH", counterpart_country: counterpart.country, counterpart_region_id: counterpart.id,
    counterpart_kind: "expert", activity_start: "2026-12-07", activity_end: "2026-12-08", requested_cents: 400_000,
    approved_cents: 400_000, submitted_at: at, decided_at: at, decided_by: manager.id, approved_on: "2026-11-23",
    completion_deadline: "2027-05-22", claim_deadline: "2027-06-21", version: 2, created_by: applicant.id, created_at: at, updated_at: at,
  }).returning("id");
  return insertedId(app);
}

/** Collects a binary response body (superagent leaves unknown types unparsed). */
function binary(res: request.Response, done: (err: Error | null, body: Buffer) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  stream.on("end", () => done(null, Buffer.concat(chunks)));
}

for (const engine of testDatabases()) {
  describe(`award letter download and verification [${engine.name}]`, function () {
    this.timeout(60_000);
    let db: Db;
    let app: Express;
    let id: number;
    let unlettered: number;
    let reference: string;
    let pdf: Buffer;
    const agents = new Map<string, Agent>();

    async function as(email: string): Promise<Agent> {
      let agent = agents.get(email);
      if (!agent) {
        agent = await signIn(app, email);
        agents.set(email, agent);
      }
      return agent;
    }

    function download(agent: Agent  , applicationId: number) {
      return agent.get(`/applications/${applicationId}/award-letter.pdf`).buffer(true).parse(binary);
    }

    async function postVerify(agent: Agent, fields: Record<string, string>, file?: { content: Buffer; name: string }) {
      const token = await csrfToken(agent, "/verify");
      let req = agent.post("/verify").field("_csrf", token);
      for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
      if (file) req = req.attach("pdf", file.content, { filename: file.name, contentType: "application/pdf" });
      return req;
    }

    before(async () => {
      db = await engine.create();
      const clock = new TestClock(new Date("2026-11-23T09:42:00.000Z"));
      await seedDemoData(db, clock.now);
      app = buildApp(db, { clock: clock.now });
      id = await insertApprovedNordic(db);
      unlettered = await insertApprovedNordic(db);
      const ctx = testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now);
      reference = (await db.transaction((trx) => issueAwardLetter(trx, ctx, id))).reference;
      pdf = toBuffer(defined(await db("award_letters").where({ application_id: id }).first("pdf")).pdf);
    });

    after(async () => {
      await db.destroy();
    });

    describe("GET /applications/:id/award-letter.pdf", () => {
      it("gives the company's applicant the stored PDF as an attachment named after the reference", async () => {
        const res = await download(await as("sme@demo.test"), id);
        expect(res.status).to.equal(200);
        expect(res.headers["content-type"]).to.match(/^application\/pdf/);
        expect(res.headers["content-disposition"]).to.equal(`attachment; filename="award-letter-${reference}.pdf"`);
        expect(res.headers["cache-control"]).to.include("no-store");
        expect(Buffer.isBuffer(res.body) && (res.body).equals(pdf)).to.equal(true);
      });

      it("gives finance the letter", async () => {
        const res = await download(await as("finance@demo.test"), id);
        expect(res.status).to.equal(200);
        expect(sha256Hex(res.body as Buffer)).to.equal(sha256Hex(pdf));
      });

      it("gives the region's manager and an administrator the letter", async () => {
        expect((await download(await as("manager2@demo.test"), id)).status).to.equal(200);
        expect((await download(await as("admin@demo.test"), id)).status).to.equal(200);
      });

      it("is 'not found' for another company's applicant and for a manager of another region", async () => {
        for (const email of ["oresund@demo.test", "brabant@demo.test", "manager.nl@demo.test"]) {
          const res = await download(await as(email), id);
          expect(res.status, email).to.equal(404);
          expect(res.headers["content-type"], email).to.not.match(/pdf/);
        }
      });

      it("is 'not found' without a letter and for ids that are not ids", async () => {
        const sme = await as("sme@demo.test");
        expect((await download(sme, unlettered)).status).to.equal(404);
        expect((await download(sme, 999_999)).status).to.equal(404);
        expect((await sme.get("/applications/abc/award-letter.pdf")).status).to.equal(404);
      });

      it("sends a visitor who is not signed in to the sign-in page", async () => {
        const res = await request(app).get(`/applications/${id}/award-letter.pdf`);
        expect(res.status).to.equal(303);
        expect(res.headers.location).to.equal("/login");
      });
    });

    describe("/verify", () => {
      it("shows the public form with a CSRF token and a file field", async () => {
        const res = await request(app).get("/verify");
        expect(res.status).to.equal(200);
        expect(res.text).to.include('enctype="multipart/form-data"');
        expect(res.text).to.include('name="_csrf"');
        expect(res.text).to.include('type="file"');
      });

      it("confirms the genuine PDF and shows only the letter's key facts", async () => {
        const res = await postVerify(request.agent(app), { reference }, { content: pdf, name: "letter.pdf" });
        expect(res.status).to.equal(200);
        expect(res.text).to.include("This award letter is genuine");
        expect(res.text).to.include("Nordic Enzyme Labs ApS");
        expect(res.text).to.include("Insight");
        expect(res.text).to.include("EUR 4,000.00");
        expect(res.text).to.include(reference);
        expect(res.text).to.not.include("Stern Market Insight");
      });

      it("confirms a pasted SHA-256 without a file", async () => {
        const res = await postVerify(request.agent(app), { reference, sha256: sha256Hex(pdf).toUpperCase() });
        expect(res.status).to.equal(200);
        expect(res.text).to.include("This award letter is genuine");
      });

      it("says plainly that a tampered PDF is not genuine, without revealing the letter", async () => {
        const tampered = Buffer.from(pdf);
        const at = tampered.length - 100;
        tampered[at] = defined(tampered[at]) ^ 0x20;
        const res = await postVerify(request.agent(app), { reference }, { content: tampered, name: "letter.pdf" });
        expect(res.status).to.equal(200);
        expect(res.text).to.include("This letter could not be confirmed");
        expect(res.text).to.include("Not genuine");
        expect(res.text).to.not.include("Nordic Enzyme Labs ApS");
        expect(res.text).to.not.include("EUR 4,000.00");
      });

      it("refuses a POST without a CSRF token (403)", async () => {
        const agent = request.agent(app);
        await agent.get("/verify");
        const res = await agent.post("/verify").field("reference", reference).attach("pdf", pdf, { filename: "letter.pdf", contentType: "application/pdf" });
        expect(res.status).to.equal(403);
        expect(res.text).to.not.include("genuine");
      });

      it("re-shows the form with an error summary and the typed values when input is missing or wrong", async () => {
        const agent = request.agent(app);
        const noFile = await postVerify(agent, { reference: "IN2LS-2026-DK-IN-0001" });
        expect(noFile.status).to.equal(422);
        expect(noFile.text).to.include("error-summary");
        expect(noFile.text).to.include('value="IN2LS-2026-DK-IN-0001"');
        expect(noFile.text).to.include("Choose the letter&#x27;s PDF file");

        const badRef = await postVerify(agent, { reference: "<b>hello</b>", sha256: "xyz" });
        expect(badRef.status).to.equal(422);
        expect(badRef.text).to.include("&lt;b&gt;hello&lt;/b&gt;");
        expect(badRef.text).to.include('href="#f-reference"');
        expect(badRef.text).to.include('href="#f-sha256"');

        const notPdf = await postVerify(agent, { reference }, { content: Buffer.from("hello"), name: "letter.pdf" });
        expect(notPdf.status).to.equal(422);
        expect(notPdf.text).to.include("not a PDF");
      });

      it("refuses a file over 10 MB with 413 and the form, not a server error", async () => {
        const big = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(10 * 1024 * 1024 + 1, 0x20)]);
        const res = await postVerify(request.agent(app), { reference }, { content: big, name: "big.pdf" });
        expect(res.status).to.equal(413);
        expect(res.text).to.include("larger than 10 MB");
        expect(res.text).to.include(`value="${reference}"`);
      });

      it("limits checks per visitor to 20 in 15 minutes, with a friendly 429 page", async () => {
        const fresh = buildApp(db);
        const agent = request.agent(fresh);
        const token = await csrfToken(agent, "/verify");
        const statuses: number[] = [];
        for (let i = 0; i < 21; i++) {
          const res = await agent.post("/verify").field("_csrf", token).field("reference", reference).field("sha256", sha256Hex(pdf));
          statuses.push(res.status);
          if (i === 20) expect(res.text).to.include("wait 15 minutes");
        }
        expect(statuses.slice(0, 20).every((s) => s === 200)).to.equal(true);
        expect(statuses[20]).to.equal(429);
      });
    });
  });
}
