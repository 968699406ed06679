import type { NextFunction, Request, RequestHandler, Response } from "express";
import { ForbiddenError } from "../errors";
import type { UserRole } from "../services/platform/context";

export const HOME_FOR_ROLE: Record<UserRole, string> = {
  applicant: "/applicant",
  manager: "/manager",
  finance: "/finance",
  admin: "/admin",
};

/** Wraps an async route so rejected promises reach the error handler. */
export function handle(fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown>): RequestHandler {
  return (req, res, next) => {
    fn(req, res, next).catch(next);
  };
}

export const requireAuth: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  if (req.method === "GET") {
    req.session.returnTo = req.originalUrl;
    req.session.flash = [{ kind: "info", message: "Please sign in to continue. If you were signed in before, your session has ended." }];
    return res.redirect(303, "/login");
  }
  next(new ForbiddenError("Your session has ended. Please sign in again and repeat what you were doing.", "session_expired"));
};

/**
 * Role check for a whole router. A signed-in user of another role gets 403 with the reason; the
 * record-level checks in services answer 404 so that ids of other companies or regions leak nothing.
 */
export function requireRole(...roles: UserRole[]): RequestHandler {
  return (req, res, next) =>
    requireAuth(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (req.user && roles.includes(req.user.role)) return next();
      next(new ForbiddenError(`This page is for ${roles.map(roleName).join(" or ")} accounts. You are signed in as ${roleName(req.user!.role)}.`));
    });
}

function roleName(r: UserRole): string {
  return { applicant: "SME applicant", manager: "cluster manager", finance: "finance officer", admin: "administrator" }[r];
}

export function flash(req: Request, kind: "success" | "info" | "error", message: string): void {
  req.session.flash = [...(req.session.flash ?? []), { kind, message }];
}

/** Record ids in the path are read by the input layer. */
export { idParam } from "./input";
