import { expect } from "chai";
import { englishText } from "../../../server/errors";
import fc from "fast-check";
import { leavesNoAdministrator } from "../../../server/domain/accounts";
import { growingDelaySeconds, passwordResetAllowed, PASSWORD_RESET_LIMITS, SIGN_IN_THROTTLE, signInWaitSeconds, waitText } from "../../../server/domain/throttle";

describe("sign-in and reset throttling rules", () => {
  it("the wait never shrinks with more failures and never passes the cap", () => {
    fc.assert(fc.property(fc.nat(200), (n) => {
      const now = growingDelaySeconds(n, SIGN_IN_THROTTLE.pairFreeFailures);
      expect(growingDelaySeconds(n + 1, SIGN_IN_THROTTLE.pairFreeFailures)).to.be.at.least(now);
      expect(now).to.be.at.most(SIGN_IN_THROTTLE.maxDelaySeconds);
    }));
    expect([2, 3, 4, 5].map((n) => growingDelaySeconds(n, 3))).to.deep.equal([0, 5, 10, 20]);
  });

  it("counts the wait from the last failure", () => {
    const at = (s: number) => new Date(Date.UTC(2027, 0, 1, 12, 0, s));
    const history = { pairFailures: [at(0), at(1), at(2)], addressFailures: [at(0), at(1), at(2)] };
    expect(signInWaitSeconds(history, at(3))).to.equal(4);
    expect(signInWaitSeconds(history, at(7))).to.equal(0);
    expect(englishText(waitText(1))).to.equal("1 second");
    expect(englishText(waitText(600))).to.equal("10 minutes");
  });

  it("password resets stop at the limit per e-mail and per address", () => {
    expect(passwordResetAllowed({ forEmail: PASSWORD_RESET_LIMITS.perEmail - 1, fromAddress: 0 })).to.deep.equal({ ok: true });
    expect(passwordResetAllowed({ forEmail: PASSWORD_RESET_LIMITS.perEmail, fromAddress: 0 })).to.deep.equal({ ok: false, reason: "email" });
    expect(passwordResetAllowed({ forEmail: 0, fromAddress: PASSWORD_RESET_LIMITS.perAddress })).to.deep.equal({ ok: false, reason: "address" });
  });

  it("refuses only the change that would leave no active administrator", () => {
    expect(leavesNoAdministrator([7], 7, { role: "finance", active: true })).to.equal(true);
    expect(leavesNoAdministrator([7], 7, { role: "admin", active: false })).to.equal(true);
    expect(leavesNoAdministrator([7, 8], 7, { role: "finance", active: true })).to.equal(false);
    expect(leavesNoAdministrator([7], 9, { role: "finance", active: false })).to.equal(false);
    expect(leavesNoAdministrator([7], 7, { role: "admin", active: true })).to.equal(false);
  });
});
