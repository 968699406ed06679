import { Router, type Request } from "express";
import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import { ValidationError, type FieldErrors } from "../../errors";
import { parseMoney, type Cents } from "../../domain/money";
import type { CompanyInput } from "../../services/companies";
import {
  acceptInvitation, companyProfile, confirmEmail, inviteColleague, registerApplicant, requestPasswordReset, resetPassword, updateCompanyProfile,
} from "../../services/registration";
import { listRegions, listSectors } from "../../services/reference";
import { loadActor } from "../../services/users";
import { renderFormError } from "../forms";
import { flash, handle, HOME_FOR_ROLE, requireRole } from "../middleware";

export const registrationRoutes = Router();

export const RELATION_ROWS = [0, 1, 2];
export const DE_MINIMIS_ROWS = [0, 1, 2];

type Body = Record<string, unknown>;
const str = (b: Body, k: string) => (typeof b[k] === "string" ? (b[k] as string).trim() : "");

function money(b: Body, k: string, fields: FieldErrors, required: boolean): Cents | null {
  const raw = str(b, k);
  if (raw === "") {
    if (required) fields[k] = "Enter the amount in euros, for example 2.100.000,00 or 2100000.";
    return null;
  }
  const r = parseMoney(raw, { allowZero: true, maxCents: 100_000_000_000_000 });
  if (!r.ok) { fields[k] = r.reason; return null; }
  return r.cents;
}

function count(b: Body, k: string, fields: FieldErrors, label: string): number {
  const raw = str(b, k);
  if (!/^\d{1,7}$/.test(raw)) { fields[k] = `Enter ${label} as a whole number, for example 12.`; return 0; }
  return Number(raw);
}

/** Reads the company part of the registration and profile forms (money through parseMoney, R1). */
export function parseCompanyForm(b: Body): CompanyInput {
  const fields: FieldErrors = {};
  const id = (k: string) => (/^\d+$/.test(str(b, k)) ? Number(str(b, k)) : null);
  const input: CompanyInput = {
    legalName: str(b, "legalName"), vatNumber: str(b, "vatNumber"), address: str(b, "address"), country: str(b, "country").toUpperCase(),
    regionId: id("regionId"), sectorId: id("sectorId"),
    staffHeadcount: count(b, "staffHeadcount", fields, "the staff headcount"),
    turnoverCents: money(b, "turnover", fields, true) ?? 0, balanceSheetCents: money(b, "balanceSheet", fields, true) ?? 0,
    iban: str(b, "iban") || null, accountHolder: str(b, "accountHolder") || null, relations: [], deMinimis: [],
  };
  // Checked again by the service; here so that every answer's problem is shown at once.
  if (input.iban && !isValidIBAN(electronicFormatIBAN(input.iban) ?? "")) fields.iban = "This IBAN is not valid: check the country code, the check digits and the length.";
  for (const i of RELATION_ROWS) {
    const p = `rel${i}_`;
    if (!str(b, p + "name") && !str(b, p + "share")) continue;
    if (!str(b, p + "name")) fields[p + "name"] = `Enterprise ${i + 1}: enter its name.`;
    const kind = str(b, p + "kind") === "linked" ? "linked" : "partner";
    const share = str(b, p + "share");
    if (!/^\d{1,3}([.,]\d{1,2})?$/.test(share)) fields[p + "share"] = `Enterprise ${i + 1}: enter the share in per cent, for example 30.`;
    input.relations.push({
      name: str(b, p + "name"), kind, sharePercent: share.replace(",", "."), staffHeadcount: count(b, p + "staff", fields, "its staff headcount"),
      turnoverCents: money(b, p + "turnover", fields, true) ?? 0, balanceSheetCents: money(b, p + "balance", fields, true) ?? 0,
    });
  }
  for (const i of DE_MINIMIS_ROWS) {
    const p = `dm${i}_`;
    if (!str(b, p + "body") && !str(b, p + "date") && !str(b, p + "amount")) continue;
    if (!str(b, p + "body")) fields[p + "body"] = `Aid ${i + 1}: enter the granting body.`;
    const date = str(b, p + "date");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) fields[p + "date"] = `Aid ${i + 1}: enter the date granted, for example 2025-06-30.`;
    const amount = money(b, p + "amount", fields, true);
    input.deMinimis.push({ grantingBody: str(b, p + "body"), grantedOn: date, amountCents: amount ?? 0 });
  }
  if (Object.keys(fields).length) throw new ValidationError("Some answers need your attention.", fields);
  return input;
}

