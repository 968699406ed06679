import { type Request, Router } from "express";
import { z } from "zod";
import { pendingSignInAlive, secondFactorRequired, TOTP } from "../../domain/two-factor";
import { msg } from "../../domain/message";
import { type AppError, ForbiddenError } from "../../errors";
import type { Actor } from "../../services/platform/context";
import { nowIso } from "../../services/platform/context";
import { confirmEnrolment, disableSecondFactor, enrolmentFor, resetSecondFactor, verifySecondFactor } from "../../services/people/two-factor";
import { secondFactorState } from "../../services/people/two-factor-queries";
import { loadActor } from "../../services/people/user-queries";
import { formRoute } from "../forms";
import { field, parseBody } from "../input";
import { flash, HOME_FOR_ROLE, idParam, requireAuth, requireRole, secondFactorOutstanding, sessionStep, signedIn } from "../middleware";
import { pageTranslator } from "../language";
import { requestTranslator } from "../request-translator";
import { requireFreshSecondFactor } from "../step-up";
import { userListAddress } from "./admin";

/*
 * Two-factor sign-in pages: the code asked after the password (/login/code), enrolment
 * (/two-factor/setup, at the first sign-in of a staff account or by an applicant who chooses it),
 * the account's own page, the step-up page and an administrator's reset. A session between
 * password and code holds only `pendingSignIn` (no signed-in user), so every other page refuses it
 * (server/web/middleware.ts requireAuth sends it here).
 */
export const twoFactorRoutes = Router();

const codeSchema = z.object({ code: field.name(msg("errors:fields.code"), 40) });

function ip(req: Request): string {
  return req.ip ?? "unknown";
}

function safeLocalPath(p: string | undefined): string | undefined {
  return p && p.startsWith("/") && !p.startsWith("//") ? p : undefined;
}

/** Whose code this session is asking for: a pending sign-in, or a signed-in staff account that has not given one. */
async function signInInProgress(req: Request): Promise<Actor | null> {
  const pending = req.session.pendingSignIn;
  if (pending) {
    if (!pendingSignInAlive(pending.at, req.ctx.now())) {
      delete req.session.pendingSignIn;
      flash(req, "info", requestTranslator(req)("account:flash.signInTooSlow", { minutes: TOTP.pendingSignInMinutes }));
      return null;
    }
    return loadActor(req.ctx.db, pending.userId);
  }
  return req.user && secondFactorOutstanding(req) ? req.user : null;
}

/** The code was right: a new session id, signed in, the second factor fresh. Returns where to go. */
async function finishSignIn(req: Request, actor: Actor): Promise<string> {
  const returnTo = safeLocalPath(req.session.pendingSignIn?.returnTo ?? req.session.returnTo);
  await sessionStep((done) => req.session.regenerate(done));
  await sessionStep((done) => req.login(actor, done));
  req.session.secondFactorAt = nowIso(req.ctx);
  return returnTo ?? HOME_FOR_ROLE[actor.role];
}

// ---------------------------------------------------------------------------------------------
// The code after the password
// ---------------------------------------------------------------------------------------------

const signInCodeLocals = (req: Request) => ({ pageTitle: requestTranslator(req)("account:titles.enterCode"), action: "/login/code", signingIn: true, values: {} });

twoFactorRoutes.get("/login/code", async (req, res) => {
  const actor = await signInInProgress(req);
  if (!actor) return res.redirect(303, req.user ? HOME_FOR_ROLE[req.user.role] : "/login");
  if (!(await secondFactorState(req.ctx.db, actor.id)).enrolled) return res.redirect(303, "/two-factor/setup");
  res.render("pages/account/two-factor-code", signInCodeLocals(req));
});

twoFactorRoutes.post("/login/code", formRoute({ view: "pages/account/two-factor-code", locals: signInCodeLocals }, async (req, res) => {
  const actor = await signInInProgress(req);
  if (!actor) throw new ForbiddenError(msg("errors:web.signInEnded"), "session_expired");
  const input = parseBody(codeSchema, req.body, msg("errors:people.codeNotAccepted"));
  const result = await verifySecondFactor(req.ctx, actor.id, input.code, ip(req), "sign-in");
  const target = await finishSignIn(req, actor);
  if (result.usedRecoveryCode) {
    const { recoveryCodesLeft } = await secondFactorState(req.ctx.db, actor.id);
    flash(req, "info", pageTranslator(res)("account:flash.recoveryCodeUsed", { count: recoveryCodesLeft }));
  }
  res.redirect(303, target);
}));

// ---------------------------------------------------------------------------------------------
// Enrolment
// ---------------------------------------------------------------------------------------------

/** Who is setting up a second factor: a sign-in in progress, or a signed-in applicant choosing it. */
async function enrolling(req: Request): Promise<{ actor: Actor; signingIn: boolean } | null> {
  const inProgress = await signInInProgress(req);
  if (inProgress) return { actor: inProgress, signingIn: true };
  if (req.user?.role === "applicant") return { actor: req.user, signingIn: false };
  return null;
}

async function setupLocals(req: Request, who: { actor: Actor; signingIn: boolean }) {
  const kept = req.session.twoFactorSetup?.userId === who.actor.id ? req.session.twoFactorSetup.sealed : undefined;
  const { sealed, ...enrolment } = await enrolmentFor(req.ctx, who.actor, kept);
  req.session.twoFactorSetup = { userId: who.actor.id, sealed };
  return {
    pageTitle: requestTranslator(req)("account:titles.setup"),
    enrolment,
    signingIn: who.signingIn,
    required: secondFactorRequired(who.actor.role),
    values: {},
  };
}

