import { expect } from "chai";
import type { Express } from "express";
import request from "supertest";
import type { Db } from "../../server/db/connection";
import { sha256Hex } from "../../server/letters/award-letter";
import { lettersWritten, toBuffer } from "../../server/services/letters/letters";
import { type Agent, buildApp, csrfFrom, csrfToken, postForm, signIn } from "../support/app";
import { type TestClock, testDatabases } from "../support/db";
import { insertApproved, insertSubmitted, seedCall, startManagerWorld, withLettersRefused } from "../support/journey";
import { defined } from "../support/defined";

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
    let callId: number;
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
      let clock: TestClock;
      ({ db, app, clock } = await startManagerWorld(engine));
      callId = await seedCall(db, clock.now);
      // Nordic Enzyme Labs' two applications: one submitted only (no letter), one approved, which issues its letter.
      unlettered = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "MG", requestedCents: 50_000 });
      ({ applicationId: id, reference } = await insertApproved(db, {
        email: "sme@demo.test", callId, type: "IN", title: "Market study for a veterinary probiotic", counterpartName: "Stern Market Insight GmbH",
      }));
      pdf = toBuffer(defined(await db("award_letters").where({ application_id: id }).first("pdf")).pdf);
    });

    after(async () => {
      await db.destroy();
    });

    describe("a letter whose PDF is still being written after the approval", () => {
      it("shows the page after an approval with the stored letter, and a letter whose PDF is not yet stored as being written", async () => {
        const manager = await as("manager@demo.test");
        const approveThroughPage = async (appId: number) => {
          const res = await postForm(manager, `/manager/applications/${appId}`, `/manager/applications/${appId}/approve`, {});
          expect(res.status, res.text.slice(0, 300)).to.equal(303);
        };
        // The page the approval leads to waits for the letter this process is writing.
        const written = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "MG", requestedCents: 50_000 });
        await approveThroughPage(written);
        const page = (await manager.get(`/manager/applications/${written}`)).text;
        const stored = defined(await db("award_letters").where({ application_id: written }).first("reference", "sha256"), "stored letter");
        expect(page).to.include(stored.reference).and.to.include(stored.sha256);

        // The PDF cannot be stored (a full disk): the letter is decided and shown as being written.
        const pending = await insertSubmitted(db, { email: "amager@demo.test", callId, type: "MG", requestedCents: 50_000 });
        await withLettersRefused(db, async () => {
          await approveThroughPage(pending);
          await lettersWritten(db);
        });
        const reference = defined(await db("pending_award_letters").where({ application_id: pending }).first("reference"), "pending letter").reference;
        const waiting = (await manager.get(`/manager/applications/${pending}`)).text;
        expect(waiting).to.include(reference).and.to.include("PDF being written").and.not.to.include("SHA-256");
        expect((await (await as("amager@demo.test")).get(`/applications/${pending}`)).text).to.include(`/applications/${pending}/award-letter.pdf`);

        // Asked for, the letter is written then and there, from the facts the approval recorded.
        const res = await download(await as("amager@demo.test"), pending);
        expect(res.status).to.equal(200);
        const now = defined(await db("award_letters").where({ application_id: pending }).first("reference", "sha256"), "letter stored on download");
        expect(now.reference).to.equal(reference);
        expect(sha256Hex(res.body as Buffer)).to.equal(now.sha256);
        expect((await manager.get(`/manager/applications/${pending}`)).text).to.include(now.sha256).and.not.to.include("PDF being written");
      });
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

      it("gives the verdict's reason in the reader's language: Danish for an unknown reference, French for the genuine letter", async () => {
        async function verifyIn(language: string, fields: Record<string, string>) {
          const agent = request.agent(app);
          const token = csrfFrom((await agent.get("/verify").set("Accept-Language", language).expect(200)).text);
          let req = agent.post("/verify").set("Accept-Language", language).field("_csrf", token);
          for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
          return req;
        }
        const unknown = await verifyIn("da", { reference: "IN2LS-2026-DK-IN-9999", sha256: sha256Hex(pdf) });
        expect(unknown.status).to.equal(200);
        expect(unknown.text).to.include("Der er ikke udstedt noget tilsagnsbrev med referencen IN2LS-2026-DK-IN-9999. Kontrollér referencen på brevet.")
          .and.not.include("No award letter with the reference");
        const genuine = await verifyIn("fr", { reference, sha256: sha256Hex(pdf) });
        expect(genuine.text).to.include(`Il s’agit de la lettre d’attribution authentique ${reference}, inchangée depuis son émission.`)
          .and.not.include("unchanged since it was issued");
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
