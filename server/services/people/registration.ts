import { createHash, randomBytes } from "node:crypto";
import { ConflictError, NotFoundError, TooManyRequestsError, ValidationError, type FieldErrors } from "../../errors";
import { formatLocalDateTime } from "../../domain/time";
import { isPostgres } from "../../db/connection";
import { classifySme, type SmeResult } from "../../domain/eligibility";
import { assertCents } from "../../domain/money";
import { deMinimisGrantDateProblem } from "../../domain/de-minimis";
import { localDate } from "../../domain/time";
import { passwordResetAllowed, PASSWORD_RESET_LIMITS } from "../../domain/throttle";
import { audit } from "../platform/audit";
import { insertCompany, companySmeStatus, currentRelations, saveCompanyVersion, type CompanyInput } from "./companies";
import { inTransaction, nowIso, type ServiceContext, type Trx } from "../platform/context";
import { checkSepaIban, ibanUsesEuro } from "../../exports/sepa";
import { queueEmail } from "../platform/mail";
import { hashPassword, insertUser, MIN_PASSWORD_LENGTH } from "./users";

/*
 * Self-registration of an SME (a person and its company) and the company profile. The SME status
 * is never stored: it is computed from the declared figures each time (R6), so it always matches
 * what the company declared.
 */

export interface RegistrationUser { name: string; email: string; password: string }

/** Normalises the IBAN and checks the whole company input; throws with a message per field. */
export async function validateCompany(db: ServiceContext["db"] | Trx, input: CompanyInput, today: string): Promise<CompanyInput> {
  const fields: FieldErrors = {};
  input.deMinimis.forEach((d, i) => {
    const problem = deMinimisGrantDateProblem(d.grantedOn, today);
    if (problem) fields[`dm${i}_date`] = `Aid ${i + 1}: ${problem}`;
  });
  if (!input.legalName.trim()) fields.legalName = "Enter the company's legal name.";
  if (!input.vatNumber.trim()) fields.vatNumber = "Enter the VAT or CVR number.";
  if (!input.address.trim()) fields.address = "Enter the address.";
  if (!/^[A-Z]{2}$/.test(input.country)) fields.country = "Enter the two-letter country code, for example DK.";
  if (!input.regionId || !(await db("regions").where({ id: input.regionId }).first("id"))) fields.regionId = "Choose the programme region the company is based in.";
  if (!input.sectorId || !(await db("sectors").where({ id: input.sectorId }).first("id"))) fields.sectorId = "Choose the company's sector.";
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
          fields.euroAccountConfirmed = `This account is in a country that does not use the euro (${iban.slice(0, 2)}). Vouchers are paid in euro: tick the box to confirm the account can receive euros, or enter a euro account.`;
        }
      }
    }
    if (!input.accountHolder?.trim()) fields.accountHolder = "Enter the name of the account holder.";
  }
  if (Object.keys(fields).length === 0) {
    try {
      classifySme({ staffHeadcount: input.staffHeadcount, turnoverCents: input.turnoverCents, balanceSheetCents: input.balanceSheetCents, relations: input.relations });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      fields.relations = e.message;
    }
  }
  if (Object.keys(fields).length) throw new ValidationError("Some answers need your attention.", fields);
  return { ...input, iban, accountHolder: iban ? input.accountHolder?.trim() ?? null : null, euroAccountConfirmed };
}

