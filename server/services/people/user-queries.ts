import type { Knex } from "knex";
import type { Db } from "../../db/connection";
import type { CompaniesRow, PartnersRow, UsersRow } from "../../db/tables/rows";
import { toUser, toUserRole, type User } from "../../db/tables/users";
import { dbInt } from "../../db/tables/values";
import { toLanguage } from "../../languages";
import type { Actor, UserRole } from "../platform/context";
import { whereSearchKeyHolds } from "../platform/text-search";
import { columnCursor, keysetPage, type KeysetPage, type PageKeys } from "../platform/keyset";
import { usersWithSecondFactor } from "./two-factor-queries";

/*
 * Reading users: the signed-in actor (every request), the administrator's user list and the
 * options of the user forms. The use cases that change users are in ./users.ts.
 */

type ActorRow = Pick<UsersRow, "id" | "email" | "name" | "role" | "company_id" | "partner_id" | "active" | "language"> & {
  partner_region_id: PartnersRow["region_id"] | null;
  company_region_id: CompaniesRow["region_id"];
  partner_language: PartnersRow["default_language"] | null;
  company_partner_language: PartnersRow["default_language"] | null;
};

/** The active user with the region they act for (a manager's partner's, an applicant's company's); null when inactive or gone. */
export async function loadActor(db: Db, userId: number): Promise<Actor | null> {
  const row = await db("users")
    .leftJoin("partners", "partners.id", "users.partner_id")
    .leftJoin("companies", "companies.id", "users.company_id")
    // An applicant's partner organisation is the one of the company's region.
    .leftJoin("partners as cp", "cp.region_id", "companies.region_id")
    .where("users.id", userId)
    .first<ActorRow | undefined>(
      "users.id", "users.email", "users.name", "users.role", "users.company_id", "users.partner_id",
      "users.active", "users.language", "partners.region_id as partner_region_id", "companies.region_id as company_region_id",
      "partners.default_language as partner_language", "cp.default_language as company_partner_language",
    );
  if (!row || !row.active) return null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: toUserRole(row.role),
    companyId: row.company_id,
    partnerId: row.partner_id,
    regionId: row.partner_region_id ?? row.company_region_id ?? null,
    language: toLanguage(row.language),
    partnerLanguage: toLanguage(row.partner_language ?? row.company_partner_language),
  };
}

export interface UserListRow extends Pick<User, "id" | "email" | "name" | "role" | "active"> {
  partnerName: string | null;
  companyName: string | null;
  /** A confirmed second factor. */
  secondFactor: boolean;
}

type UserListDbRow = Omit<UsersRow, "password_hash"> & { partner_name: PartnersRow["name"] | null; company_name: CompaniesRow["legal_name"] | null };

/** What the administrator narrows the user list to; every part is optional. */
export interface UserListFilter {
  role?: UserRole;
  /** Part of the name or the e-mail address, any letter case. */
  search?: string;
}

export interface UserListPage extends KeysetPage<UserListRow> { total: number }

/** Accounts a page of the user list shows. */
export const USERS_PER_PAGE = 50;

/**
 * The administrator's user list, by e-mail address, a page at a time from the address the page
 * link carries: a programme has thousands of applicant accounts.
 */
export async function listUsers(db: Db, f: UserListFilter, keys: PageKeys = {}, pageSize = USERS_PER_PAGE): Promise<UserListPage> {
  const filtered = <Q extends Knex.QueryBuilder>(q: Q): Q => {
    if (f.role) void q.where("users.role", f.role);
    // The name and address as searched, accents and case aside, on both databases alike.
    return whereSearchKeyHolds(q, "users.search_key", f.search);
  };
  const counted = await filtered(db("users")).count<{ n: number | string }[]>({ n: "*" });
  const listed = filtered(db("users")
    .leftJoin("partners", "partners.id", "users.partner_id")
    .leftJoin("companies", "companies.id", "users.company_id")
    .select<UserListDbRow[]>("users.id", "users.email", "users.name", "users.title", "users.role", "users.company_id", "users.partner_id",
      "users.active", "users.email_confirmed_at", "users.created_at", "partners.name as partner_name", "companies.legal_name as company_name"));
  const page = await keysetPage(listed, ["users.email"], columnCursor(keys.after, keys.before), pageSize, (r: UserListDbRow): Omit<UserListRow, "secondFactor"> => {
    const u = toUser(r);
    return { id: u.id, email: u.email, name: u.name, role: u.role, active: u.active, partnerName: r.partner_name, companyName: r.company_name };
  }, (u) => u.email);
  const enrolled = await usersWithSecondFactor(db, page.rows.map((u) => u.id));
  return { ...page, rows: page.rows.map((u) => ({ ...u, secondFactor: enrolled.has(u.id) })), total: dbInt(counted[0]?.n) };
}

/** How many of each main record the installation holds, for the administrator's overview. */
export async function installationCounts(db: Db): Promise<{ users: number; companies: number; calls: number; applications: number }> {
  const count = async (table: "users" | "companies" | "calls" | "applications") => dbInt((await db(table).count({ n: "*" }).first())?.n);
  return { users: await count("users"), companies: await count("companies"), calls: await count("calls"), applications: await count("applications") };
}

