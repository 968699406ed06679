import { expect } from "chai";
import { maskIban, scrubText, scrubUrl, serializeError } from "../../../server/logging";

describe("log scrubbing", () => {
  it("keeps only the driver's message of a knex error, never the statement, its values or PostgreSQL's detail", () => {
    const err = Object.assign(new Error('insert into "companies" ("iban") values ($1) - duplicate key value violates unique constraint "companies_iban_unique"'), {
      code: "23505", severity: "ERROR", routine: "_bt_check_unique", constraint: "companies_iban_unique", table: "companies",
      detail: "Key (iban)=(DE02120300000000202051) already exists.",
    });
    const out = serializeError(err);
    expect(out.message).to.equal('duplicate key value violates unique constraint "companies_iban_unique"');
    expect(out.code).to.equal("23505");
    expect(out.constraint).to.equal("companies_iban_unique");
    expect(JSON.stringify(out)).to.not.include("DE02120300").and.not.include("insert into").and.not.include("detail");
  });

  it("masks hashes, IBANs and opaque tokens in any text, but keeps request ids", () => {
    const text = scrubText("hash $argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g iban DE02 1203 0000 0000 2020 51 "
      + "token Zx9_kQ2mPq7rT4vW8yB1nC5dF3gH6jK0LmNoPqRsTuV id 0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(text).to.not.include("argon2").and.not.include("Zx9_kQ2m").and.not.include("DE02");
    expect(text).to.include("******************2051").and.include("0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(maskIban("DK50 0040 0440 1162 43")).to.equal("**************6243");
  });

  it("drops query strings and one-time-link tokens from URLs", () => {
    expect(scrubUrl("/invite/abc123def456ghi789jkl?email=a@b.c")).to.equal("/invite/[redacted]");
    expect(scrubUrl("/applications/12/claim")).to.equal("/applications/12/claim");
  });
});
