import { execFileSync } from "node:child_process";
import { englishText } from "../../server/i18n/messages";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { ConflictError, NotFoundError, ValidationError } from "../../server/errors";
import { type AwardLetterData, renderAwardLetter, sha256Hex } from "../../server/letters/award-letter";
import type { ServiceContext } from "../../server/services/platform/context";
import { approve, cancel } from "../../server/services/review/decisions";
import { setUserLanguage } from "../../server/services/people/language";
import { findApplication } from "../../server/services/applications/records";
import { findingsFor } from "../../server/services/applications/eligibility";
import { awardLetterData, getAwardLetter, issueAwardLetter, toBuffer, verifyLetter } from "../../server/services/letters/letters";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { defined } from "../support/defined";
import {
  acceptVoucher, changeCompanyProfile, declareDeMinimis, insertCall, insertSubmitted, insertVerifiedClaim, payClaim, registerSme, timelineAround, withLettersRefused,
} from "../support/journey";
import { rejection } from "../support/rejects";

interface ApprovedOptions {
  type: "MG" | "IN" | "CO";
  manager: string;
  applicant: string;
  approvedOn: string;
  amountCents: number;
  counterpartRegion: string;
}

/** The suite's clock time on the given day: when its approvals happen. */
const approvalMoment = (o: Pick<ApprovedOptions, "approvedOn">, days = 0) => new Date(Date.parse(`${o.approvedOn}T09:42:00.000Z`) + days * 86_400_000).toISOString();

/**
 * An application submitted through the applications service ten days before `approvedOn`, in a
 * call of its own (R10 allows a company one voucher per type and call), its activity two weeks
 * after the approval.
 */
async function submittedInOwnCall(db: Db, o: ApprovedOptions): Promise<number> {
  const callId = await insertCall(db, { opensAt: approvalMoment(o, -30), closesAt: approvalMoment(o, -1), title: "Autumn call" });
  // These tests read the English wording; a letter is written in its applicant's language.
  const applicant = await actorByEmail(db, o.applicant);
  await setUserLanguage(testContext(db, applicant, () => new Date(approvalMoment(o, -30))), applicant.id, "en");
  return insertSubmitted(db, {
    email: o.applicant, callId, type: o.type, requestedCents: o.amountCents, counterpartRegion: o.counterpartRegion,
    activityStart: approvalMoment(o, 14).slice(0, 10), submittedAt: approvalMoment(o, -10),
  });
}

/** `manager` approves through the review service at the suite's clock time on `approvedOn`; says whether the letter was stored. */
async function approveOn(db: Db, o: ApprovedOptions, id: number): Promise<boolean> {
  const approved = await approve(testContext(db, await actorByEmail(db, o.manager), () => new Date(approvalMoment(o))), id, {});
  return (await approved.letterWritten) !== null;
}

/**
 * An approved application whose award letter is decided (number, issue instant, facts) but not
 * stored: these tests issue, store and verify that letter themselves. An approval stores its
 * letter right after its commit, so the approval runs while the database refuses letters
 * (withLettersRefused), the one interruption the product recovers from: a crash between the
 * approval's commit and the PDF's storing, which leaves the letter pending for the next issue.
 */
async function approvedWithoutLetter(db: Db, o: ApprovedOptions): Promise<number> {
  const id = await submittedInOwnCall(db, o);
  expect(await withLettersRefused(db, () => approveOn(db, o, id)), "letter stored by the approval").to.equal(false);
  return id;
}

/** An approved application with its letter stored, as an approval normally leaves it. */
async function approvedWithLetter(db: Db, o: ApprovedOptions): Promise<number> {
  const id = await submittedInOwnCall(db, o);
  await approveOn(db, o, id);
  return id;
}

