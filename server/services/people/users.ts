import { hash } from "@node-rs/argon2";
import { leavesNoAdministrator } from "../../domain/accounts";
import { ConflictError, NotFoundError, ValidationError } from "../../errors";
import { isPostgres } from "../../db/connection";
import { USER_ROLES } from "../../db/tables/users";
import { audit } from "../platform/audit";
import type { ServiceContext, Trx, UserRole } from "../platform/context";
import { inTransaction, insertedId, nowIso } from "../platform/context";
import { endSessionsOfUser } from "./sessions";

/*
 * Accounts: the use cases that create and change users, each in one transaction with its audit
 * entry. Reading users (the signed-in actor, the user list) is in ./user-queries.ts, signing in
 * in ./sign-in.ts.
 */

export const ROLES: readonly UserRole[] = USER_ROLES;
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
export async function insertUser(trx: Trx, ctx: ServiceContext, input: NewUser): Promise<number> {
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
async function assertAffiliation(db: Trx, role: UserRole, partnerId: number | null | undefined, companyId: number | null | undefined): Promise<void> {
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
  if (isPostgres(trx)) void q.forUpdate();
  return (await q).map((r) => r.id);
}

function lastAdministrator(what: string): ConflictError {
  return new ConflictError(
    `${what}: this is the last active administrator, and without one nobody could manage users and settings. ` +
      "Make another user an administrator first.",
    "last_administrator",
  );
}

/** Ends every session of a user at once. */
export async function endSessions(trx: Trx, userId: number): Promise<void> {
  await endSessionsOfUser({ db: trx }, userId);
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
    if (!active) await endSessions(trx, userId);
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
