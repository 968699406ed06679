import type { RequestHandler } from "express";
import { stepUpFresh, TOTP } from "../domain/two-factor";

/*
 * Step-up: paying, preparing or executing a SEPA batch and changing roles need a second factor
 * given within the last few minutes (config.stepUpMinutes). Otherwise the request is kept in the
 * session and the user is sent to the step-up page; once the code is given, a GET continues
 * straight away and a form is shown again, filled in as sent, to be submitted with one click.
 */

/** Form fields worth keeping: everything but the CSRF token, which the resumed form gets afresh. */
function keptFields(body: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!body || typeof body !== "object") return out;
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === "_csrf") continue;
    if (typeof v === "string") out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === "string");
  }
  return out;
}

export const requireFreshSecondFactor: RequestHandler = (req, res, next) => {
  const minutes = req.ctx.config.stepUpMinutes ?? TOTP.stepUpMinutes;
  if (stepUpFresh(req.session.secondFactorAt, req.ctx.now(), minutes)) return next();
  req.session.stepUp = req.method === "GET"
    ? { method: "GET", url: req.originalUrl }
    : { method: "POST", url: req.originalUrl, fields: keptFields(req.body) };
  res.redirect(303, "/step-up");
};
