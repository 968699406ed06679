import { type Request, type Response, Router } from "express";
import { z } from "zod";
import { msg } from "../../domain/message";
import { type AppError, SignInFailedError } from "../../errors";
import { secondFactorRequired } from "../../domain/two-factor";
import { nowIso } from "../../services/platform/context";
import { authenticate } from "../../services/people/sign-in";
import { secondFactorState } from "../../services/people/two-factor-queries";
import { formRoute } from "../forms";
import { field, parseBody } from "../input";
import { pageTranslator } from "../language";
import { HOME_FOR_ROLE, sessionStep } from "../middleware";
import { refusalMessage } from "../error-text";

const loginSchema = z.object({
  email: field.name(msg("errors:fields.yourEmail"), 254),
  password: field.password(1),
});

export const publicRoutes = Router();

publicRoutes.get("/", (req, res) => {
  if (req.user) return res.redirect(303, HOME_FOR_ROLE[req.user.role]);
  res.render("pages/landing", { pageTitle: pageTranslator(res)("public:landing.pageTitle") });
});

publicRoutes.get("/login", (req, res) => {
  if (req.user) return res.redirect(303, HOME_FOR_ROLE[req.user.role]);
  res.render("pages/login", { pageTitle: pageTranslator(res)("public:login.pageTitle"), values: {} });
});

/**
 * Only the e-mail address typed is shown again. A throttled sign-in names no field but points the
 * summary at the e-mail address.
 */
const loginPage = {
  view: "pages/login",
  locals: (req: Request, err: AppError, res: Response) => {
    const pageTitle = pageTranslator(res)("public:login.pageTitle");
    const typed = (req.body as Record<string, unknown> | undefined)?.email;
    const values = { email: typeof typed === "string" ? typed.slice(0, 254) : "" };
    return err.status === 429
      ? { pageTitle, values, errors: undefined, errorSummary: [{ field: "email", message: refusalMessage(req, err) }] }
      : { pageTitle, values };
  },
};

publicRoutes.post("/login", formRoute(loginPage, async (req, res) => {
  const input = parseBody(loginSchema, req.body);
  const actor = await authenticate(req.ctx, input.email, input.password, req.ip ?? "unknown");
  if (!actor) throw new SignInFailedError();
  const returnTo = req.session.returnTo;
  // A new session id at login prevents session fixation.
  await sessionStep((done) => req.session.regenerate(done));
  const { enrolled } = await secondFactorState(req.ctx.db, actor.id);
  if (enrolled || secondFactorRequired(actor.role)) {
    // Not signed in yet: the session knows whose code to ask for, and nothing else.
    req.session.pendingSignIn = { userId: actor.id, at: nowIso(req.ctx), returnTo };
    res.redirect(303, enrolled ? "/login/code" : "/two-factor/setup");
    return;
  }
  await sessionStep((done) => req.login(actor, done));
  const target = returnTo && returnTo.startsWith("/") && !returnTo.startsWith("//") ? returnTo : HOME_FOR_ROLE[actor.role];
  res.redirect(303, target);
}));

publicRoutes.post("/logout", (req, res, next) => {
  req.logout((err) => {
    if (err) return next(err);
    req.session.destroy(() => {
      res.clearCookie("vd.sid");
      res.redirect(303, "/login?signed-out=1");
    });
  });
});
