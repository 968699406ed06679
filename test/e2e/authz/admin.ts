import type { AuthzCase } from "./types";

export const cases: AuthzCase[] = [
  { method: "GET", path: "/", allow: ["anonymous", "applicant", "manager", "finance", "admin"] },
  { method: "GET", path: "/login", allow: ["anonymous", "applicant", "manager", "finance", "admin"] },
  { method: "POST", path: "/login", allow: ["anonymous", "applicant", "manager", "finance", "admin"] },
  { method: "POST", path: "/logout", allow: ["anonymous", "applicant", "manager", "finance", "admin"], endsSession: true },
  { method: "GET", path: "/healthz", allow: ["anonymous", "applicant", "manager", "finance", "admin"] },
  { method: "GET", path: "/applicant", allow: ["applicant"] },
  { method: "GET", path: "/manager", allow: ["manager", "admin"] },
  { method: "GET", path: "/finance", allow: ["finance"] },
  { method: "GET", path: "/admin", allow: ["admin"] },
  { method: "GET", path: "/admin/users", allow: ["admin"] },
  { method: "GET", path: "/admin/users/new", allow: ["admin"] },
  { method: "POST", path: "/admin/users", allow: ["admin"] },
  { method: "POST", path: "/admin/users/999/active", allow: ["admin"] },
  { method: "POST", path: "/admin/users/999/role", allow: ["admin"] },
  { method: "GET", path: "/admin/audit", allow: ["admin"] },
  { method: "GET", path: "/admin/regions", allow: ["admin"] },
  { method: "GET", path: "/admin/regions/1", allow: ["admin"] },
  { method: "POST", path: "/admin/regions/1", allow: ["admin"] },
  { method: "GET", path: "/admin/scheme", allow: ["admin"] },
  { method: "POST", path: "/admin/scheme", allow: ["admin"] },
];
