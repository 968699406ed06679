import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import { leavesNoAdministrator } from "../../domain/accounts";
import { SIGN_IN_THROTTLE, signInWaitSeconds, waitInWords, type SignInHistory } from "../../domain/throttle";
import { ConflictError, NotFoundError, TooManyRequestsError, ValidationError } from "../../errors";
import { isPostgres, type Db } from "../../db/connection";
import { audit } from "../platform/audit";
import type { Actor, ServiceContext, Trx, UserRole } from "../platform/context";
import { inTransaction, insertedId, nowIso } from "../platform/context";

export const ROLES: readonly UserRole[] = ["applicant", "manager", "finance", "admin"];
export const ROLE_LABELS: Record<UserRole, string> = {
  applicant: "SME applicant",
  manager: "Cluster manager",
  finance: "Finance officer",
  admin: "Administrator",
};

export const MIN_PASSWORD_LENGTH = 12;

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function loadActor(db: Db, userId: number): Promise<Actor | null> {
  const row = await db("users")
    .leftJoin("partners", "partners.id", "users.partner_id")
    .leftJoin("companies", "companies.id", "users.company_id")
    .where("users.id", userId)
    .first(
      "users.id", "users.email", "users.name", "users.role", "users.company_id", "users.partner_id",
      "users.active", "partners.region_id as partner_region_id", "companies.region_id as company_region_id",
    );
  if (!row || !row.active) return null;
  return {
    id: Number(row.id),
    email: row.email,
    name: row.name,
    role: row.role,
    companyId: row.company_id === null ? null : Number(row.company_id),
    partnerId: row.partner_id === null ? null : Number(row.partner_id),
    regionId:
      row.partner_region_id !== null && row.partner_region_id !== undefined
        ? Number(row.partner_region_id)
        : row.company_region_id !== null && row.company_region_id !== undefined
          ? Number(row.company_region_id)
          : null,
  };
}

// Verifying against this when the e-mail is unknown (or the account inactive) costs the same as a
// real check, so the answer's timing does not tell which addresses have accounts.
const dummyHash: Promise<string> = hash(randomBytes(18).toString("base64url"));

async function signInHistory(ctx: ServiceContext, email: string, ip: string): Promise<SignInHistory> {
  const now = ctx.now().getTime();
  const pairSince = new Date(now - SIGN_IN_THROTTLE.pairWindowMinutes * 60_000).toISOString();
  const addressSince = new Date(now - SIGN_IN_THROTTLE.addressWindowMinutes * 60_000).toISOString();
  const pair = await ctx.db("login_attempts").where({ email, ip }).andWhere("at", ">=", pairSince).orderBy("id", "asc").select("at", "succeeded");
  const lastSuccess = pair.map((r) => !!r.succeeded).lastIndexOf(true);
  const address = await ctx.db("login_attempts").where({ ip, succeeded: false }).andWhere("at", ">=", addressSince).select("at");
  return {
    pairFailures: pair.slice(lastSuccess + 1).map((r) => new Date(r.at as string)),
    addressFailures: address.map((r) => new Date(r.at as string)),
  };
}

/**
 * Checks e-mail and password, throttled per account and address (server/domain/throttle.ts), and
 * logs every attempt. Returns null for a wrong e-mail or password (the caller shows one message
 * for both, so the form does not reveal which accounts exist).
 */