async function formLocals(req: Request) {
  return {
    regionOptions: (await listRegions(req.ctx.db)).map((r) => ({ value: r.id, label: `${r.name} (${r.country})` })),
    sectorOptions: (await listSectors(req.ctx.db)).map((s) => ({ value: s.id, label: s.name })),
    relationRows: RELATION_ROWS, deMinimisRows: DE_MINIMIS_ROWS,
    kindOptions: [{ value: "partner", label: "Partner enterprise (25-50%)" }, { value: "linked", label: "Linked enterprise (more than 50% or control)" }],
  };
}

registrationRoutes.get("/register", handle(async (req, res) => {
  if (req.user) return res.redirect(303, HOME_FOR_ROLE[req.user.role]);
  res.render("pages/register", { pageTitle: "Register your company", ...(await formLocals(req)), values: {} });
}));

registrationRoutes.post("/register", handle(async (req, res, next) => {
  const body = (req.body ?? {}) as Body;
  try {
    const fields: FieldErrors = {};
    let company: CompanyInput | null = null;
    try { company = parseCompanyForm(body); } catch (e) { if (!(e instanceof ValidationError)) throw e; Object.assign(fields, e.fields); }
    const email = str(body, "email").toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) fields.email = "Enter an e-mail address like name@example.com.";
    const password = typeof body.password === "string" ? body.password : "";
    if (password.length < 12) fields.password = "The password must be at least 12 characters long.";
    if (Object.keys(fields).length || !company) throw new ValidationError("Some answers need your attention.", fields);
    const userId = await registerApplicant(req.ctx, { name: str(body, "name"), email, password }, company);
    const actor = await loadActor(req.ctx.db, userId);
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.login(actor!, (err2) => {
        if (err2) return next(err2);
        flash(req, "success", "Your account and company were registered. Check the SME status below, then apply in an open call.");
        req.session.save(() => res.redirect(303, "/company"));
      });
    });
  } catch (err) {
    renderFormError(res, err, "pages/register", { pageTitle: "Register your company", ...(await formLocals(req)), values: { ...body, password: "" } });
  }
}));

const centsText = (c: Cents | null) => (c === null ? "" : `${Math.trunc(c / 100)}.${String(c % 100).padStart(2, "0")}`);

registrationRoutes.get("/company", requireRole("applicant"), handle(async (req, res) => {
  const p = await companyProfile(req.ctx);
  const values: Record<string, unknown> = {
    ...p.company, turnover: centsText(p.company.turnoverCents), balanceSheet: centsText(p.company.balanceSheetCents),
  };
  p.relations.forEach((r, i) => Object.assign(values, {
    [`rel${i}_name`]: r.name, [`rel${i}_kind`]: r.kind, [`rel${i}_share`]: r.sharePercent, [`rel${i}_staff`]: r.staffHeadcount,
    [`rel${i}_turnover`]: centsText(r.turnoverCents), [`rel${i}_balance`]: centsText(r.balanceSheetCents),
  }));
  res.render("pages/applicant/company", { pageTitle: "Company profile", ...p, ...(await formLocals(req)), values });
}));

registrationRoutes.post("/company", requireRole("applicant"), handle(async (req, res) => {
  try {
    await updateCompanyProfile(req.ctx, parseCompanyForm((req.body ?? {}) as Body));
    flash(req, "success", "The company profile was saved.");
    res.redirect(303, "/company");
  } catch (err) {
    const p = await companyProfile(req.ctx);
    renderFormError(res, err, "pages/applicant/company", { pageTitle: "Company profile", ...p, ...(await formLocals(req)), values: req.body });
  }
}));