export async function registerApplicant(ctx: ServiceContext, user: RegistrationUser, company: CompanyInput): Promise<number> {
  const fields: FieldErrors = {};
  if (user.password.length < MIN_PASSWORD_LENGTH) fields.password = `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`;
  if (user.name.trim().length < 2) fields.name = "Enter your full name.";
  return inTransaction(ctx, async (trx) => {
    let checked: CompanyInput | null = null;
    try {
      checked = await validateCompany(trx, company, localDate(ctx.now(), ctx.config.timeZone));
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      Object.assign(fields, e.fields);
    }
    const existing = await trx("users").whereRaw("lower(email) = ?", [user.email.trim().toLowerCase()]).first("id");
    if (existing) fields.email = "An account with this e-mail address already exists. Sign in instead, or ask a colleague to invite you.";
    if (Object.keys(fields).length || !checked) throw new ValidationError("Some answers need your attention.", fields);
    const companyId = await insertCompany(trx, ctx, checked);
    const userId = await insertUser(trx, ctx, { email: user.email, name: user.name, password: user.password, role: "applicant", companyId, emailConfirmed: false });
    const token = await issueToken(trx, ctx, userId, "confirm");
    await queueEmail(trx, ctx, user.email.trim().toLowerCase(), "account-confirmation", {
      name: user.name.trim(), companyName: checked.legalName, link: `${ctx.config.baseUrl}/confirm/${token}`, hours: TOKEN_HOURS.confirm,
    });
    return userId;
  });
}

export async function companyProfile(ctx: ServiceContext) {
  const companyId = ctx.actor?.role === "applicant" ? ctx.actor.companyId : null;
  if (!companyId) throw new NotFoundError();
  const c = await ctx.db("companies as c").leftJoin("regions as r", "r.id", "c.region_id").leftJoin("sectors as s", "s.id", "c.sector_id")
    .where("c.id", companyId).first("c.*", "r.name as region_name", "s.name as sector_name");
  if (!c) throw new NotFoundError();
  const relations = await currentRelations(ctx.db, companyId);
  const deMinimis = await ctx.db("de_minimis_declarations").where({ company_id: companyId }).orderBy("granted_on");
  // A stored declaration the classifier cannot read (e.g. an odd share) shows no status rather than a 500.
  const sme: SmeResult | null = await companySmeStatus(ctx.db, companyId).catch(() => null);
  return {
    company: {
      id: Number(c.id), legalName: c.legal_name, vatNumber: c.vat_number, address: c.address, country: c.country,
      regionId: c.region_id, regionName: c.region_name, sectorId: c.sector_id, sectorName: c.sector_name,
      staffHeadcount: Number(c.staff_headcount), turnoverCents: assertCents(c.turnover_cents), balanceSheetCents: assertCents(c.balance_sheet_cents),
      iban: c.iban, accountHolder: c.account_holder, euroAccountConfirmed: !!c.euro_account_confirmed,
    },
    relations: relations.map((r) => ({ name: r.name, kind: r.kind, sharePercent: r.share_percent, staffHeadcount: Number(r.staff_headcount), turnoverCents: assertCents(r.turnover_cents), balanceSheetCents: assertCents(r.balance_sheet_cents) })),
    deMinimis: deMinimis.map((d) => ({ grantingBody: d.granting_body, grantedOn: d.granted_on, amountCents: assertCents(d.amount_cents) })),
    sme,
  };
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
    const checked = await validateCompany(trx, input, localDate(ctx.now(), ctx.config.timeZone));
    await saveCompanyVersion(trx, ctx, companyId, checked);
  });
}

// ---------------------------------------------------------------------------------------------
// One-time links: e-mail confirmation, password reset, invitation of a colleague
// ---------------------------------------------------------------------------------------------

export type TokenPurpose = "confirm" | "reset" | "invite";
export const TOKEN_HOURS: Record<TokenPurpose, number> = { confirm: 72, reset: 1, invite: 168 };

const tokenHash = (raw: string) => createHash("sha256").update(raw).digest("hex");

/** Only the hash is stored, so a copy of the database holds no usable links. */
async function issueToken(trx: Trx, ctx: ServiceContext, userId: number, purpose: TokenPurpose): Promise<string> {
  const raw = randomBytes(32).toString("base64url");
  const expires = new Date(ctx.now().getTime() + TOKEN_HOURS[purpose] * 3_600_000).toISOString();
  await trx("user_tokens").insert({ user_id: userId, purpose, token_hash: tokenHash(raw), expires_at: expires });
  return raw;
}

const INVALID_LINK = "This link is no longer valid: it was already used or has expired. Ask for a new one.";