export async function authenticate(ctx: ServiceContext, emailInput: string, password: string, ip: string): Promise<Actor | null> {
  const email = emailInput.trim().toLowerCase();
  const wait = signInWaitSeconds(await signInHistory(ctx, email, ip), ctx.now());
  if (wait > 0) {
    await inTransaction(ctx, async (trx) => {
      await audit(trx, { ...ctx, actor: null }, { action: "login.throttled", entityType: "login", entityId: email, after: { ip, retryAfterSeconds: wait } });
    });
    throw new TooManyRequestsError(
      `Too many failed sign-in attempts for this account from your network. For your security, please wait ${waitInWords(wait)} and try again. ` +
        `If you have forgotten your password, you can reset it.`,
      wait,
    );
  }
  // Recorded as a failure before the (slow) password check, so that guesses sent in parallel
  // count against each other; a success turns it into one below.
  const attemptId = insertedId((await ctx.db("login_attempts").insert({ email, ip, succeeded: false, at: nowIso(ctx) }).returning("id"))[0]);
  const user = await ctx.db("users").whereRaw("lower(email) = ?", [email]).first("id", "password_hash", "active");
  const matches = await verify(user?.password_hash ?? (await dummyHash), password).catch(() => false);
  const ok = matches && !!user && !!user.active;
  await inTransaction(ctx, async (trx) => {
    if (ok) await trx("login_attempts").where({ id: attemptId }).update({ succeeded: true });
    await audit(trx, { ...ctx, actor: null }, {
      action: ok ? "login.succeeded" : "login.failed",
      entityType: "user",
      entityId: user ? user.id : null,
      after: { email, ip },
    });
  });
  return ok ? loadActor(ctx.db, Number(user.id)) : null;
}

export interface NewUser {
  email: string;
  name: string;
  title?: string | null;
  password: string;
  role: UserRole;
  companyId?: number | null;
  partnerId?: number | null;
  emailConfirmed?: boolean;
}

export function validateNewUser(input: NewUser): void {
  const fields: Record<string, string> = {};
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email.trim())) fields.email = "Enter an e-mail address like name@example.com.";
  if (input.name.trim().length < 2) fields.name = "Enter the person's full name.";
  if (input.password.length < MIN_PASSWORD_LENGTH) fields.password = `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`;
  if (!ROLES.includes(input.role)) fields.role = "Choose a role.";
  if (input.role === "manager" && !input.partnerId) fields.partnerId = "A cluster manager belongs to one partner organisation: choose it.";
  if (input.role === "applicant" && !input.companyId) fields.companyId = "An applicant belongs to a company: choose it.";
  if (Object.keys(fields).length) throw new ValidationError("The user could not be saved.", fields);
}

/** Inserts a user inside the caller's transaction (also used by registration and seeding). */
export async function insertUser(trx: import("../platform/context").Trx, ctx: ServiceContext, input: NewUser): Promise<number> {
  validateNewUser(input);
  await assertAffiliation(trx, input.role, input.partnerId, input.companyId);
  const email = input.email.trim().toLowerCase();
  const existing = await trx("users").whereRaw("lower(email) = ?", [email]).first("id");
  if (existing) throw new ValidationError("The user could not be saved.", { email: "An account with this e-mail address already exists." });
  const row = {
    email,
    name: input.name.trim(),
    title: input.title ?? null,
    password_hash: await hashPassword(input.password),
    role: input.role,
    company_id: input.role === "applicant" ? input.companyId ?? null : null,
    partner_id: input.role === "manager" ? input.partnerId ?? null : null,
    active: true,
    email_confirmed_at: input.emailConfirmed ? nowIso(ctx) : null,
    created_at: nowIso(ctx),
  };
  const id = insertedId((await trx("users").insert(row).returning("id"))[0]);
  const { password_hash: _omit, ...visible } = row;
  await audit(trx, ctx, { action: "user.created", entityType: "user", entityId: id, after: visible });
  return id;
}

/** A user's partner or company chosen from a list must exist: a 422 beside the field, never a database error. */
async function assertAffiliation(db: import("../platform/context").Trx, role: UserRole, partnerId: number | null | undefined, companyId: number | null | undefined): Promise<void> {
  const fields: Record<string, string> = {};
  if (role === "manager" && partnerId && !(await db("partners").where({ id: partnerId }).first("id"))) fields.partnerId = "Choose a partner organisation from the list.";
  if (role === "applicant" && companyId && !(await db("companies").where({ id: companyId }).first("id"))) fields.companyId = "Choose a company from the list.";
  if (Object.keys(fields).length) throw new ValidationError("The user could not be saved.", fields);
}

