import { Router } from "express";
import { DateTime } from "luxon";
import { z } from "zod";
import { formatAmount, parseMoney } from "../../domain/money";
import { ConflictError, ValidationError } from "../../errors";
import { listAuditEvents } from "../../services/audit";
import type { UserRole } from "../../services/context";
import { getScheme, listPartners, listRegions, listVoucherTypes, type SchemeUpdate, settingField, updateRegion, updateSchemeSettings } from "../../services/reference";
import { AMOUNT_RULES, type AmountRule, APPROVAL_TIMINGS, PAYMENT_BASES, type PaymentBasis } from "../../domain/scheme";
import { createUser, listUsers, ROLE_LABELS, ROLES, setUserActive, setUserRole } from "../../services/users";
import { f, parseForm, renderFormError } from "../forms";
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
  email: f.email(),
  name: f.text("the full name"),
  title: f.optionalText(200),
  password: z.string().min(12, "The password must be at least 12 characters long.").max(200),
  role: z.enum(["applicant", "manager", "finance", "admin"], { error: "Choose a role." }),
  partnerId: z.coerce.number().int().positive().optional().or(z.literal("").transform(() => undefined)),
  companyId: z.coerce.number().int().positive().optional().or(z.literal("").transform(() => undefined)),
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
  const active = (req.body as Record<string, string>).active === "true";
  const id = idParam(req);
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
  role: z.enum(["applicant", "manager", "finance", "admin"], { error: "Choose a role." }),
  partnerId: z.coerce.number().int().positive().optional().or(z.literal("").transform(() => undefined)),
  companyId: z.coerce.number().int().positive().optional().or(z.literal("").transform(() => undefined)),
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

adminRoutes.get("/admin/audit", admin, handle(async (req, res) => {
  const q = req.query as Record<string, string | undefined>;
  const tz = req.ctx.config.timeZone;
  const day = (s: string | undefined, plus = 0) =>
    s && /^\d{4}-\d{2}-\d{2}$/.test(s) ? DateTime.fromISO(s, { zone: tz }).plus({ days: plus }).toUTC().toISO() ?? undefined : undefined;
  const page = Math.max(1, Math.min(100000, Number.parseInt(q.page ?? "1", 10) || 1));
  const filter = {
    action: q.action?.trim() || undefined, entityType: q.entityType?.trim() || undefined, entityId: q.entityId?.trim() || undefined,
    actor: q.actor?.trim() || undefined, from: day(q.from), to: day(q.to, 1), page,
  };
  const { rows, hasMore } = await listAuditEvents(req.ctx, filter);
  const qs = (p: number) => new URLSearchParams({ ...Object.fromEntries(Object.entries(q).filter(([, v]) => typeof v === "string")) as Record<string, string>, page: String(p) }).toString();
  res.render("pages/admin/audit", {
    pageTitle: "Audit log", rows, values: q, page,
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
  name: f.text("the region's name"),
  country: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, "Enter the two-letter country code, for example DK."),
  partnerName: f.text("the partner organisation's name"),
  partnerShortName: f.text("a short name", 50),
  partnerAddress: f.text("the postal address", 500),
  partnerEmail: z.string().trim().max(254).email("Enter an e-mail address like name@example.com.").or(z.literal("")).optional(),
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
function readSchemeForm(body: Record<string, unknown>, types: { code: string; name: string }[]): SchemeUpdate {
  const text = (k: string) => (typeof body[k] === "string" ? (body[k] as string).trim() : "");
  const fields: Record<string, string> = {};
  const ceiling = parseMoney(text("deMinimisCeiling"));
  if (!ceiling.ok) fields.deMinimisCeiling = ceiling.reason;
  const out: SchemeUpdate = { deMinimisCeilingCents: ceiling.ok ? ceiling.cents : 0, blockWhileClaimOpen: text("blockWhileClaimOpen") === "on", types: {} };
  const days = (k: string, label: string) => {
    const raw = text(k);
    if (!/^\d{1,5}$/.test(raw)) { fields[k] = `Enter the ${label} as a whole number of days, for example 30.`; return 0; }
    return Number(raw);
  };
  for (const t of types) {
    const amount = parseMoney(text(settingField("maxCents", t.code)));
    if (!amount.ok) fields[settingField("maxCents", t.code)] = `${t.name} amount: ${amount.reason}`;
    const approval = APPROVAL_TIMINGS.find((o) => o.value === text(settingField("preApprovalRequired", t.code)));
    if (!approval) fields[settingField("preApprovalRequired", t.code)] = `Choose when a ${t.name} must be approved.`;
    out.types[t.code] = {
      maxCents: amount.ok ? amount.cents : 0,
      amountRule: text(settingField("amountRule", t.code)) as AmountRule,
      paymentBasis: text(settingField("paymentBasis", t.code)) as PaymentBasis,
      preApprovalRequired: approval?.preApprovalRequired ?? true,
      completionDays: days(settingField("completionDays", t.code), `${t.name} completion period`),
      claimDays: days(settingField("claimDays", t.code), `${t.name} claim period`),
    };
  }
  if (Object.keys(fields).length) throw new ValidationError("The settings were not saved.", fields);
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

