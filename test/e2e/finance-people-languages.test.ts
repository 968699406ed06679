import { expect } from "chai";
import type { Express } from "express";
import type { Db } from "../../server/db/connection";
import { type Agent, csrfFrom, signIn } from "../support/app";
import { testDatabases } from "../support/db";
import { insertVerifiedClaim, seedCall, startFinanceWorld } from "../support/journey";

/*
 * Refusals of the finance and people areas reach the reader in the page's language: the service
 * refuses with a catalogue message and raw parameters, the page writes it out (dates included).
 */

const NOW = "2027-06-15T10:00:00.000Z";

for (const engine of testDatabases()) describe(`finance and people refusals in the reader's language (e2e, ${engine.name})`, function () {
  this.timeout(60000);
  let db: Db;
  let app: Express;
  let finance: Agent;

  before(async () => {
    ({ db, app, finance } = await startFinanceWorld(engine, NOW));
  });
  after(() => db.destroy());

  it("a batch executed once is refused a second time, in Dutch and in French, with the day it was executed", async () => {
    const callId = await seedCall(db, () => new Date("2027-01-15T10:00:00.000Z"), { totalCents: 100_000_000 });
    const claim = await insertVerifiedClaim(db, { email: "oresund@demo.test", callId, type: "MG", requestedCents: 50_000, payableCents: 40_000 });
    const token = csrfFrom((await finance.get("/finance")).text);
    const created = await finance.post("/finance/sepa").type("form").send({ _csrf: token, claimIds: String(claim.claimId), executionDate: "2027-06-15" });
    expect(created.status).to.equal(303);
    const batchUrl = created.headers.location as string;
    const executed = await finance.post(`${batchUrl}/executed`).type("form").send({ _csrf: token });
    expect(executed.status).to.equal(303);
    const batch = await db("sepa_batches").where({ id: Number(batchUrl.split("/").pop()) }).first("message_id");
    expect(batch).to.not.equal(undefined);
    const messageId = batch!.message_id;

    const nl = await finance.post(`${batchUrl}/executed?lang=nl`).type("form").send({ _csrf: token });
    expect(nl.status).to.equal(409);
    expect(nl.text).to.contain(`Batch ${messageId} is al op 15 juni 2027 om 12:00 als uitgevoerd gemarkeerd. Er is niets gewijzigd.`);
    expect(nl.text).to.not.contain("was already marked executed");

    const fr = await finance.post(`${batchUrl}/executed?lang=fr`).type("form").send({ _csrf: token });
    expect(fr.status).to.equal(409);
    expect(fr.text).to.contain(`Le lot ${messageId} a déjà été marqué comme exécuté le 15 juin 2027 à 12 h 00. Rien n&#x27;a été modifié.`);

    const en = await finance.post(`${batchUrl}/executed`).type("form").send({ _csrf: token });
    expect(en.text).to.contain(`Batch ${messageId} was already marked executed on 15 June 2027 at 12:00. Nothing was changed.`);
  });

  it("a wrong current password and a short new one are refused beside their fields, in Danish and in German", async () => {
    const applicant = await signIn(app, "oresund@demo.test");
    const token = csrfFrom((await applicant.get("/account/password")).text);
    const form = { _csrf: token, currentPassword: "not the password", newPassword: "short" };

    const da = await applicant.post("/account/password?lang=da").type("form").send(form);
    expect(da.status).to.equal(422);
    expect(da.text).to.contain("Adgangskoden blev ikke ændret.")
      .and.to.contain("Det er ikke din nuværende adgangskode.")
      .and.to.contain("Den nye adgangskode skal være på mindst 12 tegn.");
    expect(da.text).to.not.contain("This is not your current password.");

    const de = await applicant.post("/account/password?lang=de").type("form").send(form);
    expect(de.status).to.equal(422);
    expect(de.text).to.contain("Das Passwort wurde nicht geändert.")
      .and.to.contain("Das ist nicht Ihr aktuelles Passwort.")
      .and.to.contain("Das neue Passwort muss mindestens 12 Zeichen lang sein.");
  });
});
