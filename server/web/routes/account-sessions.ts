import { Router } from "express";
import { z } from "zod";
import { msg } from "../../domain/message";
import { changeOwnPassword } from "../../services/people/password";
import { listOwnSessions, signOutOtherSessions, signOutSession } from "../../services/people/sessions";
import { formRoute } from "../forms";
import { check, field, parseBody } from "../input";
import { pageTranslator } from "../language";
import { flash, requireAuth } from "../middleware";
import { requestTranslator } from "../request-translator";

/** A signed-in person's own sessions and password, whatever their role. */
export const accountSessionRoutes = Router();

accountSessionRoutes.get("/account/sessions", requireAuth, async (req, res) => {
  const sessions = await listOwnSessions(req.ctx, req.sessionID);
  res.render("pages/account/sessions", { pageTitle: pageTranslator(res)("account:titles.sessions"), sessions, others: sessions.filter((s) => !s.current).length });
});

accountSessionRoutes.post("/account/sessions/others", requireAuth, async (req, res) => {
  const ended = await signOutOtherSessions(req.ctx, req.sessionID);
  flash(req, "success", ended === 0 ? pageTranslator(res)("account:flash.noOtherSessions") : pageTranslator(res)("account:flash.othersSignedOut", { count: ended }));
  res.redirect(303, "/account/sessions");
});

const endSchema = z.object({
  session: field.name(msg("errors:fields.session"), 64).refine((s) => /^[0-9a-f]{24}$/.test(s), check(msg("errors:fieldChecks.chooseSession"))),
});

accountSessionRoutes.post("/account/sessions/end", requireAuth, formRoute({
  view: "pages/account/sessions",
  locals: async (req) => {
    const sessions = await listOwnSessions(req.ctx, req.sessionID);
    return { pageTitle: requestTranslator(req)("account:titles.sessions"), sessions, others: sessions.filter((s) => !s.current).length };
  },
}, async (req, res) => {
  await signOutSession(req.ctx, req.sessionID, parseBody(endSchema, req.body).session);
  flash(req, "success", pageTranslator(res)("account:flash.sessionSignedOut"));
  res.redirect(303, "/account/sessions");
}));

accountSessionRoutes.get("/account/password", requireAuth, (_req, res) => {
  res.render("pages/account/password", { pageTitle: pageTranslator(res)("account:titles.password"), values: {} });
});

const passwordSchema = z.object({
  currentPassword: field.password(1),
  newPassword: field.password(1),
});

accountSessionRoutes.post("/account/password", requireAuth, formRoute({
  view: "pages/account/password",
  // No password typed is sent back.
  locals: (req) => ({ pageTitle: requestTranslator(req)("account:titles.password"), values: {} }),
}, async (req, res) => {
  const input = parseBody(passwordSchema, req.body);
  const ended = await changeOwnPassword(req.ctx, req.sessionID, input.currentPassword, input.newPassword);
  flash(req, "success", ended > 0 ? pageTranslator(res)("account:flash.passwordChangedOthers", { count: ended }) : pageTranslator(res)("account:flash.passwordChanged"));
  res.redirect(303, "/account/sessions");
}));
