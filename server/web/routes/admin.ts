import { Router } from "express";
import { DateTime } from "luxon";
import { z } from "zod";
import { formatAmount, type Cents } from "../../domain/money";
import { ConflictError, ValidationError } from "../../errors";
import { listAuditEvents } from "../../services/platform/audit";
import type { UserRole } from "../../services/platform/context";
import { getScheme, listPartners, listRegions, listVoucherTypes } from "../../services/scheme/reference";
import { type SchemeUpdate, settingField, updateRegion, updateSchemeSettings } from "../../services/scheme/settings";
import { AMOUNT_RULES, type AmountRule, APPROVAL_TIMINGS, MAX_SETTING_DAYS, PAYMENT_BASES, type PaymentBasis } from "../../domain/scheme";
import { createUser, listUsers, ROLE_LABELS, ROLES, setUserActive, setUserRole } from "../../services/people/users";
import { parseForm, renderFormError } from "../forms";
import { field, parseBody, parseQuery } from "../input";
import { flash, handle, idParam, requireRole } from "../middleware";

export const adminRoutes = Router();
const admin = requireRole("admin");

const roleOptions = () => ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }));

adminRoutes.get("/admin", admin, handle(async (req, res) => {
  const db = req.ctx.db;
  const count = async (t: string) => Number((await db(t).count({ n: "*" }))[0].n);
  res.render("pages/admin/home", {
    pageTitle: "Administration",
    counts: { users: await count("users"), companies: await count("companies"), calls: await count("calls"), applications: await count("applications") },
  });
}));

adminRoutes.get("/admin/users", admin, handle(async (req, res) => {
  res.render("pages/admin/users", { pageTitle: "Users", users: await listUsers(req.ctx.db), roleOptions: roleOptions(), partners: await listPartners(req.ctx.db) });
}));

async function userFormLocals(req: import("express").Request) {
  const companies = await req.ctx.db("companies").orderBy("legal_name").select("id", "legal_name");
  return {
    pageTitle: "New user",
    roleOptions: roleOptions(),
    partnerOptions: (await listPartners(req.ctx.db)).map((p) => ({ value: p.id, label: `${p.name} (${p.regionName})` })),
    companyOptions: companies.map((c) => ({ value: c.id, label: c.legal_name })),
  };
}

adminRoutes.get("/admin/users/new", admin, handle(async (req, res) => {
  res.render("pages/admin/user-new", { ...(await userFormLocals(req)), values: {} });
}));

const newUserSchema = z.object({
  email: field.email(),
  name: field.name("the full name", 200),
  title: field.optionalName("the job title", 200),
  password: field.password(12),
  role: field.choice(ROLES as unknown as [UserRole, ...UserRole[]], "Choose a role."),
  partnerId: field.optionalId("a partner organisation"),
  companyId: field.optionalId("a company"),
});

adminRoutes.post("/admin/users", admin, handle(async (req, res) => {
  const values = { ...req.body, password: "" };
  try {
    const input = parseForm(newUserSchema, req.body);
    await createUser(req.ctx, { ...input, emailConfirmed: true, partnerId: input.partnerId ?? null, companyId: input.companyId ?? null });
    flash(req, "success", `The account ${input.email} was created.`);
    res.redirect(303, "/admin/users");
  } catch (err) {
    renderFormError(res, err, "pages/admin/user-new", { ...(await userFormLocals(req)), values });
  }
}));

adminRoutes.post("/admin/users/:id/active", admin, handle(async (req, res) => {
  const id = idParam(req);
  const input = parseBody(z.object({ active: field.choice(["true", "false"], "Choose to activate or deactivate the account.") }), req.body);
  const active = input.active === "true";
  try {
    await setUserActive(req.ctx, id, active);
    flash(req, "success", active ? "The account was reactivated." : "The account was deactivated; its sessions were ended.");
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    flash(req, "error", err.message);
  }
  res.redirect(303, "/admin/users");
}));

const roleSchema = z.object({
  role: field.choice(ROLES as unknown as [UserRole, ...UserRole[]], "Choose a role."),
  partnerId: field.optionalId("a partner organisation"),
  companyId: field.optionalId("a company"),
});