/** Marks the token used (once, even with two clicks at the same moment) and returns its user. */
async function consumeToken(trx: Trx, ctx: ServiceContext, raw: string, purpose: TokenPurpose): Promise<number> {
  const row = await trx("user_tokens").where({ token_hash: tokenHash(raw), purpose }).first();
  if (!row || row.used_at || row.expires_at <= nowIso(ctx)) throw new ValidationError(INVALID_LINK, {}, "token_invalid");
  const used = await trx("user_tokens").where({ id: row.id }).whereNull("used_at").update({ used_at: nowIso(ctx) });
  if (used !== 1) throw new ValidationError(INVALID_LINK, {}, "token_invalid");
  return Number(row.user_id);
}

async function endSessions(trx: Trx, userId: number): Promise<void> {
  await trx("sessions").whereRaw("cast(sess as text) like ?", [`%"user":${userId}}%`]).del();
}

/** At most one new confirmation link per this many minutes, and RESEND_PER_DAY a day. */
export const RESEND_INTERVAL_MINUTES = 10;
export const RESEND_PER_DAY = 5;

/**
 * Sends the signed-in applicant a new confirmation link. Limited per account in the database (so
 * it holds across app servers): a link's issue time is its expiry minus its validity.
 */
export async function resendConfirmation(ctx: ServiceContext): Promise<void> {
  const actor = ctx.actor;
  if (!actor || actor.role !== "applicant") throw new NotFoundError();
  await inTransaction(ctx, async (trx) => {
    const user = await trx("users").where({ id: actor.id }).first("email", "name", "email_confirmed_at");
    if (!user) throw new NotFoundError();
    if (user.email_confirmed_at) throw new ConflictError("Your e-mail address is already confirmed.", "already_confirmed");
    const validityMs = TOKEN_HOURS.confirm * 3_600_000;
    const issued = (await trx("user_tokens").where({ user_id: actor.id, purpose: "confirm" }).select("expires_at"))
      .map((t) => new Date(String(t.expires_at)).getTime() - validityMs);
    const now = ctx.now().getTime();
    const last = Math.max(-Infinity, ...issued);
    if (now - last < RESEND_INTERVAL_MINUTES * 60_000) {
      const next = formatLocalDateTime(new Date(last + RESEND_INTERVAL_MINUTES * 60_000).toISOString(), ctx.config.timeZone);
      throw new TooManyRequestsError(`We sent you a link less than ${RESEND_INTERVAL_MINUTES} minutes ago; please check your inbox and spam folder. You can ask for another link from ${next}.`);
    }
    if (issued.filter((t) => now - t < 86_400_000).length >= RESEND_PER_DAY) {
      throw new TooManyRequestsError(`We have sent ${RESEND_PER_DAY} links in the last 24 hours; please use the newest one, or ask for another one tomorrow.`);
    }
    const token = await issueToken(trx, ctx, actor.id, "confirm");
    const company = actor.companyId ? await trx("companies").where({ id: actor.companyId }).first("legal_name") : null;
    await queueEmail(trx, ctx, String(user.email), "account-confirmation", {
      name: String(user.name), companyName: String(company?.legal_name ?? "your company"), link: `${ctx.config.baseUrl}/confirm/${token}`, hours: TOKEN_HOURS.confirm,
    });
    await audit(trx, ctx, { action: "user.confirmation-resent", entityType: "user", entityId: actor.id });
  });
}

export async function confirmEmail(ctx: ServiceContext, raw: string): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    const userId = await consumeToken(trx, ctx, raw, "confirm");
    await trx("users").where({ id: userId }).whereNull("email_confirmed_at").update({ email_confirmed_at: nowIso(ctx) });
    await audit(trx, ctx, { action: "user.email-confirmed", entityType: "user", entityId: userId });
  });
}

/**
 * Always answers the same, so the form does not reveal which addresses have accounts. Past the
 * limits per e-mail and per client address (server/domain/throttle.ts) nothing is queued.
 */
