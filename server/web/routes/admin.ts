import { Router, type Request } from "express";
import { z } from "zod";
import type { TFunction } from "i18next";
import { msg } from "../../domain/message";
import { formatAmount, type Cents } from "../../domain/money";
import { LANGUAGE_NAMES, LANGUAGES, SOURCE_LANGUAGE } from "../../languages";
import { type AppError, ConflictError, NotFoundError, ValidationError } from "../../errors";
import type { UserRole } from "../../services/platform/context";
import { getScheme, listPartners, listRegions, listVoucherTypes } from "../../services/scheme/reference";
import { type SchemeUpdate, settingField, updateRegion, updateSchemeSettings } from "../../services/scheme/settings";
import { AMOUNT_RULES, type AmountRule, APPROVAL_TIMINGS, MAX_SETTING_DAYS, PAYMENT_BASES, type PaymentBasis } from "../../domain/scheme";
import { installationCounts, listUsers } from "../../services/people/user-queries";
import { companyChoices } from "../../services/people/company-queries";
import { companyChoiceSent, companyListLocals, companySearchIn } from "../company-list";
import { createUser, ROLE_LABELS, ROLES, setUserActive, setUserRole } from "../../services/people/users";
import { formKeyOf, keyForRefusedForm, newFormKey } from "../form-keys";
import { formRoute } from "../forms";
import { pagerLinks } from "../pager-links";
import { check, field, pageKeyFields, parseBody, parseQuery } from "../input";
import { flash, idParam, requireRole } from "../middleware";
import { pageTranslator } from "../language";
import { requestTranslator } from "../request-translator";
import { requireFreshSecondFactor } from "../step-up";
import { refusalFields, refusalMessage } from "../error-text";

export const adminRoutes = Router();
const admin = requireRole("admin");

const roleOptions = () => ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }));

adminRoutes.get("/admin", admin, async (req, res) => {
  res.render("pages/admin/home", { pageTitle: pageTranslator(res)("admin:titles.home"), counts: await installationCounts(req.ctx.db) });
});

const usersQuery = z.object({
  role: field.filter(msg("errors:fields.role"), 20),
  q: field.filter(msg("errors:fields.searchText"), 100),
  // An e-mail address.
  ...pageKeyFields(254),
});

/** The user list's filter and page as a query string, keeping only what the list understands. */
function userListQuery(q: z.infer<typeof usersQuery>): URLSearchParams {
  const role = ROLES.find((r) => r === q.role);
  const search = q.q.trim();
  return new URLSearchParams({ ...(role ? { role } : {}), ...(search ? { q: search } : {}), ...(q.after ? { after: q.after } : q.before ? { before: q.before } : {}) });
}

/**
 * Where a change made on the user list returns: the page and filter it was made on, which the
 * list's forms carry in a hidden field; anything else there leads to the list's first page.
 */
export function userListAddress(body: unknown): string {
  const back: unknown = body && typeof body === "object" ? (body as Record<string, unknown>).back : undefined;
  const parsed = typeof back === "string" && back.length <= 1000 ? usersQuery.safeParse(Object.fromEntries(new URLSearchParams(back))) : null;
  const qs = parsed?.success ? userListQuery(parsed.data).toString() : "";
  return `/admin/users${qs ? `?${qs}` : ""}`;
}

adminRoutes.get("/admin/users", admin, async (req, res) => {
  const q = parseQuery(usersQuery, req.query);
  const role = ROLES.find((r) => r === q.role);
  const search = q.q.trim() || undefined;
  const page = await listUsers(req.ctx.db, { role, search }, { after: q.after, before: q.before });
  res.render("pages/admin/users", {
    pageTitle: pageTranslator(res)("admin:titles.users"), users: page.rows.map((u) => ({ ...u, self: u.id === req.user?.id })), total: page.total,
    roleOptions: roleOptions(), partners: await listPartners(req.ctx.db),
    values: { role: role ?? "", q: search ?? "" }, back: userListQuery(q).toString(),
    ...pagerLinks("/admin/users", userListQuery({ ...q, after: undefined, before: undefined }).toString(), { previous: page.prevKey, next: page.nextKey }),
  });
});