adminRoutes.post("/admin/users/:id/role", admin, handle(async (req, res) => {
  const id = idParam(req);
  try {
    const input = parseForm(roleSchema, req.body);
    await setUserRole(req.ctx, id, input.role as UserRole, input.partnerId ?? null, input.companyId ?? null);
    flash(req, "success", "The role was changed.");
  } catch (err) {
    if (err instanceof ConflictError) flash(req, "error", err.message);
    else if (err instanceof ValidationError) flash(req, "error", `The role was not changed: ${Object.values(err.fields).join(" ") || err.message}`);
    else throw err;
  }
  res.redirect(303, "/admin/users");
}));

const auditQuery = z.object({
  action: field.filter("the action", 60),
  entityType: field.filter("the record type", 40),
  entityId: field.filter("the record id", 40),
  actor: field.filter("the user", 254),
  from: field.optionalDate("the first day"),
  to: field.optionalDate("the last day"),
  page: field.page(),
});

adminRoutes.get("/admin/audit", admin, handle(async (req, res) => {
  const q = parseQuery(auditQuery, req.query);
  const tz = req.ctx.config.timeZone;
  const day = (s: string | null, plus = 0) => (s ? DateTime.fromISO(s, { zone: tz }).plus({ days: plus }).toUTC().toISO() ?? undefined : undefined);
  const page = q.page;
  const filter = {
    action: q.action || undefined, entityType: q.entityType || undefined, entityId: q.entityId || undefined,
    actor: q.actor || undefined, from: day(q.from), to: day(q.to, 1), page,
  };
  const { rows, hasMore } = await listAuditEvents(req.ctx, filter);
  const kept = { action: q.action, entityType: q.entityType, entityId: q.entityId, actor: q.actor, from: q.from ?? "", to: q.to ?? "" };
  const qs = (p: number) => new URLSearchParams({ ...Object.fromEntries(Object.entries(kept).filter(([, v]) => v !== "")), page: String(p) }).toString();
  res.render("pages/admin/audit", {
    pageTitle: "Audit log", rows, values: kept, page,
    prevLink: page > 1 ? `?${qs(page - 1)}` : null, nextLink: hasMore ? `?${qs(page + 1)}` : null,
  });
}));

adminRoutes.get("/admin/regions", admin, handle(async (req, res) => {
  const partners = await listPartners(req.ctx.db);
  const regions = (await listRegions(req.ctx.db)).map((r) => ({ ...r, partner: partners.find((p) => p.regionId === r.id) ?? null }));
  res.render("pages/admin/regions", { pageTitle: "Regions and partners", regions });
}));

async function regionLocals(req: import("express").Request, id: number) {
  const region = (await listRegions(req.ctx.db)).find((r) => r.id === id);
  if (!region) throw new (await import("../../errors")).NotFoundError();
  const partner = (await listPartners(req.ctx.db)).find((p) => p.regionId === id);
  return { region, partner };
}

adminRoutes.get("/admin/regions/:id", admin, handle(async (req, res) => {
  const { region, partner } = await regionLocals(req, idParam(req));
  res.render("pages/admin/region-edit", {
    pageTitle: `Edit ${region.name}`, region,
    values: { name: region.name, country: region.country, partnerName: partner?.name ?? "", partnerShortName: partner?.shortName ?? "", partnerAddress: partner?.address ?? "", partnerEmail: partner?.email ?? "" },
  });
}));

const regionSchema = z.object({
  name: field.name("the region's name", 200),
  country: field.name("the two-letter country code", 2).transform((s) => s.toUpperCase())
    .refine((s) => /^[A-Z]{2}$/.test(s), "Enter the two-letter country code, for example DK."),
  partnerName: field.name("the partner organisation's name", 200),
  partnerShortName: field.name("a short name", 50),
  partnerAddress: field.text("the postal address", 500),
  partnerEmail: field.optionalEmail(),
});