export async function requestPasswordReset(ctx: ServiceContext, emailInput: string, ip: string): Promise<void> {
  const email = emailInput.trim().toLowerCase();
  await inTransaction(ctx, async (trx) => {
    // Counting then inserting is only safe one request at a time; resets are rare, so on
    // PostgreSQL they simply queue behind one lock (SQLite's single connection already does).
    if (isPostgres(trx)) await trx.raw("select pg_advisory_xact_lock(hashtext('voucherdesk.password-reset'))");
    const since = new Date(ctx.now().getTime() - PASSWORD_RESET_LIMITS.windowMinutes * 60_000).toISOString();
    const recent = async (column: "email" | "ip", value: string) =>
      Number((await trx("password_reset_requests").where(column, value).andWhere("at", ">=", since).count({ n: "*" }))[0].n);
    const allowed = passwordResetAllowed({ forEmail: await recent("email", email), fromAddress: await recent("ip", ip) });
    if (!allowed.ok) {
      await audit(trx, { ...ctx, actor: null }, { action: "user.password-reset-throttled", entityType: "password-reset", entityId: email, after: { ip, limit: allowed.reason } });
      return;
    }
    await trx("password_reset_requests").insert({ email, ip, at: nowIso(ctx) });
    const user = await trx("users").whereRaw("lower(email) = ?", [email]).andWhere({ active: true }).first("id", "name", "email");
    if (!user) return;
    const token = await issueToken(trx, ctx, Number(user.id), "reset");
    await queueEmail(trx, ctx, user.email, "password-reset", { name: user.name, link: `${ctx.config.baseUrl}/password-reset/${token}`, hours: TOKEN_HOURS.reset });
    await audit(trx, ctx, { action: "user.password-reset-requested", entityType: "user", entityId: Number(user.id) });
  });
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError("Some answers need your attention.", { password: `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.` });
  }
}

export async function resetPassword(ctx: ServiceContext, raw: string, password: string): Promise<void> {
  checkPassword(password);
  const hash = await hashPassword(password);
  await inTransaction(ctx, async (trx) => {
    const userId = await consumeToken(trx, ctx, raw, "reset");
    await trx("users").where({ id: userId }).update({ password_hash: hash });
    // Whoever knew the old password is signed out everywhere.
    await endSessions(trx, userId);
    await audit(trx, ctx, { action: "user.password-reset", entityType: "user", entityId: userId });
  });
}

export async function inviteColleague(ctx: ServiceContext, emailInput: string, name: string): Promise<void> {
  const companyId = ctx.actor?.role === "applicant" ? ctx.actor.companyId : null;
  if (!companyId) throw new NotFoundError();
  await inTransaction(ctx, async (trx) => {
    // A random password nobody knows until the invitation sets one.
    const userId = await insertUser(trx, ctx, { email: emailInput, name, password: randomBytes(24).toString("base64url"), role: "applicant", companyId, emailConfirmed: false });
    const token = await issueToken(trx, ctx, userId, "invite");
    const company = await trx("companies").where({ id: companyId }).first("legal_name");
    await queueEmail(trx, ctx, emailInput.trim().toLowerCase(), "invitation", {
      name: name.trim(), inviter: ctx.actor!.name, companyName: company.legal_name, link: `${ctx.config.baseUrl}/invite/${token}`, days: TOKEN_HOURS.invite / 24,
    });
  });
}

export async function acceptInvitation(ctx: ServiceContext, raw: string, password: string): Promise<number> {
  checkPassword(password);
  const hash = await hashPassword(password);
  return inTransaction(ctx, async (trx) => {
    const userId = await consumeToken(trx, ctx, raw, "invite");
    // Following the e-mailed link proves the address.
    await trx("users").where({ id: userId }).update({ password_hash: hash, email_confirmed_at: nowIso(ctx) });
    await audit(trx, ctx, { action: "user.invitation-accepted", entityType: "user", entityId: userId });
    return userId;
  });
}