/** The form's company list is narrowed by the search above it: a programme has thousands of companies. */
async function userFormLocals(req: Request, search: string, chosenCompany?: number) {
  const t = requestTranslator(req);
  return {
    pageTitle: t("admin:titles.newUser"),
    roleOptions: roleOptions(),
    partnerOptions: (await listPartners(req.ctx.db)).map((p) => ({ value: p.id, label: `${p.name} (${p.regionName})` })),
    ...companyListLocals(t, search, await companyChoices(req.ctx.db, { search, chosen: chosenCompany })),
  };
}

adminRoutes.get("/admin/users/new", admin, async (req, res) => {
  const locals = await userFormLocals(req, companySearchIn(req.query));
  res.render("pages/admin/user-new", { ...locals, values: { companyId: locals.companyFoundAlone }, formKey: newFormKey() });
});

const ROLE_CHOICES = ROLES as [UserRole, ...UserRole[]];

const newUserSchema = z.object({
  email: field.email(),
  name: field.name(msg("errors:fields.fullName"), 200),
  title: field.optionalName(msg("errors:fields.jobTitle"), 200),
  password: field.password(12),
  role: field.choice(ROLE_CHOICES, msg("errors:fieldChecks.chooseRole")),
  partnerId: field.optionalId(msg("errors:fields.aPartner")),
  companyId: field.optionalId(msg("errors:fields.aCompany")),
});

/** The password typed is never sent back. */
const newUserPage = {
  view: "pages/admin/user-new",
  locals: async (req: Request, err: AppError) => {
    const { search, chosen } = companyChoiceSent(req.body);
    return { ...(await userFormLocals(req, search, chosen)), values: { ...(req.body as Record<string, unknown>), password: "" }, formKey: keyForRefusedForm(req, err) };
  },
};

adminRoutes.post("/admin/users", admin, formRoute(newUserPage, async (req, res) => {
  const input = parseBody(newUserSchema, req.body);
  await createUser(req.ctx, { ...input, emailConfirmed: true, partnerId: input.partnerId ?? null, companyId: input.companyId ?? null }, formKeyOf(req.body));
  flash(req, "success", pageTranslator(res)("admin:flash.userCreated", { email: input.email }));
  res.redirect(303, "/admin/users");
}));

adminRoutes.post("/admin/users/:id/active", admin, async (req, res) => {
  const id = idParam(req);
  const input = parseBody(z.object({ active: field.choice(["true", "false"], msg("errors:fieldChecks.chooseActive")) }), req.body);
  const active = input.active === "true";
  try {
    await setUserActive(req.ctx, id, active);
    flash(req, "success", pageTranslator(res)(active ? "admin:flash.reactivated" : "admin:flash.deactivated"));
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    flash(req, "error", refusalMessage(req, err));
  }
  res.redirect(303, userListAddress(req.body));
});

const roleSchema = z.object({
  role: field.choice(ROLE_CHOICES, msg("errors:fieldChecks.chooseRole")),
  partnerId: field.optionalId(msg("errors:fields.aPartner")),
  companyId: field.optionalId(msg("errors:fields.aCompany")),
});

adminRoutes.post("/admin/users/:id/role", admin, requireFreshSecondFactor, async (req, res) => {
  const id = idParam(req);
  try {
    const input = parseBody(roleSchema, req.body);
    await setUserRole(req.ctx, id, input.role, input.partnerId ?? null, input.companyId ?? null);
    flash(req, "success", pageTranslator(res)("admin:flash.roleChanged"));
  } catch (err) {
    if (err instanceof ConflictError) flash(req, "error", refusalMessage(req, err));
    else if (err instanceof ValidationError) flash(req, "error", pageTranslator(res)("admin:flash.roleNotChanged", { reason: Object.values(refusalFields(req, err)).join(" ") || refusalMessage(req, err) }));
    else throw err;
  }
  res.redirect(303, userListAddress(req.body));
});

adminRoutes.get("/admin/regions", admin, async (req, res) => {
  const partners = await listPartners(req.ctx.db);
  const regions = (await listRegions(req.ctx.db)).map((r) => ({ ...r, partner: partners.find((p) => p.regionId === r.id) ?? null }));
  res.render("pages/admin/regions", { pageTitle: pageTranslator(res)("admin:titles.regions"), regions });
});

