import { expect } from "chai";
import { APP_STATES } from "../../../server/domain/lifecycle";
import type { Finding } from "../../../server/domain/eligibility";
import { applicationNumber, codeLabel, FAMILY_LABELS, findingGroups, lifecycleSteps, stateFamily, statusFamily, submissionValue } from "../../../server/web/view-labels";

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

  it("gives the application number an approved voucher had before its reference", () => {
    expect(applicationNumber(9)).to.equal("APP-00009");
  });
});
