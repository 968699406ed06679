import { expect } from "chai";
import { ConflictError, ForbiddenError } from "../../../server/errors";
import {
  ACTIONS,
  APP_STATES,
  type AppState,
  IllegalTransitionError,
  ROLES,
  STATE_LABELS,
  TRANSITIONS,
  allowedActions,
  assertStateChange,
  assertTransition,
  hasOpenClaim,
  holdsCommitment,
  isLive,
} from "../../../server/domain/lifecycle";
import { thrown } from "../../support/rejects";

describe("lifecycle", () => {
  it("has exactly the agreed transitions", () => {
    const t = TRANSITIONS.map((x) => `${x.from} -${x.action}-> ${x.to} [${x.roles.join(",")}]`);
    expect(t).to.have.members([
      "draft -submit-> submitted [applicant]",
      "submitted -approve-> approved [manager,admin]",
      "submitted -reject-> rejected [manager,admin]",
      "submitted -reserve-> reserve-listed [manager,admin]",
      "reserve-listed -approve-> approved [manager,admin]",
      "reserve-listed -reject-> rejected [manager,admin]",
      "submitted -request-info-> more-info-requested [manager,admin]",
      "more-info-requested -resubmit-> submitted [applicant]",
      "draft -withdraw-> withdrawn [applicant]",
      "submitted -withdraw-> withdrawn [applicant]",
      "more-info-requested -withdraw-> withdrawn [applicant]",
      "reserve-listed -withdraw-> withdrawn [applicant]",
      "approved -accept-> accepted [applicant]",
      "accepted -claim-> claim-submitted [applicant]",
      "claim-submitted -verify-claim-> claim-verified [manager,admin]",
      "claim-submitted -reject-claim-> claim-rejected [manager,admin]",
      "claim-rejected -claim-> claim-submitted [applicant]",
      "claim-verified -pay-> paid [finance]",
      "paid -return-payment-> claim-verified [finance]",
      "paid -close-> closed [finance,admin,system]",
      "approved -cancel-> cancelled [manager,admin]",
      "accepted -cancel-> cancelled [manager,admin]",
      "claim-verified -cancel-> cancelled [manager,admin]",
      "approved -expire-> expired [system]",
      "accepted -expire-> expired [system]",
      "claim-rejected -expire-> expired [system]",
    ]);
    expect(TRANSITIONS).to.have.length(26);
  });

  it("every listed transition works for each listed role and is forbidden for the others", () => {
    for (const t of TRANSITIONS) {
      for (const role of ROLES) {
        if (t.roles.includes(role)) expect(assertTransition(t.from, t.action, role)).to.equal(t.to);
        else expect(() => assertTransition(t.from, t.action, role)).to.throw(ForbiddenError);
      }
    }
  });

  it("every (state, action) pair not in TRANSITIONS throws IllegalTransitionError for every role", () => {
    let checked = 0;
    for (const from of APP_STATES) {
      for (const action of [...ACTIONS, "delete", ""]) {
        if (TRANSITIONS.some((t) => t.from === from && t.action === action)) continue;
        for (const role of ROLES) {
          expect(() => assertTransition(from, action, role), `${from} ${action} ${role}`).to.throw(IllegalTransitionError);
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(500);
  });

  it("an action done twice says the application is already in its state, not that it cannot become it", () => {
    expect(() => assertTransition("accepted", "accept", "applicant")).to.throw(IllegalTransitionError, "This application is already award accepted: nothing was changed.");
    expect(() => assertTransition("submitted", "accept", "applicant")).to.throw(IllegalTransitionError, "This application is submitted, so it cannot become award accepted.");
  });

  it("every (from, to) pair not in TRANSITIONS throws IllegalTransitionError", () => {
    for (const from of APP_STATES) {
      for (const to of APP_STATES) {
        const listed = TRANSITIONS.find((t) => t.from === from && t.to === to);
        for (const role of ROLES) {
          if (!listed) expect(() => assertStateChange(from, to, role), `${from}->${to}`).to.throw(IllegalTransitionError);
          else if (listed.roles.includes(role)) expect(assertStateChange(from, to, role)).to.equal(listed.action);
          else expect(() => assertStateChange(from, to, role)).to.throw(ForbiddenError);
        }
      }
    }
  });

  it("IllegalTransitionError is a 409 conflict naming both states in plain words", () => {
    const err = thrown(() => assertTransition("paid", "approve", "manager"), IllegalTransitionError);
    expect(err).to.be.instanceOf(ConflictError);
    expect(err.status).to.equal(409);
    expect(err.code).to.equal("illegal_transition");
    expect(err.message).to.equal("This application is paid, so it cannot become approved.");
    expect(() => assertTransition("claim-submitted", "claim", "applicant")).to.throw("This application is already claim submitted: nothing was changed.");
  });

  it("allowedActions lists what a role can do in a state", () => {
    expect(allowedActions("submitted", "manager")).to.have.members(["approve", "reject", "reserve", "request-info"]);
    expect(allowedActions("submitted", "applicant")).to.deep.equal(["withdraw"]);
    expect(allowedActions("claim-verified", "manager")).to.deep.equal(["cancel"]);
    expect(allowedActions("claim-verified", "finance")).to.deep.equal(["pay"]);
    expect(allowedActions("closed", "admin")).to.deep.equal([]);
  });

  it("labels every state", () => {
    for (const s of APP_STATES) expect(STATE_LABELS[s]).to.be.a("string").and.not.equal("");
    expect(STATE_LABELS["claim-submitted"]).to.equal("Claim submitted");
  });

  it("classifies states for R10 and R4", () => {
    const live = APP_STATES.filter(isLive);
    expect(APP_STATES.filter((s) => !isLive(s))).to.have.members(["withdrawn", "rejected", "cancelled", "expired"]);
    expect(live).to.include.members(["draft", "submitted", "paid", "closed"]);
    const committed: AppState[] = ["approved", "accepted", "claim-submitted", "claim-rejected", "claim-verified"];
    expect(APP_STATES.filter(holdsCommitment)).to.have.members(committed);
    expect(APP_STATES.filter(hasOpenClaim)).to.have.members(["approved", "accepted", "claim-submitted", "claim-rejected", "claim-verified"]);
  });

  it("every state is reachable from draft", () => {
    const seen = new Set<AppState>(["draft"]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const t of TRANSITIONS) {
        if (seen.has(t.from) && !seen.has(t.to)) {
          seen.add(t.to);
          grew = true;
        }
      }
    }
    expect([...seen]).to.have.members([...APP_STATES]);
  });
});