const NORDIC = "Nordic Enzyme Labs ApS";
const dkInsight = (approvedOn = "2026-11-23"): ApprovedOptions => ({
  type: "IN", manager: "manager@demo.test", applicant: "sme@demo.test", approvedOn, amountCents: 400_000, counterpartRegion: "BW",
});

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "letters-"));
  try {
    const file = path.join(dir, "letter.pdf");
    writeFileSync(file, pdf);
    return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const engine of testDatabases()) {
  describe(`award letters: issue, store, verify (R13) [${engine.name}]`, function () {
    this.timeout(60_000);
    let db: Db;
    let clock: TestClock;
    let managerCtx: ServiceContext;

    async function issue(applicationId: number, ctx = managerCtx) {
      return db.transaction((trx) => issueAwardLetter(trx, ctx, applicationId));
    }

    async function stored(applicationId: number) {
      const row = defined(await db("award_letters").where({ application_id: applicationId }).first(), "row");
      return { ...row, pdf: toBuffer(row.pdf) };
    }

    before(async () => {
      db = await engine.create();
      clock = new TestClock(new Date("2026-11-23T09:42:00.000Z"));
      await seedDemoData(db, clock.now);
      managerCtx = testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now);
      // Nordic gets a voucher in many calls here, each approved while the others' claims are open (R10).
      await db("schemes").update({ block_while_claim_open: false });
    });

    after(async () => {
      await db.destroy();
    });

    it("stores the rendered bytes with their SHA-256, the approval instant and the issuer; sets the reference and audits", async () => {
      const id = await approvedWithoutLetter(db, dkInsight());
      const issued = await issue(id);
      expect(issued.reference).to.equal("IN2LS-2026-DK-IN-0001");
      const row = await stored(id);
      expect(row.pdf.subarray(0, 5).toString()).to.equal("%PDF-");
      expect(sha256Hex(row.pdf)).to.equal(row.sha256).and.to.equal(issued.sha256);
      expect(row.reference).to.equal(issued.reference);
      expect(row.issued_at).to.equal("2026-11-23T09:42:00.000Z");
      expect(Number(row.issued_by)).to.equal(managerCtx.actor!.id);
      expect(row.language).to.equal("en");
      expect(defined(await db("applications").where({ id }).first("reference")).reference).to.equal(issued.reference);
      const events = await db("audit_events").where({ action: "letter.issued", entity_type: "application", entity_id: String(id) });
      expect(events).to.have.length(1);
      expect(JSON.parse(defined(defined(events[0]).after_json))).to.include({ reference: issued.reference, sha256: issued.sha256 });
    });

    it("numbers letters per year, region and voucher type", async () => {
      const second = await issue(await approvedWithoutLetter(db, dkInsight()));
      const meetGreet = await issue(await approvedWithoutLetter(db, { ...dkInsight(), type: "MG", amountCents: 45_000 }));
      const nextYear = await issue(await approvedWithoutLetter(db, dkInsight("2027-01-04")));
      const nlCtx = testContext(db, await actorByEmail(db, "manager.nl@demo.test"), clock.now);
      const brabant = await issue(await approvedWithoutLetter(db, { ...dkInsight(), manager: "manager.nl@demo.test", applicant: "brabant@demo.test" }), nlCtx);
      const third = await issue(await approvedWithoutLetter(db, dkInsight()));
      expect([second.reference, meetGreet.reference, nextYear.reference, brabant.reference, third.reference]).to.deep.equal([
        "IN2LS-2026-DK-IN-0002", "IN2LS-2026-DK-MG-0001", "IN2LS-2027-DK-IN-0001", "IN2LS-2026-NB-IN-0001", "IN2LS-2026-DK-IN-0003",
      ]);
    });

    it("gives letters approved at the same moment distinct consecutive numbers", async () => {
      const co = { ...dkInsight(), type: "CO" as const, amountCents: 700_000 };
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) ids.push(await submittedInOwnCall(db, co));
      expect(await withLettersRefused(db, () => Promise.all(ids.map((id) => approveOn(db, co, id))))).to.deep.equal([false, false, false, false]);
      const refs = (await Promise.all(ids.map((id) => issue(id)))).map((r) => r.reference).sort();
      expect(refs).to.deep.equal([1, 2, 3, 4].map((n) => `IN2LS-2026-DK-CO-000${n}`));
    });

    it("returns the existing letter unchanged when asked again, even after the data changed", async () => {
      const id = await approvedWithoutLetter(db, dkInsight());
      const first = await issue(id);
      const before = await stored(id);
      clock.advanceDays(3);
      await changeCompanyProfile(db, "sme@demo.test", { address: "Somewhere else 1\n8000 Aarhus C" }, clock.now().toISOString());
      try {
        const again = await issue(id);
        expect(again).to.deep.equal(first);
        const after = await stored(id);
        expect(after.pdf.equals(before.pdf)).to.equal(true);
        expect(after.issued_at).to.equal(before.issued_at);
        const [count] = await db("award_letters").where({ application_id: id }).count({ n: "*" });
        expect(Number(count?.n)).to.equal(1);
        expect(await db("audit_events").where({ action: "letter.issued", entity_id: String(id) })).to.have.length(1);
      } finally {
        await changeCompanyProfile(db, "sme@demo.test", { address: "Fruebjergvej 3\n2100 Copenhagen Ø" }, clock.now().toISOString());
        clock.set("2026-11-23T09:42:00.000Z");
      }
    });

    it("stores exactly what the application's data renders to (same data, same bytes)", async () => {
      const id = await approvedWithoutLetter(db, dkInsight());
      await issue(id);
      const row = await stored(id);
      const data = await awardLetterData(db, managerCtx, id, { reference: row.reference, issuedAt: row.issued_at });
      const again = await renderAwardLetter(data);
      expect(again.equals(row.pdf)).to.equal(true);
    });

    it("prints the company, reference, amount, de minimis total of the last three years and the regulation", async () => {
      // Older than three years before the approval: must not count (R9).
      await declareDeMinimis(db, "sme@demo.test", [{ grantingBody: "Old grant", grantedOn: "2023-11-22", amountCents: 9_900_000 }], "2026-01-01T00:00:00.000Z");
      const id = await approvedWithoutLetter(db, dkInsight());
      const issued = await issue(id);
      const text = pdfText((await stored(id)).pdf);
      expect(text).to.include(NORDIC);
      expect(text).to.include(issued.reference);
      expect(text).to.include("EUR 4,000.00");
      expect(text).to.include("Commission Regulation (EU) 2023/2831");
      expect(text).to.include("declared de minimis aid of EUR 45,000.00 received in the last three years");
      expect(text).to.include("Stuttgart and Neckar-Alb");
      expect(text).to.include("Lars Kjærgaard");
    });

    it("counts this programme's earlier vouchers to the company in the de minimis total, as the R9 check does", async () => {
      // A company of its own, so that other tests' vouchers to Nordic cannot change the sums.
      // Registered before its first voucher, in 2023.
      const { email } = await registerSme(db, { legalName: "Fjord Peptides ApS", at: "2023-01-01T00:00:00.000Z" });
      await declareDeMinimis(db, email, [
        { grantingBody: "Innovation Fund", grantedOn: "2025-06-01", amountCents: 2_000_000 },
        { grantingBody: "Old grant", grantedOn: "2023-11-22", amountCents: 5_000_000 },
      ], "2026-01-01T00:00:00.000Z");
      const fjord = (o: Partial<ApprovedOptions>): ApprovedOptions => ({ ...dkInsight(), applicant: email, ...o });
      /** Approved, accepted, claimed, verified and paid through the services. */
      const paidVoucher = async (o: ApprovedOptions) => {
        const t = timelineAround(approvalMoment(o));
        const callId = await insertCall(db, { opensAt: approvalMoment(o, -30), closesAt: approvalMoment(o, -1), title: "Autumn call" });
        const { claimId } = await insertVerifiedClaim(db, { email, callId, type: o.type, requestedCents: o.amountCents, timeline: t });
        await payClaim(db, claimId, new Date(Date.parse(t.verifiedAt) + 5 * 86_400_000).toISOString());
      };
      await paidVoucher(fjord({ type: "MG", approvedOn: "2025-03-03", amountCents: 43_000 }));
      await acceptVoucher(db, await approvedWithLetter(db, fjord({ approvedOn: "2026-10-01" })), approvalMoment({ approvedOn: "2026-10-02" }));
      // Not aid: a cancelled voucher, and a voucher awarded before the three years.
      const cancelled = fjord({ type: "MG", approvedOn: "2026-09-01", amountCents: 50_000 });
      const cancelledId = await approvedWithLetter(db, cancelled);
      await cancel(testContext(db, managerCtx.actor, () => new Date(approvalMoment(cancelled, 7))), cancelledId, "The company called off the trip.");
      await paidVoucher(fjord({ approvedOn: "2023-11-22" }));
      const id = await approvedWithoutLetter(db, fjord({ approvedOn: "2026-11-23", amountCents: 400_000 }));

      const data = await awardLetterData(db, managerCtx, id, { reference: "IN2LS-2026-DK-IN-0999", issuedAt: "2026-11-23T09:42:00.000Z" });
      expect(data.deMinimis).to.include({ declaredLastThreeYearsCents: 2_000_000, earlierProgrammeAwardsCents: 443_000 });
      await issue(id);
      const text = pdfText((await stored(id)).pdf);
      expect(text).to.include("declared de minimis aid of EUR 20,000.00 received in the last three years");
      expect(text).to.include("Earlier vouchers awarded to it under this programme in the same three years add EUR 4,430.00.");
      expect(text).to.include("With this voucher the total is EUR 28,430.00, within the ceiling of EUR 300,000.00.");
      const app = defined(await findApplication(db, id), "application");
      const r9 = (await findingsFor(db, managerCtx, app, { stage: "approve", amountCents: 400_000 })).find((f) => f.rule === "R9");
      expect(r9?.message).to.include("is EUR 28,430.00, within the ceiling");
    });

    it("refuses to issue a letter for an application that is not approved", async () => {
      const id = await submittedInOwnCall(db, dkInsight());
      await rejection(issue(id), ConflictError);
      expect(await db("award_letters").where({ application_id: id })).to.have.length(0);
    });

    describe("verifyLetter", () => {
      let id: number;
      let reference: string;
      let pdf: Buffer;

      before(async () => {
        id = await approvedWithoutLetter(db, dkInsight());
        reference = (await issue(id)).reference;
        pdf = (await stored(id)).pdf;
      });

      it("accepts the genuine bytes and reveals only the letter's key facts", async () => {
        const r = await verifyLetter(db, { reference, pdf });
        expect(r.genuine).to.equal(true);
        expect(r.letter).to.deep.equal({
          reference, companyName: NORDIC, voucherTypeName: "Insight", amountCents: 400_000,
          issuedAt: "2026-11-23T09:42:00.000Z", language: "en", status: "issued",
        });
      });

      it("accepts the SHA-256 as pasted (upper case, spaces) and a reference typed in lower case", async () => {
        const sha = sha256Hex(pdf).toUpperCase().replace(/(.{8})/g, "$1 ");
        const r = await verifyLetter(db, { reference: ` ${reference.toLowerCase()} `, sha256: sha });
        expect(r.genuine).to.equal(true);
      });

      it("refuses a file with one byte changed and reveals nothing about the letter", async () => {
        const tampered = Buffer.from(pdf);
        const at = Math.floor(tampered.length / 2);
        tampered[at] = defined(tampered[at]) ^ 0x01;
        const r = await verifyLetter(db, { reference, pdf: tampered });
        expect(r.genuine).to.equal(false);
        expect(r.letter).to.equal(undefined);
        expect(englishText(r.reason)).to.match(/not the award letter/);
      });

      it("refuses the genuine file under another letter's reference", async () => {
        const other = (await issue(await approvedWithoutLetter(db, dkInsight()))).reference;
        const r = await verifyLetter(db, { reference: other, pdf });
        expect(r.genuine).to.equal(false);
      });

      it("refuses an unknown reference", async () => {
        const r = await verifyLetter(db, { reference: "IN2LS-2026-DK-IN-9999", pdf });
        expect(r.genuine).to.equal(false);
        expect(r.letter).to.equal(undefined);
        expect(englishText(r.reason)).to.match(/No award letter/);
      });

      it("rejects malformed input as a validation error", async () => {
        for (const input of [
          { reference: "not a reference", pdf },
          { reference },
          { reference, sha256: "abc" },
          { reference, pdf: Buffer.alloc(0) },
        ]) {
          await rejection(verifyLetter(db, input), ValidationError);
        }
      });

      it("still confirms the letter of a cancelled voucher, saying it was cancelled", async () => {
        const cid = await approvedWithoutLetter(db, dkInsight());
        const ref = (await issue(cid)).reference;
        const bytes = (await stored(cid)).pdf;
        await cancel(managerCtx, cid, "The company called off the activity.");
        const r = await verifyLetter(db, { reference: ref, pdf: bytes });
        expect(r.genuine).to.equal(true);
        expect(r.letter?.status).to.equal("cancelled");
        expect(englishText(r.reason)).to.match(/cancelled/);
        const sme = testContext(db, await actorByEmail(db, "sme@demo.test"), clock.now);
        const got = await getAwardLetter(sme, cid);
        expect(got.cancelled).to.equal(true);
        expect(got.pdf.equals(bytes)).to.equal(true);
      });
    });

    describe("getAwardLetter", () => {
      it("returns the stored bytes to the company's applicant and is 'not found' for another company's", async () => {
        const id = await approvedWithoutLetter(db, dkInsight());
        const issued = await issue(id);
        const sme = testContext(db, await actorByEmail(db, "sme@demo.test"), clock.now);
        const got = await getAwardLetter(sme, id);
        expect(got.reference).to.equal(issued.reference);
        expect(Buffer.isBuffer(got.pdf)).to.equal(true);
        expect(sha256Hex(got.pdf)).to.equal(issued.sha256);
        expect(got.cancelled).to.equal(false);
        const other = testContext(db, await actorByEmail(db, "oresund@demo.test"), clock.now);
        await rejection(getAwardLetter(other, id), NotFoundError);
      });

      it("writes a letter still pending when it is asked for, from its recorded facts, as the product's own work", async () => {
        const id = await approvedWithoutLetter(db, dkInsight());
        const pending = defined(await db("pending_award_letters").where({ application_id: id }).first(), "pending letter");
        const expected = await renderAwardLetter(JSON.parse(pending.data_json) as AwardLetterData);
        const sme = testContext(db, await actorByEmail(db, "sme@demo.test"), clock.now);
        const got = await getAwardLetter(sme, id);
        expect(got.reference).to.equal(pending.reference);
        expect(got.pdf.equals(expected)).to.equal(true);
        expect(await db("pending_award_letters").where({ application_id: id })).to.have.length(0);
        const issued = await db("audit_events").where({ action: "letter.issued", entity_id: String(id) }).select("actor_user_id");
        expect(issued.map((e) => e.actor_user_id)).to.deep.equal([null]);
        expect((await getAwardLetter(managerCtx, id)).pdf.equals(expected)).to.equal(true);
      });

      it("is 'not found' for an application that has no letter", async () => {
        const id = await submittedInOwnCall(db, dkInsight());
        await rejection(getAwardLetter(managerCtx, id), NotFoundError);
      });
    });
  });
}