// ---------------------------------------------------------------------------------------------
// One-time links
// ---------------------------------------------------------------------------------------------

const tokenParam = (req: Request) => {
  const t = String(req.params.token ?? "");
  return /^[A-Za-z0-9_-]{20,100}$/.test(t) ? t : "invalid-token-format-xxxxxxxx";
};

registrationRoutes.get("/confirm/:token", handle(async (req, res) => {
  try {
    await confirmEmail(req.ctx, tokenParam(req));
    res.render("pages/register-done", { pageTitle: "E-mail address confirmed", heading: "Your e-mail address is confirmed", message: "Thank you. You can now sign in and apply." });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    res.status(422).render("pages/register-done", { pageTitle: "Link no longer valid", heading: "This link is no longer valid", message: err.message });
  }
}));

// The sign-in page links here.
registrationRoutes.get("/password/forgot", (_req, res) => res.redirect(301, "/password-reset"));

registrationRoutes.get("/password-reset", (req, res) => {
  res.render("pages/register-reset-request", { pageTitle: "Reset your password", values: {} });
});

registrationRoutes.post("/password-reset", handle(async (req, res) => {
  const email = str((req.body ?? {}) as Body, "email");
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    return renderFormError(res, new ValidationError("Some answers need your attention.", { email: "Enter an e-mail address like name@example.com." }),
      "pages/register-reset-request", { pageTitle: "Reset your password", values: { email } });
  }
  await requestPasswordReset(req.ctx, email, req.ip ?? "unknown");
  res.render("pages/register-done", {
    pageTitle: "Check your e-mail", heading: "Check your e-mail",
    message: `If an account exists for ${email}, we have sent it a link to choose a new password. The link works for one hour.`,
  });
}));

function passwordPage(kind: "reset" | "invite") {
  return kind === "reset"
    ? { pageTitle: "Choose a new password", heading: "Choose a new password", button: "Save the new password" }
    : { pageTitle: "Join your company in Voucherdesk", heading: "Choose your password", button: "Save and sign in" };
}

registrationRoutes.get("/password-reset/:token", (req, res) => {
  res.render("pages/register-password", { ...passwordPage("reset"), action: `/password-reset/${tokenParam(req)}` });
});

registrationRoutes.post("/password-reset/:token", handle(async (req, res) => {
  try {
    await resetPassword(req.ctx, tokenParam(req), String((req.body as Body)?.password ?? ""));
    flash(req, "success", "Your password was changed. Sign in with the new password.");
    res.redirect(303, "/login");
  } catch (err) {
    renderFormError(res, err, "pages/register-password", { ...passwordPage("reset"), action: `/password-reset/${tokenParam(req)}` });
  }
}));

registrationRoutes.get("/invite/:token", (req, res) => {
  res.render("pages/register-password", { ...passwordPage("invite"), action: `/invite/${tokenParam(req)}` });
});

registrationRoutes.post("/invite/:token", handle(async (req, res) => {
  try {
    await acceptInvitation(req.ctx, tokenParam(req), String((req.body as Body)?.password ?? ""));
    flash(req, "success", "Your password is set. Sign in to see your company's applications.");
    res.redirect(303, "/login");
  } catch (err) {
    renderFormError(res, err, "pages/register-password", { ...passwordPage("invite"), action: `/invite/${tokenParam(req)}` });
  }
}));

registrationRoutes.post("/company/invite", requireRole("applicant"), handle(async (req, res) => {
  const body = (req.body ?? {}) as Body;
  try {
    await inviteColleague(req.ctx, str(body, "inviteEmail"), str(body, "inviteName"));
    flash(req, "success", `We sent an invitation to ${str(body, "inviteEmail")}.`);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    flash(req, "error", `The invitation was not sent: ${Object.values(err.fields).join(" ") || err.message}`);
  }
  res.redirect(303, "/company");
}));
