import { Router, type Request, type Response } from "express";
import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import { z } from "zod";
import { type Message, msg } from "../../domain/message";
import { refusalMessage } from "../error-text";
import { AppError, NotFoundError, ValidationError, type FieldTexts } from "../../errors";
import { type Cents } from "../../domain/money";
import type { CompanyInput } from "../../services/people/companies";
import { companyProfile } from "../../services/people/company-queries";
import {
  acceptInvitation, confirmEmail, inviteColleague, linkUsable, requestPasswordReset, resendConfirmation, resetPassword,
} from "../../services/people/one-time-links";
import { registerApplicant, updateCompanyProfile } from "../../services/people/registration";
import { loadActor } from "../../services/people/user-queries";
import { listRegions, listSectors } from "../../services/scheme/reference";
import { formKeyOf, keyForRefusedForm, newFormKey } from "../form-keys";
import { formRoute } from "../forms";
import { check, field, parseBody } from "../input";
import { pageLanguage, pageTranslator } from "../language";
import { flash, HOME_FOR_ROLE, requireRole, sessionStep } from "../middleware";

export const registrationRoutes = Router();

export const RELATION_ROWS = [0, 1, 2];
export const DE_MINIMIS_ROWS = [0, 1, 2];

type Body = Record<string, unknown>;
const str = (b: Body, k: string) => {
  const v = b[k];
  return typeof v === "string" ? v.trim() : "";
};

const MAX_FIGURE_CENTS = 100_000_000_000_000;
const figure = (label: Message) => field.money(label, { required: true, allowZero: true, maxCents: MAX_FIGURE_CENTS });
const headcount = (label: Message) => field.wholeNumber(label, { max: 9_999_999 });

const companySchema = z.object({
  legalName: field.name(msg("errors:fields.legalName"), 200),
  vatNumber: field.name(msg("errors:fields.vatNumber"), 40),
  address: field.text(msg("errors:fields.address"), 1000),
  country: field.name(msg("errors:fields.countryCode"), 2).transform((s) => s.toUpperCase())
    .refine((s) => /^[A-Z]{2}$/.test(s), check(msg("errors:fieldChecks.countryCodeFormat"))),
  regionId: field.optionalId(msg("errors:fields.region")),
  sectorId: field.optionalId(msg("errors:fields.sector")),
  staffHeadcount: headcount(msg("errors:fields.staffHeadcount")),
  turnover: figure(msg("errors:fields.annualTurnover")),
  balanceSheet: figure(msg("errors:fields.balanceSheetTotal")),
  iban: field.optionalName(msg("errors:fields.iban"), 50),
  accountHolder: field.optionalName(msg("errors:fields.accountHolder"), 200),
  euroAccountConfirmed: field.checkbox(),
});

const relationSchema = (n: number) => z.object({
  name: field.name(msg("errors:fields.enterpriseName", { n }), 200),
  kind: z.preprocess((v) => (v === undefined || v === "" ? "partner" : v), field.choice(["partner", "linked"], msg("errors:fieldChecks.enterpriseKind", { n }))),
  share: field.name(msg("errors:fields.enterpriseShare", { n }), 6).refine((s) => /^\d{1,3}([.,]\d{1,2})?$/.test(s), check(msg("errors:fieldChecks.enterpriseShareFormat", { n }))),
  staff: headcount(msg("errors:fields.enterpriseStaff", { n })),
  turnover: figure(msg("errors:fields.enterpriseTurnover", { n })),
  balance: figure(msg("errors:fields.enterpriseBalance", { n })),
});

// The business bounds of the grant date (not in the future) are checked by the service.
const deMinimisSchema = (n: number) => z.object({
  body: field.name(msg("errors:fields.aidBody", { n }), 200),
  date: field.date(msg("errors:fields.aidDate", { n })),
  amount: figure(msg("errors:fields.aidAmount", { n })),
});

/** The fields of one repeated row (`rel0_name` ...) as an object of their own. */
function rowOf(b: Body, prefix: string, keys: string[]): Body {
  return Object.fromEntries(keys.map((k) => [k, b[prefix + k]]));
}
/** A row counts once one of its identifying answers is given (the others may be prefilled). */
const rowUsed = (row: Body, keys: string[]) => keys.some((k) => {
  const v = row[k];
  return v !== undefined && !(typeof v === "string" && v.trim() === "");
});

