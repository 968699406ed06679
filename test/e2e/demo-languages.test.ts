import { execFileSync } from "node:child_process";
import { lettersWritten } from "../../server/services/letters/letters";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import request from "supertest";
import { DEMO_PASSWORD } from "../../db/seeds/demo";
import { createUser } from "../../server/services/people/users";
import { postForm, signIn } from "../support/app";
import { testContext, testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { actorByEmail } from "../support/fixtures";
import { insertSubmitted, seedCall, startManagerWorld } from "../support/journey";

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "demo-languages-"));
  try {
    const file = path.join(dir, "letter.pdf");
    writeFileSync(file, pdf);
    return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const binary = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("end", () => done(null, Buffer.concat(chunks)));
};

/*
 * The demo companies in Denmark, Noord-Brabant and Stuttgart, approved by their region's manager
 * through the real decision form: the letter and the e-mail are in Danish, Dutch and German
 * (their partner organisations' languages; none of the applicants has chosen one).
 */
for (const engine of testDatabases()) {
  describe(`the demo companies' letters and e-mails in their language (e2e, ${engine.name})`, function () {
    this.timeout(180000);

    const CASES = [
      { applicant: "sme@demo.test", manager: "manager@demo.test", language: "da", heading: "Tilsagn om innovationsvoucher", words: "firetusind euro", amount: "4.000,00 EUR", subject: "Godkendt: din ansøgning", regulation: "Kommissionens forordning (EU) 2023/2831" },
      { applicant: "brabant@demo.test", manager: "manager.nl@demo.test", language: "nl", heading: "Toekenning van innovatievoucher", words: "vierduizend euro", amount: "EUR 4.000,00", subject: "Goedgekeurd: uw aanvraag", regulation: "Verordening (EU) 2023/2831 van de Commissie" },
      { applicant: "neckar@demo.test", manager: "manager.bw@demo.test", language: "de", heading: "Bewilligung des Innovationsgutscheins", words: "viertausend Euro", amount: "4.000,00 EUR", subject: "Bewilligt: Ihr Antrag", regulation: "Verordnung (EU) 2023/2831 der Kommission" },
    ] as const;

    it("approves each through HTTP; letter, stored language, /verify and e-mail follow the company's region; staff get an English reference", async () => {
      const { db, clock, app } = await startManagerWorld(engine);
      try {
        const partner = defined(await db("partners as p").join("regions as r", "r.id", "p.region_id").where("r.code", "BW").first<{ id: number }>("p.id"), "BW partner");
        await createUser(testContext(db, await actorByEmail(db, "admin@demo.test"), clock.now),
          { email: "manager.bw@demo.test", name: "Katrin Vogel", title: "Clustermanagerin", password: DEMO_PASSWORD, role: "manager", partnerId: partner.id, emailConfirmed: true });
        const callId = await seedCall(db, clock.now, { totalCents: 10_000_000 });
        for (const c of CASES) {
          const id = await insertSubmitted(db, { email: c.applicant, callId, type: "IN", counterpartRegion: c.language === "de" ? "VL" : "BW" });
          const manager = await signIn(app, c.manager);
          const res = await postForm(manager, `/manager/applications/${id}`, `/manager/applications/${id}/approve`, {});
          expect(res.status, `${c.language}: ${res.text.slice(0, 300)}`).to.equal(303);
          await lettersWritten(db);

          const letter = defined(await db("award_letters").where({ application_id: id }).first("reference", "language"), "letter");
          expect(letter.language).to.equal(c.language);
          const applicant = await signIn(app, c.applicant);
          const pdf = (await applicant.get(`/applications/${id}/award-letter.pdf`).buffer(true).parse(binary).expect(200)).body as Buffer;
          const text = pdfText(pdf);
          expect(text).to.include(c.heading).and.include(c.words).and.include(c.amount).and.include(c.regulation);

          const checked = await postForm(request.agent(app), "/verify", "/verify", { reference: letter.reference, sha256: defined(await db("award_letters").where({ application_id: id }).first("sha256")).sha256 });
          expect(checked.text).to.include("Language of the letter");
          expect(checked.text).to.include({ da: "Danish", nl: "Dutch", de: "German" }[c.language]);

          const user = defined(await db("users").where({ email: c.applicant }).first("email"));
          const mail = defined(await db("emails").where({ to_address: user.email, template: "decision-approved" }).orderBy("id", "desc").first("subject", "body_text"), "e-mail");
          expect(mail.subject).to.include(c.subject);
          expect(mail.body_text).to.include(c.amount);

          const reference = await manager.get(`/applications/${id}/award-letter-reference.pdf`).buffer(true).parse(binary).expect(200);
          const referenceText = pdfText(reference.body as Buffer);
          expect(referenceText).to.include("REFERENCE RENDERING IN ENGLISH, NOT THE ISSUED AWARD LETTER").and.include("four thousand euros");
          // The reference is never stored: the letter on record is still the one issued.
          expect(await db("award_letters").where({ application_id: id }).count({ n: "*" }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);
        }
      } finally {
        await db.destroy();
      }
    });
  });
}
