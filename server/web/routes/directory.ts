import { type Request, Router } from "express";
import { z } from "zod";
import {
  allCompetences, createOrganisation, createReferral, getOrganisation, listReferrals, ORG_KINDS, type OrganisationInput,
  referableCompanies, referralKpis, searchDirectory, updateOrganisation,
} from "../../services/directory/directory";
import { listRegions } from "../../services/scheme/reference";
import { parseForm, renderFormError } from "../forms";
import { field, parseQuery } from "../input";
import { flash, handle, idParam, requireAuth, requireRole } from "../middleware";

export const directoryRoutes = Router();
const maintainers = requireRole("manager", "admin");

async function filterOptions(req: Request) {
  return {
    regionOptions: (await listRegions(req.ctx.db)).map((r) => ({ value: r.id, label: r.name })),
    kindOptions: ORG_KINDS.map((k) => ({ value: k.value, label: k.label })),
  };
}

const directoryQuery = z.object({
  q: field.filter("the search text", 100),
  region: field.optionalId("a region"),
  kind: field.filter("the kind of organisation", 30),
  competence: field.filter("the competence", 60),
});

directoryRoutes.get("/directory", requireAuth, handle(async (req, res) => {
  const q = parseQuery(directoryQuery, req.query);
  const filter = {
    q: q.q || undefined,
    regionId: q.region ?? undefined,
    kind: ORG_KINDS.some((k) => k.value === q.kind) ? q.kind : undefined,
    competence: q.competence || undefined,
  };
  const role = req.user!.role;
  res.render("pages/directory/index", {
    pageTitle: "Directory", organisations: await searchDirectory(req.ctx.db, filter), ...(await filterOptions(req)),
    competences: await allCompetences(req.ctx.db), values: { q: filter.q ?? "", region: filter.regionId ?? "", kind: filter.kind ?? "", competence: filter.competence ?? "" },
    canMaintain: role === "manager" || role === "admin",
  });
}));

directoryRoutes.get("/directory/referrals", requireAuth, handle(async (req, res) => {
  const role = req.user!.role;
  res.render("pages/directory/referrals", {
    pageTitle: "Referrals", referrals: await listReferrals(req.ctx),
    kpis: role === "applicant" ? null : await referralKpis(req.ctx.db),
  });
}));

const orgSchema = z.object({
  name: field.name("the organisation's name", 200),
  regionId: field.id("a region"),
  kind: field.choice(ORG_KINDS.map((k) => k.value) as [string, ...string[]], "Choose the kind of organisation."),
  competences: field.optionalText("the competences", 1000),
  contactName: field.optionalName("the contact's name", 200),
  contactEmail: field.optionalEmail(),
  website: field.optionalName("the website", 300),
  description: field.optionalText("the description", 5000),
});

directoryRoutes.get("/directory/new", maintainers, handle(async (req, res) => {
  res.render("pages/directory/form", { pageTitle: "New organisation", action: "/directory", ...(await filterOptions(req)), values: {} });
}));

directoryRoutes.post("/directory", maintainers, handle(async (req, res) => {
  try {
    const id = await createOrganisation(req.ctx, parseForm(orgSchema, req.body) as OrganisationInput);
    flash(req, "success", "The organisation was added to the directory.");
    res.redirect(303, `/directory/${id}`);
  } catch (err) {
    renderFormError(res, err, "pages/directory/form", { pageTitle: "New organisation", action: "/directory", ...(await filterOptions(req)), values: req.body });
  }
}));

async function orgLocals(req: Request, id: number) {
  const org = await getOrganisation(req.ctx.db, id);
  const role = req.user!.role;
  const canRefer = role === "manager" && req.user!.regionId !== org.regionId;
  return {
    pageTitle: org.name, org, canMaintain: role === "manager" || role === "admin", canRefer,
    companyOptions: canRefer ? (await referableCompanies(req.ctx)).map((c) => ({ value: c.id, label: c.name })) : [],
    values: {},
  };
}

directoryRoutes.get("/directory/:id", requireAuth, handle(async (req, res) => {
  res.render("pages/directory/organisation", await orgLocals(req, idParam(req)));
}));

directoryRoutes.get("/directory/:id/edit", maintainers, handle(async (req, res) => {
  const org = await getOrganisation(req.ctx.db, idParam(req));
  res.render("pages/directory/form", {
    pageTitle: `Edit ${org.name}`, action: `/directory/${org.id}`, ...(await filterOptions(req)),
    values: { ...org, competences: org.competences.join(", "), contactName: org.contactName ?? "", contactEmail: org.contactEmail ?? "", website: org.website ?? "" },
  });
}));

directoryRoutes.post("/directory/:id", maintainers, handle(async (req, res) => {
  const id = idParam(req);
  await getOrganisation(req.ctx.db, id);
  try {
    await updateOrganisation(req.ctx, id, parseForm(orgSchema, req.body) as OrganisationInput);
    flash(req, "success", "The organisation was saved.");
    res.redirect(303, `/directory/${id}`);
  } catch (err) {
    renderFormError(res, err, "pages/directory/form", { pageTitle: "Edit organisation", action: `/directory/${id}`, ...(await filterOptions(req)), values: req.body });
  }
}));

directoryRoutes.post("/directory/:id/refer", requireRole("manager"), handle(async (req, res) => {
  const id = idParam(req);
  try {
    const input = parseForm(z.object({ companyId: field.id("a company"), note: field.optionalText("the note", 2000) }), req.body);
    await createReferral(req.ctx, { companyId: input.companyId, organisationId: id, note: input.note });
    flash(req, "success", "The referral was recorded; the company can see it.");
    res.redirect(303, "/directory/referrals");
  } catch (err) {
    renderFormError(res, err, "pages/directory/organisation", { ...(await orgLocals(req, id)), values: req.body });
  }
}));