function collect<S extends z.ZodType>(schema: S, input: unknown, fields: FieldTexts, prefix = ""): z.infer<S> | null {
  try {
    return parseBody(schema, input);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    for (const [k, m] of Object.entries(e.fieldTexts)) fields[prefix + k] ??= m;
    return null;
  }
}

/** Reads the company part of the registration and profile forms (money through parseMoney, R1). */
export function parseCompanyForm(b: Body): CompanyInput {
  const fields: FieldTexts = {};
  const c = collect(companySchema, b, fields);
  const relations: CompanyInput["relations"] = [];
  for (const i of RELATION_ROWS) {
    const raw = rowOf(b, `rel${i}_`, ["name", "kind", "share", "staff", "turnover", "balance"]);
    if (!rowUsed(raw, ["name", "share"])) continue;
    const r = collect(relationSchema(i + 1), raw, fields, `rel${i}_`);
    if (r) {
      relations.push({
        name: r.name, kind: r.kind, sharePercent: r.share.replace(",", "."), staffHeadcount: r.staff,
        turnoverCents: r.turnover ?? 0, balanceSheetCents: r.balance ?? 0,
      });
    }
  }
  const deMinimis: CompanyInput["deMinimis"] = [];
  for (const i of DE_MINIMIS_ROWS) {
    const raw = rowOf(b, `dm${i}_`, ["body", "date", "amount"]);
    if (!rowUsed(raw, ["body", "date", "amount"])) continue;
    const d = collect(deMinimisSchema(i + 1), raw, fields, `dm${i}_`);
    if (d) deMinimis.push({ grantingBody: d.body, grantedOn: d.date, amountCents: d.amount ?? 0 });
  }
  // Checked again by the service; here so that every answer's problem is shown at once.
  const iban = str(b, "iban");
  if (iban && !fields.iban && !isValidIBAN(electronicFormatIBAN(iban) ?? "")) fields.iban = msg("errors:web.ibanInvalid");
  if (Object.keys(fields).length || !c) throw new ValidationError(msg("errors:input.summary"), fields);
  return {
    legalName: c.legalName, vatNumber: c.vatNumber, address: c.address, country: c.country, regionId: c.regionId, sectorId: c.sectorId,
    staffHeadcount: c.staffHeadcount, turnoverCents: c.turnover ?? 0, balanceSheetCents: c.balanceSheet ?? 0,
    iban: c.iban || null, accountHolder: c.accountHolder || null, euroAccountConfirmed: c.euroAccountConfirmed,
    relations, deMinimis,
  };
}

const accountSchema = z.object({
  name: field.name(msg("errors:fields.yourFullName"), 200),
  email: field.email(),
  password: field.password(12),
});

async function formLocals(req: Request, res: Response) {
  const t = pageTranslator(res);
  return {
    regionOptions: (await listRegions(req.ctx.db)).map((r) => ({ value: r.id, label: `${r.name} (${r.country})` })),
    sectorOptions: (await listSectors(req.ctx.db)).map((s) => ({ value: s.id, label: s.name })),
    relationRows: RELATION_ROWS, deMinimisRows: DE_MINIMIS_ROWS,
    kindOptions: [{ value: "partner", label: t("public:company.kindPartner") }, { value: "linked", label: t("public:company.kindLinked") }],
  };
}

registrationRoutes.get("/register", async (req, res) => {
  if (req.user) return res.redirect(303, HOME_FOR_ROLE[req.user.role]);
  res.render("pages/register", { pageTitle: pageTranslator(res)("public:register.pageTitle"), ...(await formLocals(req, res)), values: {} });
});

/** The password typed is never sent back. */
const registerPage = {
  view: "pages/register",
  locals: async (req: Request, _err: AppError, res: Response) => ({
    pageTitle: pageTranslator(res)("public:register.pageTitle"), ...(await formLocals(req, res)), values: { ...(req.body as Body | undefined), password: "" },
  }),
};

registrationRoutes.post("/register", formRoute(registerPage, async (req, res) => {
  const body = (req.body ?? {}) as Body;
  const fields: FieldTexts = {};
  let company: CompanyInput | null = null;
  try { company = parseCompanyForm(body); } catch (e) { if (!(e instanceof ValidationError)) throw e; Object.assign(fields, e.fieldTexts); }
  const account = collect(accountSchema, body, fields);
  if (Object.keys(fields).length || !company || !account) throw new ValidationError(msg("errors:input.summary"), fields);
  // The language the visitor registered in becomes their saved choice.
  const userId = await registerApplicant(req.ctx, { ...account, language: pageLanguage(res) }, company);
  const actor = await loadActor(req.ctx.db, userId);
  if (!actor) throw new NotFoundError();
  await sessionStep((done) => req.session.regenerate(done));
  await sessionStep((done) => req.login(actor, done));
  flash(req, "success", pageTranslator(res)("public:register.registered"));
  res.redirect(303, "/company");
}));

