import { expect } from "chai";
import fc from "fast-check";
import { groupKey, isTotpCode, normaliseCode, pendingSignInAlive, secondFactorRequired, stepUpFresh } from "../../../server/domain/two-factor";
import { openKey, sealKey } from "../../../server/services/people/two-factor-keys";
import { testConfig } from "../../support/db";

describe("two-factor rules", () => {
  it("managers, finance officers and administrators need a second factor; applicants choose", () => {
    expect((["applicant", "manager", "finance", "admin"] as const).map(secondFactorRequired)).to.deep.equal([false, true, true, true]);
  });

  it("a step-up is fresh up to the configured minutes, not after, never from further ahead than a clock's skew, never without a factor", () => {
    const now = new Date("2027-03-01T10:00:00Z");
    expect(stepUpFresh("2027-03-01T09:55:00.000Z", now, 5)).to.equal(true);
    expect(stepUpFresh("2027-03-01T09:54:59.999Z", now, 5)).to.equal(false);
    expect(stepUpFresh("2027-03-01T09:50:00.000Z", now, 10)).to.equal(true);
    expect(stepUpFresh("2027-03-01T10:00:30.000Z", now, 5)).to.equal(true);
    expect(stepUpFresh("2027-03-01T10:01:01.000Z", now, 5)).to.equal(false);
    expect(stepUpFresh(undefined, now, 5)).to.equal(false);
    expect(stepUpFresh("not a date", now, 5)).to.equal(false);
    expect(pendingSignInAlive("2027-03-01T09:50:00.000Z", now)).to.equal(true);
    expect(pendingSignInAlive("2027-03-01T09:49:59.000Z", now)).to.equal(false);
  });

  it("codes are read without spaces and hyphens; six digits are an app code, anything else a recovery code", () => {
    expect(normaliseCode(" 123 456 ")).to.equal("123456");
    expect(normaliseCode("abcd-efgh jkmn-pqrs")).to.equal("ABCDEFGHJKMNPQRS");
    expect(isTotpCode("123456")).to.equal(true);
    expect(["12345", "1234567", "12345a", "ABCDEFGH"].map(isTotpCode)).to.deep.equal([false, false, false, false]);
  });

  it("a key is shown in groups of four that read back to the key", () => {
    expect(groupKey("JBSWY3DPEHPK3PXPJBSW")).to.equal("JBSW Y3DP EHPK 3PXP JBSW");
    fc.assert(fc.property(fc.stringMatching(/^[A-Z2-7]{1,64}$/), (k) => {
      expect(groupKey(k).replace(/ /g, "")).to.equal(k);
    }));
  });

  it("a TOTP key is sealed so that only the same secret opens it, and an altered value is refused", () => {
    const ctx = { config: testConfig() };
    const sealed = sealKey(ctx, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    expect(sealed).to.match(/^v1\./).and.not.include("JBSWY3DP");
    expect(sealKey(ctx, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")).not.to.equal(sealed);
    expect(openKey(ctx, sealed)).to.equal("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    expect(openKey({ config: testConfig({ secretKey: "a-dedicated-key-a-dedicated-key-0123" }) }, sealed)).to.equal(null);
    const body = Buffer.from(sealed.slice(3), "base64url");
    body[body.length - 1] = (body[body.length - 1] ?? 0) ^ 1;
    expect(openKey(ctx, `v1.${body.toString("base64url")}`)).to.equal(null);
    expect(openKey(ctx, "plain")).to.equal(null);
  });
});
