import { Router } from "express";
import { z } from "zod";
import { AppError, TooManyRequestsError } from "../../errors";
import { authenticate } from "../../services/people/users";
import { parseForm, renderFormError } from "../forms";
import { field } from "../input";
import { handle, HOME_FOR_ROLE } from "../middleware";

const loginSchema = z.object({
  email: field.name("your e-mail address", 254),
  password: field.password(1),
});

export const publicRoutes = Router();

publicRoutes.get("/", (req, res) => {
  if (req.user) return res.redirect(303, HOME_FOR_ROLE[req.user.role]);
  res.render("pages/landing", { pageTitle: "Innovation vouchers for life-science SMEs" });
});

publicRoutes.get("/login", (req, res) => {
  if (req.user) return res.redirect(303, HOME_FOR_ROLE[req.user.role]);
  res.render("pages/login", { pageTitle: "Sign in", values: {} });
});

publicRoutes.post("/login", handle(async (req, res, next) => {
  const typed = (req.body as Record<string, unknown> | undefined)?.email;
  const values = { email: typeof typed === "string" ? typed.slice(0, 254) : "" };
  try {
    const input = parseForm(loginSchema, req.body);
    const actor = await authenticate(req.ctx, input.email, input.password, req.ip ?? "unknown");
    if (!actor) {
      res.status(401).render("pages/login", {
        pageTitle: "Sign in", values,
        errorMessage: "The e-mail address or password is not right. Check both and try again.",
        errorSummary: [{ field: "email", message: "The e-mail address or password is not right." }],
        errors: { email: "The e-mail address or password is not right." },
      });
      return;
    }
    const returnTo = req.session.returnTo;
    // A new session id at login prevents session fixation.
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.login(actor, (err2) => {
        if (err2) return next(err2);
        const target = returnTo && returnTo.startsWith("/") && !returnTo.startsWith("//") ? returnTo : HOME_FOR_ROLE[actor.role];
        req.session.save(() => res.redirect(303, target));
      });
    });
  } catch (err) {
    if (err instanceof AppError && err.status === 429) {
      if (err instanceof TooManyRequestsError && err.retryAfterSeconds) res.set("Retry-After", String(err.retryAfterSeconds));
      res.status(429).render("pages/login", { pageTitle: "Sign in", values, errorMessage: err.message, errorSummary: [{ field: "email", message: err.message }] });
      return;
    }
    renderFormError(res, err, "pages/login", { pageTitle: "Sign in", values });
  }
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