const centsText = (c: Cents | null) => (c === null ? "" : `${Math.trunc(c / 100)}.${String(c % 100).padStart(2, "0")}`);

/** The company form filled with what is stored. */
function storedCompanyValues(p: Awaited<ReturnType<typeof companyProfile>>): Record<string, unknown> {
  const values: Record<string, unknown> = {
    ...p.company, turnover: centsText(p.company.turnoverCents), balanceSheet: centsText(p.company.balanceSheetCents),
  };
  p.relations.forEach((r, i) => Object.assign(values, {
    [`rel${i}_name`]: r.name, [`rel${i}_kind`]: r.kind, [`rel${i}_share`]: r.sharePercent, [`rel${i}_staff`]: r.staffHeadcount,
    [`rel${i}_turnover`]: centsText(r.turnoverCents), [`rel${i}_balance`]: centsText(r.balanceSheetCents),
  }));
  return values;
}

registrationRoutes.get("/company", requireRole("applicant"), async (req, res) => {
  const p = await companyProfile(req.ctx);
  res.render("pages/applicant/company", {
    pageTitle: pageTranslator(res)("applicant:company.pageTitle"), ...p, ...(await formLocals(req, res)), values: storedCompanyValues(p), formKey: newFormKey(),
  });
});

const companyPage = {
  view: "pages/applicant/company",
  locals: async (req: Request, _err: AppError, res: Response) => ({
    pageTitle: pageTranslator(res)("applicant:company.pageTitle"), ...(await companyProfile(req.ctx)), ...(await formLocals(req, res)), formKey: newFormKey(),
  }),
};

registrationRoutes.post("/company", requireRole("applicant"), formRoute(companyPage, async (req, res) => {
  await updateCompanyProfile(req.ctx, parseCompanyForm((req.body ?? {}) as Body));
  flash(req, "success", pageTranslator(res)("applicant:company.saved"));
  res.redirect(303, "/company");
}));

// ---------------------------------------------------------------------------------------------
// One-time links
// ---------------------------------------------------------------------------------------------

const tokenParam = (req: Request) => {
  const t = String(req.params.token ?? "");
  return /^[A-Za-z0-9_-]{20,100}$/.test(t) ? t : "invalid-token-format-xxxxxxxx";
};

registrationRoutes.get("/confirm/:token", async (req, res) => {
  try {
    await confirmEmail(req.ctx, tokenParam(req));
    const t = pageTranslator(res);
    res.render("pages/register-done", { pageTitle: t("public:done.confirmed.pageTitle"), heading: t("public:done.confirmed.heading"), message: t("public:done.confirmed.message") });
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const t = pageTranslator(res);
    res.status(422).render("pages/register-done", { pageTitle: t("public:done.invalidLink.pageTitle"), heading: t("public:done.invalidLink.heading"), message: refusalMessage(req, err) });
  }
});

/** A new confirmation link for the signed-in applicant; back to the page that offered it. */
registrationRoutes.post("/account/confirmation", requireRole("applicant"), async (req, res) => {
  const { next } = parseBody(z.object({ next: field.optionalName(msg("errors:fields.returnPage"), 100) }), req.body);
  const back = /^\/applications\/\d{1,10}\/check$/.test(next) ? next : "/applicant";
  try {
    await resendConfirmation(req.ctx);
    flash(req, "success", pageTranslator(res)("applicant:check.confirmationSent"));
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500 || err.status === 404) throw err;
    flash(req, "error", refusalMessage(req, err));
  }
  res.redirect(303, back);
});

// The sign-in page links here.
registrationRoutes.get("/password/forgot", (_req, res) => res.redirect(301, "/password-reset"));

registrationRoutes.get("/password-reset", (req, res) => {
  res.render("pages/register-reset-request", { pageTitle: pageTranslator(res)("public:resetRequest.pageTitle"), values: {} });
});

const resetRequestPage = {
  view: "pages/register-reset-request",
  locals: (req: Request, _err: AppError, res: Response) => ({ pageTitle: pageTranslator(res)("public:resetRequest.pageTitle"), values: { email: str((req.body ?? {}) as Body, "email") } }),
};