async function regionLocals(req: Request, id: number) {
  const region = (await listRegions(req.ctx.db)).find((r) => r.id === id);
  if (!region) throw new NotFoundError();
  const partner = (await listPartners(req.ctx.db)).find((p) => p.regionId === id);
  return { region, partner };
}

adminRoutes.get("/admin/regions/:id", admin, async (req, res) => {
  const { region, partner } = await regionLocals(req, idParam(req));
  res.render("pages/admin/region-edit", {
    pageTitle: pageTranslator(res)("admin:titles.editRegion", { name: region.name }), region,
    languageOptions: languageOptions(),
    values: {
      name: region.name, country: region.country, partnerName: partner?.name ?? "", partnerShortName: partner?.shortName ?? "", partnerAddress: partner?.address ?? "", partnerEmail: partner?.email ?? "",
      partnerLanguage: partner?.defaultLanguage ?? SOURCE_LANGUAGE,
    },
  });
});

const regionSchema = z.object({
  name: field.name(msg("errors:fields.regionName"), 200),
  country: field.name(msg("errors:fields.countryCode"), 2).transform((s) => s.toUpperCase())
    .refine((s) => /^[A-Z]{2}$/.test(s), check(msg("errors:fieldChecks.countryCodeFormat"))),
  partnerName: field.name(msg("errors:fields.partnerName"), 200),
  partnerShortName: field.name(msg("errors:fields.shortName"), 50),
  partnerAddress: field.text(msg("errors:fields.postalAddress"), 500),
  partnerEmail: field.optionalEmail(),
  partnerLanguage: field.choice(LANGUAGES, msg("errors:fieldChecks.chooseLanguage")).optional(),
});

/** The five languages, each named in itself, as the language switcher names them. */
const languageOptions = () => LANGUAGES.map((code) => ({ value: code, label: LANGUAGE_NAMES[code] }));

/** Its locals read the region, so a region that does not exist is a 404 whatever the form holds. */
const regionPage = {
  view: "pages/admin/region-edit",
  locals: async (req: Request) => {
    const { region } = await regionLocals(req, idParam(req));
    return { pageTitle: requestTranslator(req)("admin:titles.editRegion", { name: region.name }), region, languageOptions: languageOptions() };
  },
};

adminRoutes.post("/admin/regions/:id", admin, formRoute(regionPage, async (req, res) => {
  const id = idParam(req);
  const input = parseBody(regionSchema, req.body);
  await updateRegion(req.ctx, id, { ...input, partnerEmail: input.partnerEmail || null });
  flash(req, "success", pageTranslator(res)("admin:flash.regionSaved", { name: input.name }));
  res.redirect(303, "/admin/regions");
}));

async function schemeLocals(req: Request) {
  return {
    pageTitle: requestTranslator(req)("admin:titles.scheme"), scheme: await getScheme(req.ctx.db), types: await listVoucherTypes(req.ctx.db),
    ...schemeOptions(requestTranslator(req)),
  };
}

/** The scheme settings' choices, labelled in the page's language. */
function schemeOptions(t: TFunction) {
  const amountRules: Record<AmountRule, string> = { capped: t("admin:scheme.options.amountRules.capped"), fixed: t("admin:scheme.options.amountRules.fixed") };
  const paymentBases: Record<PaymentBasis, string> = {
    "actual-costs-capped": t("admin:scheme.options.paymentBases.actual-costs-capped"), "lump-sum": t("admin:scheme.options.paymentBases.lump-sum"),
  };
  const timings: Record<(typeof APPROVAL_TIMINGS)[number]["value"], string> = {
    "before-day": t("admin:scheme.options.approvalTimings.before-day"), "not-before-start": t("admin:scheme.options.approvalTimings.not-before-start"),
  };
  return {
    amountRuleOptions: AMOUNT_RULES.map((o) => ({ ...o, label: amountRules[o.value] })),
    paymentBasisOptions: PAYMENT_BASES.map((o) => ({ ...o, label: paymentBases[o.value] })),
    approvalOptions: APPROVAL_TIMINGS.map((o) => ({ ...o, label: timings[o.value] })),
  };
}

const approvalValue = (preApprovalRequired: boolean) => APPROVAL_TIMINGS.find((o) => o.preApprovalRequired === preApprovalRequired)?.value ?? "";

