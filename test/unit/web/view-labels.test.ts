import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ACTIONS, APP_STATES } from "../../../server/domain/lifecycle";
import { REMINDER_DAYS } from "../../../server/domain/claims";
import { LEDGER_CHECK_ACTION } from "../../../server/services/calls/ledger-check";
import type { Finding } from "../../../server/domain/eligibility";
import { LOCALES_DIR } from "../../../server/i18n";
import { LANGUAGES } from "../../../server/languages";
import { applicationNumber, applySteps, auditActionLabel, codeLabel, FAMILY_LABELS, findingGroups, lifecycleSteps, stateFamily, statusFamily, submissionValue } from "../../../server/web/view-labels";

describe("view labels: words and families for stored codes", () => {
  it("puts every application state in one of the four families, approved and rejected in different ones", () => {
    for (const s of APP_STATES) expect(Object.keys(FAMILY_LABELS), s).to.include(stateFamily(s));
    expect(stateFamily("approved")).to.equal("positive");
    expect(stateFamily("rejected")).to.equal("negative");
    expect(stateFamily("submitted")).to.equal("progress");
    expect(stateFamily("paid")).to.equal("money");
    expect(new Set(APP_STATES.map(stateFamily))).to.have.property("size", 4);
  });

  it("names voucher types, counterpart kinds and finance statuses instead of showing their codes", () => {
    expect(codeLabel("voucherType", "IN")).to.equal("Insight");
    expect(codeLabel("counterpartKind", "expert")).to.equal("Expert");
    expect(codeLabel("batchStatus", "prepared")).to.equal("Prepared, not yet sent");
    expect(codeLabel("entryKind", "commit")).to.equal("Commitment");
    expect(codeLabel("claimStatus", "verified")).to.equal("Verified, payable");
    expect(codeLabel("entryKind", "")).to.equal("");
    expect(codeLabel("entryKind", "unknown-kind")).to.equal("unknown-kind");
    expect(statusFamily("batchStatus", "executed")).to.equal("money");
    expect(statusFamily("batchStatus", "cancelled")).to.equal("negative");
  });

  it("writes the submitted version's codes and dates in words", () => {
    const day = (iso: string) => `day ${iso}`;
    expect(submissionValue("voucherTypeCode", "IN", day)).to.equal("Insight");
    expect(submissionValue("counterpartKind", "knowledge-institution", day)).to.equal("Knowledge institution");
    expect(submissionValue("activityStart", "2027-04-10", day)).to.equal("day 2027-04-10");
    expect(submissionValue("title", "IN vitro", day)).to.equal("IN vitro");
  });

  it("groups findings as met, not met, to check, leaving out empty groups", () => {
    const f = (rule: string, status: Finding["status"]): Finding => ({ rule: rule as Finding["rule"], status, certain: status === "fail", message: rule });
    const groups = findingGroups([f("R6", "review"), f("R7", "pass"), f("R8", "fail"), f("R9", "pass")]);
    expect(groups.map((g) => [g.title, g.items.map((i) => i.rule)])).to.deep.equal([["Met", ["R7", "R9"]], ["Not met", ["R8"]], ["To check", ["R6"]]]);
    expect(findingGroups([f("R7", "pass")]).map((g) => g.key)).to.deep.equal(["pass"]);
    expect(findingGroups(undefined)).to.deep.equal([]);
  });

  it("shows where an application is on its way, stopping at a negative decision", () => {
    const at = (s: string) => lifecycleSteps(s).map((x) => `${x.label}:${x.status}`);
    expect(at("submitted")).to.deep.equal(["Draft:done", "Submitted:current", "Approved:todo", "Award accepted:todo", "Claim:todo", "Paid:todo"]);
    expect(at("rejected").slice(0, 3)).to.deep.equal(["Draft:done", "Submitted:done", "Rejected:stopped"]);
    expect(at("paid").every((s) => s.endsWith(":done"))).to.equal(true);
  });

  it("names the steps in the reader's language, the current one by its state", () => {
    const de = (s: string) => lifecycleSteps(s, "de").map((x) => `${x.label}:${x.status}`);
    expect(de("submitted")).to.deep.equal(["Entwurf:done", "Eingereicht:current", "Bewilligt:todo", "Bewilligung angenommen:todo", "Auszahlungsantrag:todo", "Ausgezahlt:todo"]);
    expect(de("rejected")[2]).to.equal("Abgelehnt:stopped");
    expect(applySteps(2, "fr").map((x) => `${x.label}:${x.status}`)).to.deep.equal(["Remplir la demande:done", "Vérifier vos réponses:current", "Déclarer et déposer:todo"]);
    expect(applySteps(1).map((x) => x.label)).to.deep.equal(["Fill in the application", "Check your answers", "Declare and submit"]);
  });

  it("gives the application number an approved voucher had before its reference", () => {
    expect(applicationNumber(9)).to.equal("APP-00009");
  });
});

