import { hash } from "@node-rs/argon2";
import { isPlainEmailAddress, leavesNoAdministrator, looksLikeDisplayName } from "../../domain/accounts";
import { msg, type Text } from "../../domain/message";
import { searchKey } from "../../domain/text-folding";
import { ConflictError, NotFoundError, ValidationError, type FieldTexts } from "../../errors";
import { isPostgres } from "../../db/connection";
import { USER_ROLES } from "../../db/tables/users";
import type { Language } from "../../languages";
import { audit } from "../platform/audit";
import { createOnce } from "../platform/form-keys";
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
  /** The language the person chose (at registration: the language the page was shown in). */
  language?: Language | null;
}

export function validateNewUser(input: NewUser): void {
  const fields: FieldTexts = {};
  // The one rule for every address stored (registration, invitation, administrators, seeding): a
  // plain addr-spec, so the address mail goes to is the one stored and shown.
  if (!isPlainEmailAddress(input.email.trim().toLowerCase())) {
    fields.email = msg(looksLikeDisplayName(input.email.trim()) ? "errors:input.emailPlainOnly" : "errors:input.emailFormat");
  }
  if (input.name.trim().length < 2) fields.name = msg("errors:people.fullName");
  if (input.password.length < MIN_PASSWORD_LENGTH) fields.password = msg("errors:input.passwordTooShort", { min: MIN_PASSWORD_LENGTH });
  if (!ROLES.includes(input.role)) fields.role = msg("errors:people.role");
  if (input.role === "manager" && !input.partnerId) fields.partnerId = msg("errors:people.managerPartner");
  if (input.role === "applicant" && !input.companyId) fields.companyId = msg("errors:people.applicantCompany");
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:people.userNotSaved"), fields);
}

/** Inserts a user inside the caller's transaction (also used by registration and seeding). */
export async function insertUser(trx: Trx, ctx: ServiceContext, input: NewUser): Promise<number> {
  validateNewUser(input);
  await assertAffiliation(trx, input.role, input.partnerId, input.companyId);
  const email = input.email.trim().toLowerCase();
  const existing = await trx("users").whereRaw("lower(email) = ?", [email]).first("id");
  if (existing) throw new ValidationError(msg("errors:people.userNotSaved"), { email: msg("errors:people.emailTaken") });
  const name = input.name.trim();
  const row = {
    email,
    name,
    search_key: searchKey(name, email),
    title: input.title ?? null,
    password_hash: await hashPassword(input.password),
    role: input.role,
    company_id: input.role === "applicant" ? input.companyId ?? null : null,
    partner_id: input.role === "manager" ? input.partnerId ?? null : null,
    active: true,
    email_confirmed_at: input.emailConfirmed ? nowIso(ctx) : null,
    created_at: nowIso(ctx),
    language: input.language ?? null,
  };
  const id = insertedId((await trx("users").insert(row).returning("id"))[0]);
  const { password_hash: _omit, search_key: _derived, ...visible } = row;
  await audit(trx, ctx, { action: "user.created", entityType: "user", entityId: id, after: visible });
  return id;
}

/** A user's partner or company chosen from a list must exist: a 422 beside the field, never a database error. */
async function assertAffiliation(db: Trx, role: UserRole, partnerId: number | null | undefined, companyId: number | null | undefined): Promise<void> {
  const fields: FieldTexts = {};
  if (role === "manager" && partnerId && !(await db("partners").where({ id: partnerId }).first("id"))) fields.partnerId = msg("errors:people.partnerFromList");
  if (role === "applicant" && companyId && !(await db("companies").where({ id: companyId }).first("id"))) fields.companyId = msg("errors:people.companyFromList");
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:people.userNotSaved"), fields);
}

/** `formKey` (formKeyOf) makes the form's second sending return the account the first one created, not "address taken". */
export async function createUser(ctx: ServiceContext, input: NewUser, formKey: string | null = null): Promise<number> {
  return inTransaction(ctx, (trx) => createOnce(trx, ctx, formKey, "user", { ...input, password: undefined }, () => insertUser(trx, ctx, input)));
}

/**
 * The active administrators, locked on PostgreSQL until the transaction ends: two administrators
 * demoting or deactivating each other at the same moment then take turns, and the second sees
 * the first one's change (SQLite's transactions already take turns).
 */
async function lockActiveAdministrators(trx: Trx): Promise<number[]> {
  const q = trx("users").where({ role: "admin", active: true }).orderBy("id").select("id");
  if (isPostgres(trx)) void q.forUpdate();
  return (await q).map((r) => r.id);
}

function lastAdministrator(what: Text): ConflictError {
  return new ConflictError(msg("errors:people.lastAdministrator", { what }), "last_administrator");
}

/** Ends every session of a user at once. */
export async function endSessions(trx: Trx, userId: number): Promise<void> {
  await endSessionsOfUser({ db: trx }, userId);
}

export async function setUserActive(ctx: ServiceContext, userId: number, active: boolean): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    if (ctx.actor?.id === userId && !active) throw new ConflictError(msg("errors:people.deactivateSelf"));
    // Locked before the user is read, so the check sees what the other transaction committed.
    const admins = active ? [] : await lockActiveAdministrators(trx);
    const before = await trx("users").where({ id: userId }).first("id", "email", "active", "role");
    if (!before) throw new NotFoundError();
    if (leavesNoAdministrator(admins, userId, { role: before.role, active })) throw lastAdministrator(msg("errors:people.notDeactivated"));
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
    const fields: FieldTexts = {};
    if (!ROLES.includes(role)) fields.role = msg("errors:people.role");
    if (role === "manager" && !partnerId) fields.partnerId = msg("errors:people.managerPartner");
    if (role === "applicant" && !companyId) fields.companyId = msg("errors:people.applicantCompany");
    if (Object.keys(fields).length) throw new ValidationError(msg("errors:people.roleNotChanged"), fields);
    await assertAffiliation(trx, role, partnerId, companyId);
    const admins = role === "admin" ? [] : await lockActiveAdministrators(trx);
    const before = await trx("users").where({ id: userId }).first("id", "role", "partner_id", "company_id");
    if (!before) throw new NotFoundError();
    if (leavesNoAdministrator(admins, userId, { role, active: true })) throw lastAdministrator(msg("errors:people.roleNotChangedHeadline"));
    const after = {
      role,
      partner_id: role === "manager" ? partnerId : null,
      company_id: role === "applicant" ? companyId : null,
    };
    await trx("users").where({ id: userId }).update(after);
    await audit(trx, ctx, { action: "user.role_changed", entityType: "user", entityId: userId, before, after });
  });
}