export async function createUser(ctx: ServiceContext, input: NewUser): Promise<number> {
  return inTransaction(ctx, (trx) => insertUser(trx, ctx, input));
}

/**
 * The active administrators, locked on PostgreSQL until the transaction ends: two administrators
 * demoting or deactivating each other at the same moment then take turns, and the second sees
 * the first one's change (SQLite's single connection already runs them one after the other).
 */
async function lockActiveAdministrators(trx: Trx): Promise<number[]> {
  const q = trx("users").where({ role: "admin", active: true }).orderBy("id").select("id");
  if (isPostgres(trx)) q.forUpdate();
  return (await q).map((r) => Number(r.id));
}

function lastAdministrator(what: string): ConflictError {
  return new ConflictError(
    `${what}: this is the last active administrator, and without one nobody could manage users and settings. ` +
      "Make another user an administrator first.",
    "last_administrator",
  );
}

export async function setUserActive(ctx: ServiceContext, userId: number, active: boolean): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    if (ctx.actor?.id === userId && !active) throw new ConflictError("You cannot deactivate your own account.");
    // Locked before the user is read, so the check sees what the other transaction committed.
    const admins = active ? [] : await lockActiveAdministrators(trx);
    const before = await trx("users").where({ id: userId }).first("id", "email", "active", "role");
    if (!before) throw new NotFoundError();
    if (leavesNoAdministrator(admins, userId, { role: before.role, active })) throw lastAdministrator("The account was not deactivated");
    await trx("users").where({ id: userId }).update({ active });
    await audit(trx, ctx, {
      action: active ? "user.activated" : "user.deactivated", entityType: "user", entityId: userId,
      before: { active: !!before.active }, after: { active },
    });
    // Sessions are JSON (a json column on PostgreSQL): end the deactivated user's sessions at once.
    if (!active) await trx("sessions").whereRaw("cast(sess as text) like ?", [`%"user":${userId}}%`]).del();
  });
}

export async function setUserRole(ctx: ServiceContext, userId: number, role: UserRole, partnerId: number | null, companyId: number | null): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    const fields: Record<string, string> = {};
    if (!ROLES.includes(role)) fields.role = "Choose a role.";
    if (role === "manager" && !partnerId) fields.partnerId = "A cluster manager belongs to one partner organisation: choose it.";
    if (role === "applicant" && !companyId) fields.companyId = "An applicant belongs to a company: choose it.";
    if (Object.keys(fields).length) throw new ValidationError("The role could not be changed.", fields);
    await assertAffiliation(trx, role, partnerId, companyId);
    const admins = role === "admin" ? [] : await lockActiveAdministrators(trx);
    const before = await trx("users").where({ id: userId }).first("id", "role", "partner_id", "company_id");
    if (!before) throw new NotFoundError();
    if (leavesNoAdministrator(admins, userId, { role, active: true })) throw lastAdministrator("The role was not changed");
    const after = {
      role,
      partner_id: role === "manager" ? partnerId : null,
      company_id: role === "applicant" ? companyId : null,
    };
    await trx("users").where({ id: userId }).update(after);
    await audit(trx, ctx, { action: "user.role_changed", entityType: "user", entityId: userId, before, after });
  });
}

export interface UserListRow {
  id: number; email: string; name: string; role: UserRole; active: boolean;
  partnerName: string | null; companyName: string | null;
}

export async function listUsers(db: Db): Promise<UserListRow[]> {
  const rows = await db("users")
    .leftJoin("partners", "partners.id", "users.partner_id")
    .leftJoin("companies", "companies.id", "users.company_id")
    .orderBy("users.email")
    .select("users.id", "users.email", "users.name", "users.role", "users.active",
      "partners.name as partner_name", "companies.legal_name as company_name");
  return rows.map((r) => ({
    id: Number(r.id), email: r.email, name: r.name, role: r.role, active: !!r.active,
    partnerName: r.partner_name ?? null, companyName: r.company_name ?? null,
  }));
}
