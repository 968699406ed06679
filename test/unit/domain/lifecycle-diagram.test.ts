import { expect } from "chai";
import { committedStateMachine } from "../../../server/cli/state-diagram";
import { stateMachineMermaid } from "../../../server/domain/lifecycle-diagram";
import { TRANSITIONS } from "../../../server/domain/lifecycle";

describe("state machine diagram in the docs", () => {
  it("is the one drawn from TRANSITIONS (run `npm run docs:state-machine` after changing the table)", () => {
    expect(committedStateMachine()).to.equal(stateMachineMermaid());
  });

  it("draws every transition as one labelled arrow", () => {
    const arrows = stateMachineMermaid().split("\n").filter((l) => l.includes("-->") && l.includes(":"));
    expect(arrows).to.have.length(TRANSITIONS.length);
    expect(arrows).to.include("    claim_verified --> paid: pay (finance)");
  });
});