adminRoutes.get("/admin/scheme", admin, async (req, res) => {
  const locals = await schemeLocals(req);
  const values: Record<string, unknown> = {
    deMinimisCeiling: formatAmount(locals.scheme.deMinimisCeilingCents),
    blockWhileClaimOpen: locals.scheme.blockWhileClaimOpen,
  };
  for (const t of locals.types) {
    values[settingField("maxCents", t.code)] = formatAmount(t.maxCents);
    values[settingField("amountRule", t.code)] = t.amountRule;
    values[settingField("paymentBasis", t.code)] = t.paymentBasis;
    values[settingField("preApprovalRequired", t.code)] = approvalValue(t.preApprovalRequired);
    values[settingField("completionDays", t.code)] = String(t.completionDays);
    values[settingField("claimDays", t.code)] = String(t.claimDays);
  }
  res.render("pages/admin/scheme", { ...locals, values });
});

/**
 * Reads what was typed; anything that cannot be read becomes a field error here, anything that
 * can be read but breaks a scheme rule is refused by the service (voucherTypeSettingsProblems).
 */
function readSchemeForm(body: unknown, types: { code: string; name: string }[]): SchemeUpdate {
  const choices = <T extends string>(list: readonly { value: T }[]) => list.map((o) => o.value) as [T, ...T[]];
  const schema = z.object({
    deMinimisCeiling: field.money(msg("errors:fields.deMinimisCeiling"), { required: true }),
    blockWhileClaimOpen: field.checkbox(),
    ...Object.fromEntries(types.flatMap((t) => [
      [settingField("maxCents", t.code), field.money(msg("errors:fields.typeAmount", { type: t.name }), { required: true })],
      [settingField("amountRule", t.code), field.choice(choices(AMOUNT_RULES), msg("errors:fieldChecks.chooseAmountRule", { type: t.name }))],
      [settingField("paymentBasis", t.code), field.choice(choices(PAYMENT_BASES), msg("errors:fieldChecks.choosePaymentBasis", { type: t.name }))],
      [settingField("preApprovalRequired", t.code), field.choice(choices(APPROVAL_TIMINGS), msg("errors:fieldChecks.chooseApprovalTiming", { type: t.name }))],
      [settingField("completionDays", t.code), field.wholeNumber(msg("errors:fields.typeCompletionDays", { type: t.name }), { min: 1, max: MAX_SETTING_DAYS })],
      [settingField("claimDays", t.code), field.wholeNumber(msg("errors:fields.typeClaimDays", { type: t.name }), { min: 1, max: MAX_SETTING_DAYS })],
    ])),
  });
  const input = parseBody(schema, body, msg("errors:fieldChecks.settingsNotSaved")) as Record<string, unknown> & { deMinimisCeiling: Cents; blockWhileClaimOpen: boolean };
  const out: SchemeUpdate = { deMinimisCeilingCents: input.deMinimisCeiling, blockWhileClaimOpen: input.blockWhileClaimOpen, types: {} };
  for (const t of types) {
    const value = (k: keyof typeof out.types[string]) => input[settingField(k, t.code)];
    out.types[t.code] = {
      maxCents: value("maxCents") as Cents,
      amountRule: value("amountRule") as AmountRule,
      paymentBasis: value("paymentBasis") as PaymentBasis,
      // The choice was checked against APPROVAL_TIMINGS above.
      preApprovalRequired: APPROVAL_TIMINGS.some((o) => o.value === value("preApprovalRequired") && o.preApprovalRequired),
      completionDays: value("completionDays") as number,
      claimDays: value("claimDays") as number,
    };
  }
  return out;
}

/** The checkbox is shown ticked again only when it was ticked. */
const schemePage = {
  view: "pages/admin/scheme",
  locals: async (req: Request) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return { ...(await schemeLocals(req)), values: { ...body, blockWhileClaimOpen: body.blockWhileClaimOpen === "on" } };
  },
};

adminRoutes.post("/admin/scheme", admin, formRoute(schemePage, async (req, res) => {
  const types = await listVoucherTypes(req.ctx.db);
  await updateSchemeSettings(req.ctx, readSchemeForm(req.body, types));
  flash(req, "success", pageTranslator(res)("admin:flash.schemeSaved"));
  res.redirect(303, "/admin/scheme");
}));

