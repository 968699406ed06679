import { expect } from "chai";
import { toCompany } from "../../../server/db/tables/companies";
import { toCompanyRelation } from "../../../server/db/tables/company-relations";
import { toCompanyVersion } from "../../../server/db/tables/company-versions";
import { toDeMinimisDeclaration } from "../../../server/db/tables/de-minimis-declarations";
import { toOrganisation } from "../../../server/db/tables/directory-organisations";
import { toLoginAttempt } from "../../../server/db/tables/login-attempts";
import { toReferral } from "../../../server/db/tables/referrals";
import { toUserToken } from "../../../server/db/tables/user-tokens";
import { toUser, toUserRole } from "../../../server/db/tables/users";

/*
 * The mappers of the people and directory tables read what either driver returns: PostgreSQL gives
 * bigints as strings and booleans as booleans, SQLite numbers and 1/0. Values the columns may not
 * hold are refused rather than passed on as a wider type.
 */
describe("people and directory row mappers", () => {
  const company = {
    id: 7, legal_name: "Nordic Enzyme Labs ApS", vat_number: "DK12345678", search_key: "nordic enzyme labs aps dk12345678", address: "Ole Maaløes Vej 3", country: "DK",
    region_id: 1, sector_id: 2, staff_headcount: 42, iban: null, account_holder: null,
    created_at: "2026-01-02T08:00:00.000Z", updated_at: "2026-01-02T08:00:00.000Z",
  };

  it("reads a company's money and flag the same from both drivers", () => {
    const pg = toCompany({ ...company, turnover_cents: "450000000", balance_sheet_cents: "120000050", euro_account_confirmed: true });
    const sqlite = toCompany({ ...company, turnover_cents: 450000000, balance_sheet_cents: 120000050, euro_account_confirmed: 1 });
    expect(pg).to.deep.equal(sqlite);
    expect(pg.turnoverCents).to.equal(450_000_000);
    expect(pg.balanceSheetCents).to.equal(120_000_050);
    expect(toCompany({ ...company, turnover_cents: 0, balance_sheet_cents: 0, euro_account_confirmed: 0 }).euroAccountConfirmed).to.equal(false);
  });

  it("refuses a stored amount that is not whole cents", () => {
    expect(() => toCompany({ ...company, turnover_cents: "12.5", balance_sheet_cents: 0, euro_account_confirmed: false })).to.throw();
  });

  it("reads a relation as the SME rule reads it and refuses an unknown kind", () => {
    const row = { name: "Parent A/S", share_percent: "30", staff_headcount: 10, turnover_cents: "100", balance_sheet_cents: 200 };
    expect(toCompanyRelation({ ...row, kind: "partner" })).to.deep.equal({
      name: "Parent A/S", kind: "partner", sharePercent: "30", staffHeadcount: 10, turnoverCents: 100, balanceSheetCents: 200,
    });
    expect(() => toCompanyRelation({ ...row, kind: "sister" })).to.throw(/unknown kind/);
  });

  it("reads a version's facts and a de minimis declaration", () => {
    const v = toCompanyVersion({ id: 1, company_id: 7, version: 2, valid_from: "2026-01-02", valid_to: null, facts_json: '{"legalName":"X"}', recorded_by: null });
    expect(v).to.deep.equal({ version: 2, validFrom: "2026-01-02", validTo: null, facts: { legalName: "X" } });
    expect(toDeMinimisDeclaration({ granting_body: "Innovation Fund", granted_on: "2025-03-01", amount_cents: "2500000" }))
      .to.deep.equal({ grantingBody: "Innovation Fund", grantedOn: "2025-03-01", amountCents: 2_500_000 });
  });

  it("reads a user's role and flag, and refuses a role the application does not know", () => {
    const row = {
      id: 3, email: "a@example.test", name: "A", search_key: "a a@example.test", title: null, role: "manager", company_id: null, partner_id: 4,
      active: 1, email_confirmed_at: null, created_at: "2026-01-01T00:00:00.000Z", language: null,
    };
    expect(toUser(row)).to.include({ role: "manager", active: true, partnerId: 4 });
    expect(toUser({ ...row, active: false }).active).to.equal(false);
    expect(toUserRole("admin")).to.equal("admin");
    expect(() => toUserRole("superuser")).to.throw(/unknown role/);
  });

  it("reads tokens, sign-in attempts, organisations and referrals", () => {
    expect(toUserToken({ id: 1, user_id: 3, purpose: "reset", token_hash: "h", expires_at: "2026-01-01T01:00:00.000Z", used_at: null }))
      .to.deep.equal({ id: 1, userId: 3, purpose: "reset", expiresAt: "2026-01-01T01:00:00.000Z", usedAt: null });
    expect(() => toUserToken({ id: 1, user_id: 3, purpose: "login", token_hash: "h", expires_at: "x", used_at: null })).to.throw(/unknown purpose/);
    expect(toLoginAttempt({ at: "2026-01-01T00:00:05.000Z", succeeded: 0 })).to.deep.equal({ at: new Date("2026-01-01T00:00:05.000Z"), succeeded: false });

    const org = toOrganisation({
      id: 5, name: "Lund Bioimaging", search_key: "lund bioimaging", region_id: 2, region_name: "Skåne", region_code: "SE-M", kind: "facility",
      competences: "Imaging, microscopy,imaging", contact_name: "", contact_email: null, website: null, description: "",
      created_by: null, created_at: "", updated_at: "",
    });
    expect(org.competences).to.deep.equal(["imaging", "microscopy"]);
    expect(org.kind).to.equal("facility");
    expect(org.contactName).to.equal(null);

    const referral = {
      id: 1, company_id: 7, organisation_id: 5, manager_id: 3, note: "", application_id: null, created_at: "2026-01-01T00:00:00.000Z",
      legal_name: "Nordic Enzyme Labs ApS", org_name: "Lund Bioimaging", org_region: "Skåne", manager_name: "M",
    };
    expect(toReferral({ ...referral, became: true }).becameApplication).to.equal(true);
    expect(toReferral({ ...referral, became: 1 }).becameApplication).to.equal(true);
    expect(toReferral({ ...referral, became: 0 }).becameApplication).to.equal(false);
  });
});