adminRoutes.post("/admin/regions/:id", admin, handle(async (req, res) => {
  const id = idParam(req);
  const { region } = await regionLocals(req, id);
  try {
    const input = parseForm(regionSchema, req.body);
    await updateRegion(req.ctx, id, { ...input, partnerEmail: input.partnerEmail || null });
    flash(req, "success", `${input.name} was saved.`);
    res.redirect(303, "/admin/regions");
  } catch (err) {
    renderFormError(res, err, "pages/admin/region-edit", { pageTitle: `Edit ${region.name}`, region, values: req.body });
  }
}));

async function schemeLocals(req: import("express").Request) {
  return {
    pageTitle: "Scheme settings", scheme: await getScheme(req.ctx.db), types: await listVoucherTypes(req.ctx.db),
    amountRuleOptions: AMOUNT_RULES, paymentBasisOptions: PAYMENT_BASES, approvalOptions: APPROVAL_TIMINGS,
  };
}

const approvalValue = (preApprovalRequired: boolean) => APPROVAL_TIMINGS.find((o) => o.preApprovalRequired === preApprovalRequired)!.value;

adminRoutes.get("/admin/scheme", admin, handle(async (req, res) => {
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
}));

/**
 * Reads what was typed; anything that cannot be read becomes a field error here, anything that
 * can be read but breaks a scheme rule is refused by the service (voucherTypeSettingsProblems).
 */
function readSchemeForm(body: unknown, types: { code: string; name: string }[]): SchemeUpdate {
  const choices = <T extends string>(list: readonly { value: T }[]) => list.map((o) => o.value) as [T, ...T[]];
  const schema = z.object({
    deMinimisCeiling: field.money("the de minimis ceiling", { required: true }),
    blockWhileClaimOpen: field.checkbox(),
    ...Object.fromEntries(types.flatMap((t) => [
      [settingField("maxCents", t.code), field.money(`the ${t.name} amount`, { required: true })],
      [settingField("amountRule", t.code), field.choice(choices(AMOUNT_RULES), `Choose how the ${t.name} amount is set.`)],
      [settingField("paymentBasis", t.code), field.choice(choices(PAYMENT_BASES), `Choose what a ${t.name} voucher pays.`)],
      [settingField("preApprovalRequired", t.code), field.choice(choices(APPROVAL_TIMINGS), `Choose when a ${t.name} must be approved.`)],
      [settingField("completionDays", t.code), field.wholeNumber(`the ${t.name} completion period in days`, { min: 1, max: MAX_SETTING_DAYS })],
      [settingField("claimDays", t.code), field.wholeNumber(`the ${t.name} claim period in days`, { min: 1, max: MAX_SETTING_DAYS })],
    ])),
  });
  const input = parseBody(schema, body, "The settings were not saved.") as Record<string, unknown> & { deMinimisCeiling: Cents; blockWhileClaimOpen: boolean };
  const out: SchemeUpdate = { deMinimisCeilingCents: input.deMinimisCeiling, blockWhileClaimOpen: input.blockWhileClaimOpen, types: {} };
  for (const t of types) {
    const value = (k: keyof typeof out.types[string]) => input[settingField(k, t.code)];
    out.types[t.code] = {
      maxCents: value("maxCents") as Cents,
      amountRule: value("amountRule") as AmountRule,
      paymentBasis: value("paymentBasis") as PaymentBasis,
      preApprovalRequired: APPROVAL_TIMINGS.find((o) => o.value === input[settingField("preApprovalRequired", t.code)])!.preApprovalRequired,
      completionDays: value("completionDays") as number,
      claimDays: value("claimDays") as number,
    };
  }
  return out;
}

adminRoutes.post("/admin/scheme", admin, handle(async (req, res) => {
  const locals = await schemeLocals(req);
  const body = (req.body ?? {}) as Record<string, unknown>;
  try {
    await updateSchemeSettings(req.ctx, readSchemeForm(body, locals.types));
    flash(req, "success", "The scheme settings were saved. Calls opened from now on use them; calls already open keep theirs.");
    res.redirect(303, "/admin/scheme");
  } catch (err) {
    renderFormError(res, err, "pages/admin/scheme", { ...locals, values: { ...body, blockWhileClaimOpen: body.blockWhileClaimOpen === "on" } });
  }
}));

