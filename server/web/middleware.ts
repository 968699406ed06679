import type { NextFunction, Request, RequestHandler, Response } from "express";
import { msg, orList } from "../domain/message";
import { ForbiddenError, UnauthenticatedError } from "../errors";
import { pageText } from "./error-text";
import { secondFactorRequired } from "../domain/two-factor";
import type { UserRole } from "../services/platform/context";
import { lastStored, noteLoaded, sessionData } from "./session-store";

export const HOME_FOR_ROLE: Record<UserRole, string> = {
  applicant: "/applicant",
  manager: "/manager",
  finance: "/finance",
  admin: "/admin",
};

/**
 * A session between password and second factor (or a staff account whose session has not given
 * one, such as a role granted since it signed in) reaches nothing but the code pages: a page
 * asked for is remembered and opened once the code is given.
 */
function toSecondFactor(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== "GET") return next(new ForbiddenError(msg("errors:web.finishSecondFactor"), "second_factor_required"));
  if (req.session.pendingSignIn) req.session.pendingSignIn.returnTo = req.originalUrl;
  else req.session.returnTo = req.originalUrl;
  res.redirect(303, "/login/code");
}

export function secondFactorOutstanding(req: Request): boolean {
  return req.user ? secondFactorRequired(req.user.role) && !req.session.secondFactorAt : Boolean(req.session.pendingSignIn);
}

export const requireAuth: RequestHandler = (req, res, next) => {
  if (secondFactorOutstanding(req)) return toSecondFactor(req, res, next);
  if (req.user) return next();
  if (req.method === "GET") {
    req.session.returnTo = req.originalUrl;
    req.session.flash = [{ kind: "info", message: pageText(req, msg("errors:web.signInToContinue")) }];
    return res.redirect(303, "/login");
  }
  next(new ForbiddenError(msg("errors:web.sessionEnded"), "session_expired"));
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
      const forRoles = orList(roles.map(roleName));
      next(new ForbiddenError(req.user
        ? msg("errors:web.roleOnlySignedIn", { roles: forRoles, role: roleName(req.user.role) })
        : msg("errors:web.roleOnly", { roles: forRoles })));
    });
}

function roleName(r: UserRole) {
  return {
    applicant: msg("errors:web.role.applicant"), manager: msg("errors:web.role.manager"),
    finance: msg("errors:web.role.finance"), admin: msg("errors:web.role.admin"),
  }[r];
}

/** The signed-in user of a route behind requireAuth or requireRole. */
export function signedIn(req: Request): Express.User {
  if (!req.user) throw new UnauthenticatedError();
  return req.user;
}

/** A callback-style session step (regenerate, login) as a promise, so a route can await it. */
export function sessionStep(step: (done: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => step((err) => (err ? reject(err instanceof Error ? err : new Error("The session could not be updated.", { cause: err })) : resolve())));
}

export function flash(req: Request, kind: "success" | "info" | "error", message: string): void {
  req.session.flash = [...(req.session.flash ?? []), { kind, message }];
}

type FlashMessages = NonNullable<Request["session"]["flash"]>;

/**
 * The messages waiting for the next page, for the layout. They leave the session only when a page
 * is rendered and reads them: a redirect, a download or a request of the browser's own answered in
 * between leaves them for the page they were meant for.
 */
export function pendingFlash(req: Request): () => FlashMessages {
  let taken: FlashMessages | undefined;
  return () => {
    if (!taken) {
      taken = req.session.flash ?? [];
      if (req.session.flash) delete req.session.flash;
    }
    return taken;
  };
}

const EMPTY_SESSION = "{}";

/**
 * express-session sends a response's headers before the changed session is stored, holding back
 * only the last byte of the body. A browser follows a redirect on its headers alone, so the page
 * it leads to could load the session as it was before the form: without the message the form
 * left for it, or the form kept for after a second-factor code. A redirect therefore waits until
 * a session changed by its request is stored; a session as it was loaded or last stored is not
 * written again.
 */
export function storeSessionBeforeRedirect(req: Request, res: Response, next: NextFunction): void {
  noteLoaded(req.session);
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = (...args: unknown[]) => {
    if (!req.session) return redirect(...args);
    // A session regenerated since (signing in or out) and not stored yet started out empty.
    if (sessionData(req.session) === (lastStored(req.session) ?? EMPTY_SESSION)) return redirect(...args);
    req.session.save((err?: unknown) => {
      // The request's work is committed by now: a page saying it failed would be wrong, and the
      // form sent again could do it twice. The page it leads to may miss its message.
      if (err) req.log.warn({ err }, "session not stored before a redirect");
      redirect(...args);
    });
  };
  next();
}

/** Record ids in the path are read by the input layer. */
export { idParam } from "./input";
