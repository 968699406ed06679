import { hash, verify } from "@node-rs/argon2";
import { DateTime } from "luxon";
import { ConflictError, NotFoundError, TooManyRequestsError, ValidationError } from "../errors";
import type { Db } from "../db/connection";
import { audit } from "./audit";
import type { Actor, ServiceContext, UserRole } from "./context";
import { inTransaction, insertedId, nowIso } from "./context";

export const ROLES: readonly UserRole[] = ["applicant", "manager", "finance", "admin"];
export const ROLE_LABELS: Record<UserRole, string> = {
  applicant: "SME applicant",
  manager: "Cluster manager",
  finance: "Finance officer",
  admin: "Administrator",
};

export const THROTTLE_WINDOW_MINUTES = 15;
export const THROTTLE_MAX_FAILURES = 5;
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

/**
 * Checks e-mail and password. Refuses further attempts for an account or an address after
 * THROTTLE_MAX_FAILURES failures within THROTTLE_WINDOW_MINUTES, and logs every attempt.
 * Returns null for a wrong e-mail or password (the caller shows one message for both, so the
 * form does not reveal which accounts exist).
 */
export async function authenticate(ctx: ServiceContext, emailInput: string, password: string, ip: string): Promise<Actor | null> {
  const email = emailInput.trim().toLowerCase();
  const since = DateTime.fromJSDate(ctx.now()).minus({ minutes: THROTTLE_WINDOW_MINUTES }).toUTC().toISO()!;
  const failures = await ctx.db("login_attempts")
    .where("succeeded", false)
    .andWhere("at", ">=", since)
    .andWhere((q) => q.where("email", email).orWhere("ip", ip))
    .orderBy("at", "asc")
    .select("at");
  if (failures.length >= THROTTLE_MAX_FAILURES) {
    const oldestCounted = failures[failures.length - THROTTLE_MAX_FAILURES].at as string;
    const retryAt = DateTime.fromISO(oldestCounted).plus({ minutes: THROTTLE_WINDOW_MINUTES }).setZone(ctx.config.timeZone);
    await inTransaction(ctx, async (trx) => {
      await audit(trx, { ...ctx, actor: null }, { action: "login.throttled", entityType: "login", entityId: email, after: { ip } });
    });
    throw new TooManyRequestsError(
      `Too many failed sign-in attempts for this account or from this network. ` +
        `For your security, please wait and try again after ${retryAt.toFormat("HH:mm")} (${ctx.config.timeZone} time).`,
    );
  }
  const user = await ctx.db("users").whereRaw("lower(email) = ?", [email]).first();
  const ok = !!user && !!user.active && (await verify(user.password_hash, password).catch(() => false));
  await inTransaction(ctx, async (trx) => {
    await trx("login_attempts").insert({ email, ip, succeeded: ok, at: nowIso(ctx) });
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
export async function insertUser(trx: import("./context").Trx, ctx: ServiceContext, input: NewUser): Promise<number> {
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
async function assertAffiliation(db: import("./context").Trx, role: UserRole, partnerId: number | null | undefined, companyId: number | null | undefined): Promise<void> {
  const fields: Record<string, string> = {};
  if (role === "manager" && partnerId && !(await db("partners").where({ id: partnerId }).first("id"))) fields.partnerId = "Choose a partner organisation from the list.";
  if (role === "applicant" && companyId && !(await db("companies").where({ id: companyId }).first("id"))) fields.companyId = "Choose a company from the list.";
  if (Object.keys(fields).length) throw new ValidationError("The user could not be saved.", fields);
}

export async function createUser(ctx: ServiceContext, input: NewUser): Promise<number> {
  return inTransaction(ctx, (trx) => insertUser(trx, ctx, input));
}

export async function setUserActive(ctx: ServiceContext, userId: number, active: boolean): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    const before = await trx("users").where({ id: userId }).first("id", "email", "active");
    if (!before) throw new NotFoundError();
    if (ctx.actor?.id === userId && !active) throw new ConflictError("You cannot deactivate your own account.");
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
    const before = await trx("users").where({ id: userId }).first("id", "role", "partner_id", "company_id");
    if (!before) throw new NotFoundError();
    const fields: Record<string, string> = {};
    if (!ROLES.includes(role)) fields.role = "Choose a role.";
    if (role === "manager" && !partnerId) fields.partnerId = "A cluster manager belongs to one partner organisation: choose it.";
    if (role === "applicant" && !companyId) fields.companyId = "An applicant belongs to a company: choose it.";
    if (Object.keys(fields).length) throw new ValidationError("The role could not be changed.", fields);
    await assertAffiliation(trx, role, partnerId, companyId);
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
