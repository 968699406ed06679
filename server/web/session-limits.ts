import type { RequestHandler } from "express";
import type { SessionLimits } from "../config";
import { sessionEnded } from "../domain/sessions";
import { renderText } from "../i18n/messages";
import { requestLanguage } from "./language";
import { TOUCH_INTERVAL_MS } from "./session-store";

/** The user agent is kept only to name the device on the sessions page. */
const USER_AGENT_MAX = 300;

/**
 * Ends a signed-in session that has been idle too long or has reached its maximum age, and keeps
 * the times that decision needs in the session. The last activity is written at most once per
 * TOUCH_INTERVAL_MS, the same interval in which the store writes the row anyway, so a signed-in
 * page view still costs no extra write; the idle limit is therefore kept to within a minute.
 */
export function sessionLimits(limits: SessionLimits, clock: () => Date): RequestHandler {
  return (req, res, next) => {
    const user = req.user;
    if (!user) return next();
    const now = clock().getTime();
    const seen = req.session.activity;
    const ip = req.ip ?? "";
    if (!seen) {
      req.session.activity = { signedInAt: now, lastSeenAt: now, ip, userAgent: (req.get("user-agent") ?? "").slice(0, USER_AGENT_MAX) };
      return next();
    }
    const ended = sessionEnded(seen, user.role, now, limits);
    if (ended) {
      const returnTo = req.method === "GET" ? req.originalUrl : undefined;
      // In the language of the user being signed out: their saved choice is gone after logout.
      const message = renderText(requestLanguage(req), ended.message);
      // passport's logout starts a new, empty session: the message and the way back go there.
      req.logout((err) => {
        if (err) return next(err);
        req.session.flash = [{ kind: "info", message }];
        if (returnTo) req.session.returnTo = returnTo;
        res.redirect(303, "/login");
      });
      return;
    }
    if (now - seen.lastSeenAt >= TOUCH_INTERVAL_MS) {
      seen.lastSeenAt = now;
      seen.ip = ip;
    }
    next();
  };
}
