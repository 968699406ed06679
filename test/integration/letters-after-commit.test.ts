import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { renderAwardLetter, sha256Hex } from "../../server/letters/award-letter";
import type { AwardLetterData } from "../../server/letters/award-letter";
import { decideAwardLetter, storeAwardLetter, storePendingLetters, toBuffer } from "../../server/services/letters/letters";
import { inTransaction, onAfterCommit, type ServiceContext } from "../../server/services/platform/context";
import { approve } from "../../server/services/review/decisions";
import { TestClock, testContext, testDatabases } from "../support/db";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { changeCompanyProfile, insertSubmitted, seedCall, withLettersRefused } from "../support/journey";

for (const engine of testDatabases()) {
  describe(`award letters: written after the approval commits, stored exactly, recovered after a crash [${engine.name}]`, function () {
    this.timeout(120_000);
    let db: Db;
    let ctx: ServiceContext;
    let callId: number;
    const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));

    before(async () => {
      db = await engine.create();
      await seedDemoData(db, clock.now);
      ctx = testContext(db, await actorByEmail(db, "manager@demo.test"), clock.now);
      callId = await seedCall(db, clock.now, { totalCents: 10_000_000 });
    });
    after(() => db.destroy());

    /** The manager approves while the database refuses letters: the letter is decided and left pending, as a crash after the commit leaves it. */
    const approvedWithLetterPending = (id: number, as = ctx) => withLettersRefused(db, async () => {
      const approved = await approve(as, id, {});
      return { ...approved, letter: await approved.letterWritten };
    });

    const letterRows = async (id: number) => ({
      stored: await db("award_letters").where({ application_id: id }).first(),
      pending: await db("pending_award_letters").where({ application_id: id }).first(),
    });

    it("commits the decision with the letter's facts first, answers, and stores the PDF in a later transaction", async () => {
      const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "IN" });
      // Runs right after the approval's transaction commits (it queued the applicant's e-mail); one
      // query, so it sees the database as the commit left it.
      let atCommit: Promise<{ reference: string; data_json: string; stored_id: number | null } | undefined> | undefined;
      const unhook = onAfterCommit(db, () => {
        atCommit ??= db("pending_award_letters as p").leftJoin("award_letters as l", "l.application_id", "p.application_id")
          .where("p.application_id", id).first<{ reference: string; data_json: string; stored_id: number | null } | undefined>("p.reference", "p.data_json", "l.id as stored_id")
          .then((row) => row); // a knex query runs only once something asks for its result
      });
      try {
        const result = await approve(ctx, id, {});
        const first = await Promise.race([result.letterWritten.then(() => "letter stored"), new Promise((resolve) => setImmediate(() => resolve("answered")))]);
        expect(first, "the approval answers without waiting for its letter's PDF").to.equal("answered");
        await result.letterWritten;
        expect(atCommit, "the approval's transaction committed").not.to.equal(undefined);
        const seen = await atCommit!;
        expect(seen?.reference, "the letter's facts committed with the decision").to.equal(result.letterReference);
        expect(seen?.stored_id, "no PDF stored inside the approval's transaction").to.equal(null);

        const after = await letterRows(id);
        expect(after.pending).to.equal(undefined);
        const pdf = toBuffer(after.stored!.pdf);
        expect(after.stored!.reference).to.equal(result.letterReference);
        expect(sha256Hex(pdf)).to.equal(after.stored!.sha256);
        // Exactly the facts recorded at commit, rendered.
        const facts = JSON.parse(seen!.data_json) as AwardLetterData;
        expect((await renderAwardLetter(facts)).equals(pdf)).to.equal(true);
        const events = await db("audit_events").where({ action: "letter.issued", entity_id: String(id) });
        expect(events).to.have.length(1);
      } finally {
        unhook();
      }
    });

    it("stores a letter left pending by a crash from its recorded facts, byte for byte, once", async () => {
      const id = await insertSubmitted(db, { email: "oresund@demo.test", callId, type: "MG", requestedCents: 50_000 });
      // The approval commits, then the process "dies" before storing the PDF.
      expect((await approvedWithLetterPending(id)).letter).to.equal(null);
      const pending = (await letterRows(id)).pending!;
      expect(pending).not.to.equal(undefined);
      const expected = await renderAwardLetter(JSON.parse(pending.data_json) as AwardLetterData);

      // The data changes meanwhile: the letter still says what was decided.
      clock.advanceDays(2);
      await changeCompanyProfile(db, "oresund@demo.test", { vatNumber: "DK 99 99 99 99" }, clock.now().toISOString());
      try {
        expect(await storePendingLetters(ctx)).to.equal(1);
        const { stored, pending: left } = await letterRows(id);
        expect(left).to.equal(undefined);
        expect(toBuffer(stored!.pdf).equals(expected)).to.equal(true);
        expect(stored!.sha256).to.equal(sha256Hex(expected));
        expect(stored!.reference).to.equal(pending.reference);
        expect(stored!.issued_at).to.equal(pending.issued_at);

        expect(await storePendingLetters(ctx)).to.equal(0);
        const decidedAgain = await inTransaction(ctx, (trx) => decideAwardLetter(trx, ctx, id));
        expect(await storeAwardLetter(ctx, decidedAgain)).to.deep.equal({ reference: pending.reference, sha256: sha256Hex(expected) });
        expect(await db("award_letters").where({ application_id: id })).to.have.length(1);
        expect(await db("audit_events").where({ action: "letter.issued", entity_id: String(id) })).to.have.length(1);
      } finally {
        clock.set("2027-03-01T10:00:00Z");
      }
    });

    it("numbers a new letter after one that is still pending", async () => {
      const pendingRefs: string[] = await db("pending_award_letters").pluck("reference");
      const a = await insertSubmitted(db, { email: "amager@demo.test", callId, type: "MG", requestedCents: 50_000 });
      await approvedWithLetterPending(a);
      const b = await insertSubmitted(db, { email: "hillerod@demo.test", callId, type: "MG", requestedCents: 50_000 });
      const approved = await approve(ctx, b, {});
      await approved.letterWritten;
      const aRef = (await db("pending_award_letters").where({ application_id: a }).first("reference"))!.reference;
      expect(pendingRefs).to.deep.equal([]);
      expect(approved.letterReference).not.to.equal(aRef);
      expect(Number(approved.letterReference.slice(-4))).to.equal(Number(aRef.slice(-4)) + 1);
      expect(await storePendingLetters(ctx)).to.equal(1);
    });

    it("reports an approval as made when its PDF cannot be written after the commit, and the sweep stores the letter later", async () => {
      // A second voucher for a company whose first claim is open (R10 allows it when configured so).
      await db("schemes").update({ block_while_claim_open: false });
      const id = await insertSubmitted(db, { email: "sme@demo.test", callId, type: "CO" });
      const reported: unknown[] = [];
      const result = await approvedWithLetterPending(id, { ...ctx, reportError: (err) => reported.push(err) });
      expect(result.letter).to.equal(null);
      expect(reported).to.have.length(1);
      expect((await db("applications").where({ id }).first("state"))?.state).to.equal("approved");
      const rows = await letterRows(id);
      expect(rows.stored).to.equal(undefined);
      expect(rows.pending?.reference).to.equal(result.letterReference);

      expect(await storePendingLetters(ctx)).to.equal(1);
      const stored = (await letterRows(id)).stored;
      expect(stored?.reference).to.equal(result.letterReference);
      expect(sha256Hex(toBuffer(stored!.pdf))).to.equal(stored!.sha256);
    });
  });
}
