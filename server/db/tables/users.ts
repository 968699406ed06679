import type { UserRole } from "../../services/platform/context";
import type { UsersRow } from "./rows";
import { dbBool } from "./values";

/** The values the `role` column may hold. */
export const USER_ROLES = ["applicant", "manager", "finance", "admin"] as const satisfies readonly UserRole[];

export function toUserRole(value: string): UserRole {
  const role = USER_ROLES.find((r) => r === value);
  if (!role) throw new Error(`users.role holds an unknown role: ${value}`);
  return role;
}

/** A user as the application sees it; the password hash never leaves the sign-in check. */
export interface User {
  id: number;
  email: string;
  name: string;
  title: string | null;
  role: UserRole;
  companyId: number | null;
  partnerId: number | null;
  active: boolean;
  emailConfirmedAt: string | null;
  createdAt: string;
}

export function toUser(row: Omit<UsersRow, "password_hash">): User {
  return {
    id: row.id, email: row.email, name: row.name, title: row.title, role: toUserRole(row.role),
    companyId: row.company_id, partnerId: row.partner_id, active: dbBool(row.active),
    emailConfirmedAt: row.email_confirmed_at, createdAt: row.created_at,
  };
}