registrationRoutes.post("/password-reset", formRoute(resetRequestPage, async (req, res) => {
  const { email } = parseBody(z.object({ email: field.email() }), req.body);
  await requestPasswordReset(req.ctx, email, req.ip ?? "unknown");
  const t = pageTranslator(res);
  res.render("pages/register-done", {
    pageTitle: t("public:done.checkEmail.pageTitle"), heading: t("public:done.checkEmail.heading"),
    message: t("public:done.checkEmail.message", { email }),
  });
}));

// Its length rule is the service's (it names the minimum); here only what can be read at all.
const passwordSchema = z.object({ password: field.password(1) });

function passwordPage(kind: "reset" | "invite", res: Response) {
  const t = pageTranslator(res);
  return kind === "reset"
    ? { pageTitle: t("public:password.reset.pageTitle"), heading: t("public:password.reset.heading"), button: t("public:password.reset.button") }
    : { pageTitle: t("public:password.invite.pageTitle"), heading: t("public:password.invite.heading"), button: t("public:password.invite.button") };
}

/** The page of a used, expired or unknown link, the same as the e-mail confirmation's. */
function deadLink(res: Response): void {
  const t = pageTranslator(res);
  res.status(410).render("pages/register-done", { pageTitle: t("public:done.invalidLink.pageTitle"), heading: t("public:done.invalidLink.heading"), message: t("errors:people.linkInvalid") });
}

registrationRoutes.get("/password-reset/:token", async (req, res) => {
  if (!(await linkUsable(req.ctx, tokenParam(req), "reset"))) return deadLink(res);
  res.render("pages/register-password", { ...passwordPage("reset", res), action: `/password-reset/${tokenParam(req)}` });
});

/** A password page sends nothing typed back. */
const passwordFormPage = (kind: "reset" | "invite", path: string) => ({
  view: "pages/register-password",
  locals: (req: Request, _err: AppError, res: Response) => ({ ...passwordPage(kind, res), action: `${path}/${tokenParam(req)}`, values: {} }),
});

registrationRoutes.post("/password-reset/:token", formRoute(passwordFormPage("reset", "/password-reset"), async (req, res) => {
  await resetPassword(req.ctx, tokenParam(req), parseBody(passwordSchema, req.body).password);
  flash(req, "success", pageTranslator(res)("public:password.reset.changed"));
  res.redirect(303, "/login");
}));

registrationRoutes.get("/invite/:token", async (req, res) => {
  if (!(await linkUsable(req.ctx, tokenParam(req), "invite"))) return deadLink(res);
  res.render("pages/register-password", { ...passwordPage("invite", res), action: `/invite/${tokenParam(req)}` });
});

registrationRoutes.post("/invite/:token", formRoute(passwordFormPage("invite", "/invite"), async (req, res) => {
  await acceptInvitation(req.ctx, tokenParam(req), parseBody(passwordSchema, req.body).password);
  flash(req, "success", pageTranslator(res)("public:password.invite.set"));
  res.redirect(303, "/login");
}));

/** A refused invitation: the company form as stored, the invitation as typed, each refusal beside its field. */
const invitePage = {
  view: "pages/applicant/company",
  locals: async (req: Request, err: AppError, res: Response) => {
    const p = await companyProfile(req.ctx);
    const body = (req.body ?? {}) as Body;
    return {
      pageTitle: pageTranslator(res)("applicant:company.pageTitle"), ...p, ...(await formLocals(req, res)),
      values: { ...storedCompanyValues(p), inviteName: body.inviteName, inviteEmail: body.inviteEmail }, formKey: keyForRefusedForm(req, err),
    };
  },
};

/** The account's fields as the invitation form names them. */
const INVITATION_FIELDS: Record<string, string> = { email: "inviteEmail", name: "inviteName" };

registrationRoutes.post("/company/invite", requireRole("applicant"), formRoute(invitePage, async (req, res) => {
  const input = parseBody(z.object({ inviteEmail: field.email(), inviteName: field.name(msg("errors:fields.colleagueName"), 200) }), req.body);
  try {
    await inviteColleague(req.ctx, input.inviteEmail, input.inviteName, formKeyOf(req.body));
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const fields = Object.fromEntries(Object.entries(err.fieldTexts).map(([k, v]) => [INVITATION_FIELDS[k] ?? k, v]));
    throw new ValidationError(msg("errors:people.invitationNotSent"), fields, err.code);
  }
  flash(req, "success", pageTranslator(res)("applicant:company.invitationSent", { email: input.inviteEmail }));
  res.redirect(303, "/company");
}));