/** Every TypeScript file under a folder, recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []);
}

/**
 * The audit actions the server writes: every dotted string literal on a line that sets `action:`
 * (plain or in a ternary), plus the ones built at run time, which are listed from their sources.
 */
function auditActionsWritten(): string[] {
  const found = new Set<string>();
  for (const file of sourceFiles(join(__dirname, "../../../server"))) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!/\baction: /.test(line)) continue;
      for (const m of line.matchAll(/"([a-z-]+\.[a-z_.-]+)"/g)) if (m[1] !== undefined) found.add(m[1]);
    }
  }
  // services/applications/records.ts writes each lifecycle action as `application.<action>`.
  for (const a of ACTIONS) found.add(`application.${a}`);
  // services/applications/reminders.ts: one action per reminder stage and deadline.
  for (const d of REMINDER_DAYS) found.add(`application.reminder-${d}`).add(`application.claim-reminder-${d}`);
  // services/finance/budget.ts: `budget.<entry kind>`, or budget.reverse for a correction.
  for (const k of ["commit", "release", "payment", "reverse"]) found.add(`budget.${k}`);
  // services/calls/calls.ts: call.opened / call.closed from the new status.
  found.add("call.opened").add("call.closed").add(LEDGER_CHECK_ACTION);
  return [...found].sort();
}

describe("view labels: audit actions", () => {
  it("has a label for every audit action the server writes", () => {
    const written = auditActionsWritten();
    // The scan must really find the services' actions, or this test would pass on nothing.
    expect(written).to.include.members(["letter.issued", "sepa.batch_cancelled", "exchange-rate.corrected", "login.failed", "user.deactivated"]);
    for (const language of LANGUAGES) {
      // Read from the catalogue file itself: i18next would fall back to English and hide a gap.
      const labels = (JSON.parse(readFileSync(join(LOCALES_DIR, language, "codes.json"), "utf8")) as { audit: Record<string, Record<string, string>> }).audit;
      const missing = written.filter((a) => {
        const [group, ...rest] = a.split(".");
        return typeof labels[group ?? ""]?.[rest.join(".")] !== "string";
      });
      expect(missing, `audit actions without a label in ${language}`).to.deep.equal([]);
    }
  });

  it("shows an action in words, and an unknown code as it is", () => {
    expect(auditActionLabel("letter.issued")).to.equal("Award letter issued");
    expect(auditActionLabel("sepa.batch_cancelled")).to.equal("SEPA payment batch cancelled");
    expect(auditActionLabel("something.new")).to.equal("something.new");
    expect(auditActionLabel("application")).to.equal("application");
    expect(auditActionLabel("letter.issued", "fr")).to.equal("Lettre d'attribution émise");
    expect(auditActionLabel("sepa.batch_cancelled", "de")).to.equal("SEPA-Sammelauftrag storniert");
  });
});