twoFactorRoutes.get("/two-factor/setup", async (req, res) => {
  const who = await enrolling(req);
  if (!who) return res.redirect(303, req.user ? "/account/two-factor" : "/login");
  if ((await secondFactorState(req.ctx.db, who.actor.id)).enrolled) return res.redirect(303, who.signingIn ? "/login/code" : "/account/two-factor");
  const locals = await setupLocals(req, who);
  res.set("Cache-Control", "no-store");
  req.session.save(() => res.render("pages/account/two-factor-setup", locals));
});

twoFactorRoutes.post("/two-factor/setup", formRoute({
  view: "pages/account/two-factor-setup",
  locals: async (req: Request, err: AppError) => {
    const who = await enrolling(req);
    if (!who || err.status === 409) throw err;
    return setupLocals(req, who);
  },
}, async (req, res) => {
  const who = await enrolling(req);
  if (!who) throw new ForbiddenError(msg("errors:web.signInFirst"), "session_expired");
  const input = parseBody(codeSchema, req.body, msg("errors:people.codeNotAccepted"));
  const setup = req.session.twoFactorSetup;
  const codes = await confirmEnrolment(req.ctx, who.actor.id, setup?.userId === who.actor.id ? setup.sealed : undefined, input.code, ip(req), req.sessionID);
  delete req.session.twoFactorSetup;
  let continueTo = "/account/two-factor";
  if (who.signingIn) continueTo = await finishSignIn(req, who.actor);
  else req.session.secondFactorAt = nowIso(req.ctx);
  // The recovery codes exist in plain text only in this answer: never stored, never cached.
  res.set("Cache-Control", "no-store");
  req.session.save(() => res.render("pages/account/two-factor-recovery-codes", { pageTitle: pageTranslator(res)("account:titles.recoveryCodes"), codes, continueTo }));
}));

// ---------------------------------------------------------------------------------------------
// The account's own page
// ---------------------------------------------------------------------------------------------

async function accountLocals(req: Request) {
  const user = signedIn(req);
  const state = await secondFactorState(req.ctx.db, user.id);
  return {
    pageTitle: requestTranslator(req)("account:titles.twoFactor"),
    state,
    required: secondFactorRequired(user.role),
    canDisable: state.enrolled && user.role === "applicant",
    values: {},
  };
}

twoFactorRoutes.get("/account/two-factor", requireAuth, async (req, res) => {
  res.render("pages/account/two-factor", await accountLocals(req));
});

twoFactorRoutes.post("/account/two-factor/disable", requireRole("applicant"), formRoute({ view: "pages/account/two-factor", locals: accountLocals }, async (req, res) => {
  const input = parseBody(codeSchema, req.body, msg("errors:fieldChecks.twoFactorNotOff"));
  await disableSecondFactor(req.ctx, signedIn(req).id, signedIn(req).role, input.code, ip(req), req.sessionID);
  delete req.session.secondFactorAt;
  flash(req, "success", pageTranslator(res)("account:flash.twoFactorOff"));
  res.redirect(303, "/account/two-factor");
}));

// ---------------------------------------------------------------------------------------------
// Step-up
// ---------------------------------------------------------------------------------------------

function stepUpLocals(req: Request) {
  return {
    pageTitle: requestTranslator(req)("account:titles.stepUp"),
    action: "/step-up",
    stepUpMinutes: req.ctx.config.stepUpMinutes ?? TOTP.stepUpMinutes,
    values: {},
  };
}

twoFactorRoutes.get("/step-up", requireAuth, async (req, res) => {
  const user = signedIn(req);
  if (!(await secondFactorState(req.ctx.db, user.id)).enrolled) return res.redirect(303, HOME_FOR_ROLE[user.role]);
  res.render("pages/account/two-factor-code", stepUpLocals(req));
});

twoFactorRoutes.post("/step-up", requireAuth, formRoute({ view: "pages/account/two-factor-code", locals: stepUpLocals }, async (req, res) => {
  const user = signedIn(req);
  const input = parseBody(codeSchema, req.body, msg("errors:people.codeNotAccepted"));
  await verifySecondFactor(req.ctx, user.id, input.code, ip(req), "step-up");
  req.session.secondFactorAt = nowIso(req.ctx);
  const interrupted = req.session.stepUp;
  if (!interrupted) return res.redirect(303, HOME_FOR_ROLE[user.role]);
  if (interrupted.method === "GET") {
    delete req.session.stepUp;
    return res.redirect(303, safeLocalPath(interrupted.url) ?? HOME_FOR_ROLE[user.role]);
  }
  res.redirect(303, "/step-up/continue");
}));

twoFactorRoutes.get("/step-up/continue", requireAuth, (req, res) => {
  const user = signedIn(req);
  const interrupted = req.session.stepUp;
  const action = safeLocalPath(interrupted?.url);
  if (!interrupted || interrupted.method !== "POST" || !action) return res.redirect(303, HOME_FOR_ROLE[user.role]);
  delete req.session.stepUp;
  const fields = Object.entries(interrupted.fields ?? {}).flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ name, value })));
  res.set("Cache-Control", "no-store");
  req.session.save(() => res.render("pages/account/step-up-continue", { pageTitle: pageTranslator(res)("account:titles.stepUpContinue"), action, fields }));
});

// ---------------------------------------------------------------------------------------------
// An administrator's reset
// ---------------------------------------------------------------------------------------------

twoFactorRoutes.post("/admin/users/:id/two-factor/reset", requireRole("admin"), requireFreshSecondFactor, async (req, res) => {
  await resetSecondFactor(req.ctx, idParam(req));
  flash(req, "success", pageTranslator(res)("account:flash.secondFactorReset"));
  res.redirect(303, userListAddress(req.body));
});
