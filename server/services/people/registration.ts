import { normaliseVatNumber } from "../../domain/accounts";
import { msg } from "../../domain/message";
import { ValidationError, NotFoundError, type FieldTexts } from "../../errors";
import { classifySme } from "../../domain/eligibility";
import { deMinimisGrantDateProblem } from "../../domain/de-minimis";
import { localDate } from "../../domain/time";
import { checkSepaIban, ibanUsesEuro, sepaCharactersRefused } from "../../exports/sepa";
import { inTransaction, type ServiceContext, type Trx } from "../platform/context";
import { queueEmail } from "../platform/mail";
import type { Language } from "../../languages";
import { insertCompany, saveCompanyVersion, type CompanyInput } from "./companies";
import { issueToken, TOKEN_HOURS } from "./one-time-links";
import { insertUser, MIN_PASSWORD_LENGTH } from "./users";

/*
 * Self-registration of an SME (a person and its company) and saving the company profile. The SME
 * status is never stored: it is computed from the declared figures each time (R6), so it always
 * matches what the company declared. The profile page's data is in ./company-queries.ts.
 */

export interface RegistrationUser { name: string; email: string; password: string; language?: Language | null }

/** Normalises the IBAN and checks the whole company input; throws with a message per field. */
export async function validateCompany(db: ServiceContext["db"] | Trx, input: CompanyInput, today: string, companyId: number | null = null): Promise<CompanyInput> {
  const fields: FieldTexts = {};
  input.deMinimis.forEach((d, i) => {
    const problem = deMinimisGrantDateProblem(d.grantedOn, today);
    if (problem) fields[`dm${i}_date`] = msg("errors:people.aidProblem", { n: i + 1, problem });
  });
  if (!input.legalName.trim()) fields.legalName = msg("errors:people.legalName");
  const vatNumber = normaliseVatNumber(input.vatNumber);
  if (!vatNumber) fields.vatNumber = msg("errors:people.vatNumber");
  else if (!/^[A-Z0-9]+$/.test(vatNumber)) fields.vatNumber = msg("errors:people.vatNumberFormat");
  else if (await vatNumberTaken(db, vatNumber, companyId)) fields.vatNumber = msg("errors:people.vatNumberTaken");
  if (!input.address.trim()) fields.address = msg("errors:people.address");
  if (!/^[A-Z]{2}$/.test(input.country)) fields.country = msg("errors:people.country");
  if (!input.regionId || !(await db("regions").where({ id: input.regionId }).first("id"))) fields.regionId = msg("errors:people.region");
  if (!input.sectorId || !(await db("sectors").where({ id: input.sectorId }).first("id"))) fields.sectorId = msg("errors:people.sector");
  let iban: string | null = null;
  let euroAccountConfirmed = false;
  if (input.iban && input.iban.trim()) {
    // Payments are EUR SEPA credit transfers (R15): any SEPA country's account can receive them,
    // but one outside the euro area only if the account takes euros, which the company confirms.
    const sepa = checkSepaIban(input.iban);
    if (!sepa.ok) fields.iban = sepa.reason;
    else {
      iban = sepa.iban;
      if (!ibanUsesEuro(iban)) {
        euroAccountConfirmed = !!input.euroAccountConfirmed;
        if (!euroAccountConfirmed) {
          fields.euroAccountConfirmed = msg("errors:people.euroAccount", { country: iban.slice(0, 2) });
        }
      }
    }
    if (!input.accountHolder?.trim()) fields.accountHolder = msg("errors:people.accountHolder");
    else {
      // The account holder is the creditor name of the SEPA file (server/exports/sepa.ts): a
      // character it cannot carry would stop finance's batch, where the company cannot correct it.
      const refused = sepaCharactersRefused(input.accountHolder);
      if (refused.length) fields.accountHolder = msg("errors:people.accountHolderCharacters", { characters: refused.map((c) => JSON.stringify(c)).join(" ") });
    }
  }
  if (Object.keys(fields).length === 0) {
    try {
      classifySme({ staffHeadcount: input.staffHeadcount, turnoverCents: input.turnoverCents, balanceSheetCents: input.balanceSheetCents, relations: input.relations });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      fields.relations = e.text;
    }
  }
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:input.summary"), fields);
  return { ...input, vatNumber, iban, accountHolder: iban ? input.accountHolder?.trim() ?? null : null, euroAccountConfirmed };
}

/** Whether another company than `companyId` is registered with this (normalised) VAT number. */
async function vatNumberTaken(db: ServiceContext["db"] | Trx, vatNumber: string, companyId: number | null): Promise<boolean> {
  const q = db("companies").where({ vat_number: vatNumber });
  if (companyId !== null) q.whereNot({ id: companyId });
  return !!(await q.first("id"));
}

export async function registerApplicant(ctx: ServiceContext, user: RegistrationUser, company: CompanyInput): Promise<number> {
  const fields: FieldTexts = {};
  if (user.password.length < MIN_PASSWORD_LENGTH) fields.password = msg("errors:input.passwordTooShort", { min: MIN_PASSWORD_LENGTH });
  if (user.name.trim().length < 2) fields.name = msg("errors:people.yourFullName");
  return inTransaction(ctx, async (trx) => {
    let checked: CompanyInput | null = null;
    try {
      checked = await validateCompany(trx, company, localDate(ctx.now(), ctx.config.timeZone));
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      Object.assign(fields, e.fieldTexts);
    }
    const existing = await trx("users").whereRaw("lower(email) = ?", [user.email.trim().toLowerCase()]).first("id");
    if (existing) fields.email = msg("errors:people.emailTakenSignIn");
    if (Object.keys(fields).length || !checked) throw new ValidationError(msg("errors:input.summary"), fields);
    const companyId = await insertCompany(trx, ctx, checked);
    const userId = await insertUser(trx, ctx, { email: user.email, name: user.name, password: user.password, role: "applicant", companyId, emailConfirmed: false, language: user.language ?? null });
    const token = await issueToken(trx, ctx, userId, "confirm");
    await queueEmail(trx, ctx, user.email.trim().toLowerCase(), "account-confirmation", {
      name: user.name.trim(), companyName: checked.legalName, link: `${ctx.config.baseUrl}/confirm/${token}`, hours: TOKEN_HOURS.confirm,
    });
    return userId;
  });
}

/**
 * Updates the profile as a new version of the company's facts: the declared partner/linked
 * enterprises become the current ones, earlier ones stay on record; de minimis declarations are
 * only ever added (R17).
 */
export async function updateCompanyProfile(ctx: ServiceContext, input: CompanyInput): Promise<void> {
  const companyId = ctx.actor?.role === "applicant" ? ctx.actor.companyId : null;
  if (!companyId) throw new NotFoundError();
  await inTransaction(ctx, async (trx) => {
    const checked = await validateCompany(trx, input, localDate(ctx.now(), ctx.config.timeZone), companyId);
    await saveCompanyVersion(trx, ctx, companyId, checked);
  });
}

