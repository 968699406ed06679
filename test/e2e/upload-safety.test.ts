import { expect } from "chai";
import type { Express } from "express";
import request from "supertest";
import type { Db } from "../../server/db/connection";
import { type Agent, csrfFrom, signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { insertCall, insertDraft, startManagerWorld } from "../support/journey";
import { defined } from "../support/defined";
import { actorByEmail } from "../support/fixtures";

const BOUNDARY = "----voucherdesk-test-boundary";
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

/** A multipart body with a valid `_csrf` part first, then `rest` exactly as given (closing boundary included or not). */
function multipart(token: string, rest: Buffer | string): Buffer {
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n`;
  return Buffer.concat([Buffer.from(head), Buffer.isBuffer(rest) ? rest : Buffer.from(rest, "latin1")]);
}

/** A file part that stops in the middle of its content: no closing boundary ever comes. */
const cutShort = (field: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="offer.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n1 0 obj<<>>`;

/** A file part whose header carries a NUL byte; the body is otherwise complete. */
const nulInHeader = (field: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="off\0er.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n\r\n--${BOUNDARY}--\r\n`;

const count = async (db: Db, table: string) => Number(defined((await db(table).count({ n: "*" }))[0]).n);

for (const engine of testDatabases()) {
  describe(`uploads that cannot be read, and the names and types of stored files (${engine.name})`, function () {
    this.timeout(120000);
    let db: Db;
    let app: Express;
    let sme: Agent;
    let finance: Agent;
    let draftId: number;

    before(async () => {
      ({ db, app } = await startManagerWorld(engine, "2027-03-01T10:00:00.000Z"));
      const callId = await insertCall(db, { opensAt: "2027-02-01T08:00:00.000Z", closesAt: "2027-04-01T10:00:00.000Z" });
      draftId = await insertDraft(db, { email: "sme@demo.test", callId, type: "CO", submittedAt: "2027-03-01T09:00:00.000Z" });
      sme = await signIn(app, "sme@demo.test");
      finance = await signIn(app, "finance@demo.test");
    });
    after(() => db.destroy());

    async function tokenOf(agent: Agent, page: string): Promise<string> {
      const res = await agent.get(page);
      expect(res.status, `GET ${page}`).to.equal(200);
      return csrfFrom(res.text);
    }

    const send = (agent: Agent, path: string, body: Buffer) =>
      agent.post(path).set("Content-Type", `multipart/form-data; boundary=${BOUNDARY}`).send(body);

    async function written(): Promise<Record<string, number>> {
      return {
        attachments: await count(db, "attachments"), claims: await count(db, "claims"),
        rates: await count(db, "exchange_rates"), audit: await count(db, "audit_events"),
      };
    }

    describe("a multipart body that cannot be read, with a valid token", () => {
      const cases: { who: () => Agent; name: string; page: () => string; path: () => string; field: string }[] = [
        { who: () => sme, name: "an applicant's attachments", page: () => `/applications/${draftId}/edit`, path: () => `/applications/${draftId}/attachments`, field: "files" },
        { who: () => sme, name: "an applicant's claim", page: () => `/applications/${draftId}/edit`, path: () => `/applications/${draftId}/claim`, field: "evidence" },
        { who: () => finance, name: "finance's rates import", page: () => "/finance/rates", path: () => "/finance/rates/import", field: "file" },
      ];
      for (const c of cases) {
        for (const [broken, rest] of [["cut short", cutShort], ["with a NUL in a part header", nulInHeader]] as const) {
          it(`${c.name}, ${broken}: a 400 page saying to send it again, nothing written`, async () => {
            const before = await written();
            const res = await send(c.who(), c.path(), multipart(await tokenOf(c.who(), c.page()), rest(c.field)));
            expect(res.status, res.text.slice(0, 800)).to.equal(400);
            expect(res.text).to.include("The upload did not arrive complete or could not be read, so nothing was saved. Please send the form again.");
            expect(await written()).to.deep.equal(before);
          });
        }
      }

      it("the public letter check answers the same, in the reader's language", async () => {
        const anonymous = request.agent(app);
        const res = await send(anonymous, "/verify", multipart(await tokenOf(anonymous, "/verify"), cutShort("pdf"))).set("Accept-Language", "de");
        expect(res.status, res.text.slice(0, 800)).to.equal(400);
        expect(res.text).to.include("Der Upload ist nicht vollständig angekommen");
      });

      it("a forged one is still refused as forged", async () => {
        const before = await written();
        const res = await send(sme, `/applications/${draftId}/attachments`, multipart("not-the-token", cutShort("files")));
        expect(res.status).to.equal(403);
        expect(await written()).to.deep.equal(before);
      });
    });

    describe("stored files", () => {
      async function upload(name: string): Promise<{ id: number; name: string }> {
        const token = await tokenOf(sme, `/applications/${draftId}/edit`);
        const res = await sme.post(`/applications/${draftId}/attachments`).field("_csrf", token).attach("files", PDF, name);
        expect(res.status, res.text.slice(0, 800)).to.equal(303);
        const row = defined(await db("attachments").where({ application_id: draftId }).orderBy("id", "desc").first("id", "original_name", "mime"), "row");
        expect(row.mime).to.equal("application/pdf");
        return { id: Number(row.id), name: String(row.original_name) };
      }

      it("a PDF named report.html is served as a PDF, never as HTML, and saved as report.html.pdf", async () => {
        const file = await upload("report.html");
        const res = await sme.get(`/attachments/${file.id}`).expect(200);
        expect(res.headers["content-type"]).to.equal("application/pdf");
        expect(res.headers["x-content-type-options"]).to.equal("nosniff");
        expect(res.headers["content-disposition"]).to.equal('attachment; filename=report.html.pdf');
        expect(Buffer.compare(res.body as Buffer, PDF)).to.equal(0);
      });

      it("a right-to-left override is taken out of the name, in the list and the download", async () => {
        const file = await upload("invoice\u202Efdp.exe");
        expect(file.name).to.equal("invoicefdp.exe");
        const res = await sme.get(`/attachments/${file.id}`).expect(200);
        expect(res.headers["content-type"]).to.equal("application/pdf");
        expect(res.headers["content-disposition"]).to.equal('attachment; filename=invoicefdp.exe.pdf');
        const page = await sme.get(`/applications/${draftId}`).expect(200);
        expect(page.text).to.include(">invoicefdp.exe</a>").and.not.include("\u202E");
      });

      it("C1 controls and zero-width characters go too, and accents are composed", async () => {
        const file = await upload("ca\u0085fe\u0301\u200B quote.pdf");
        expect(file.name).to.equal("caf\u00E9 quote.pdf");
        const res = await sme.get(`/attachments/${file.id}`).expect(200);
        expect(res.headers["content-disposition"]).to.equal(`attachment; filename="caf? quote.pdf"; filename*=UTF-8''caf%C3%A9%20quote.pdf`);
      });

      it("a name over 255 characters keeps its extension", async () => {
        const file = await upload(`${"q".repeat(300)}.pdf`);
        expect(file.name).to.equal(`${"q".repeat(251)}.pdf`);
      });

      it("a name stored before names were cleaned is shown and downloaded clean", async () => {
        const user = await actorByEmail(db, "sme@demo.test");
        const [row] = await db("attachments").insert({
          application_id: draftId, claim_id: null, purpose: "application", original_name: "old\u202Efdp.exe", mime: "application/pdf",
          size_bytes: PDF.length, sha256: "0".repeat(64), content: PDF, uploaded_by: user.id, uploaded_at: "2027-02-15T10:00:00.000Z",
        }).returning("id");
        const id = Number(typeof row === "object" ? (row as { id: number }).id : row);
        const res = await sme.get(`/attachments/${id}`).expect(200);
        expect(res.headers["content-disposition"]).to.equal('attachment; filename=oldfdp.exe.pdf');
        expect((await sme.get(`/applications/${draftId}`).expect(200)).text).to.include(">oldfdp.exe</a>").and.not.include("\u202E");
      });
    });
  });
}
