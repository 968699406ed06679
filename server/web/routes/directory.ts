import { type Request, Router } from "express";
import { z } from "zod";
import { msg } from "../../domain/message";
import type { AppError } from "../../errors";
import { createOrganisation, createReferral, updateOrganisation } from "../../services/directory/directory";
import {
  allCompetences, getOrganisation, listReferrals, ORG_KINDS, referableCompanies, referralKpis, searchDirectory,
} from "../../services/directory/directory-queries";
import { listRegions } from "../../services/scheme/reference";
import { companyChoiceSent, companyListLocals, companySearchIn } from "../company-list";
import { formKeyOf, keyForRefusedForm, newFormKey } from "../form-keys";
import { formRoute } from "../forms";
import { field, pageIdFields, pageKeyFields, parseBody, parseQuery } from "../input";
import { pageTranslator } from "../language";
import { pagerLinks } from "../pager-links";
import { columnCursor } from "../../services/platform/keyset";
import { flash, idParam, requireAuth, requireRole, signedIn } from "../middleware";
import { requestTranslator } from "../request-translator";

export const directoryRoutes = Router();
const maintainers = requireRole("manager", "admin");

async function filterOptions(req: Request) {
  return {
    regionOptions: (await listRegions(req.ctx.db)).map((r) => ({ value: r.id, label: r.name })),
    kindOptions: ORG_KINDS.map((k) => ({ value: k.value, label: k.label })),
  };
}

const directoryQuery = z.object({
  q: field.filter(msg("errors:fields.searchText"), 100),
  region: field.optionalId(msg("errors:fields.aRegion")),
  kind: field.filter(msg("errors:fields.orgKind"), 30),
  competence: field.filter(msg("errors:fields.competence"), 60),
  // An organisation's name (up to 200 characters) and id.
  ...pageKeyFields(320),
});

directoryRoutes.get("/directory", requireAuth, async (req, res) => {
  const q = parseQuery(directoryQuery, req.query);
  const filter = {
    q: q.q || undefined,
    regionId: q.region ?? undefined,
    kind: ORG_KINDS.some((k) => k.value === q.kind) ? q.kind : undefined,
    competence: q.competence || undefined,
  };
  const role = signedIn(req).role;
  const page = await searchDirectory(req.ctx.db, filter, { after: q.after, before: q.before });
  const values = { q: filter.q ?? "", region: filter.regionId ?? "", kind: filter.kind ?? "", competence: filter.competence ?? "" };
  // The page links keep the filter the list was drawn with.
  const kept = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== "").map(([k, v]): [string, string] => [k, String(v)])).toString();
  res.render("pages/directory/index", {
    pageTitle: pageTranslator(res)("directory:titles.directory"), organisations: page.rows, total: page.total, ...(await filterOptions(req)),
    ...pagerLinks("/directory", kept, { previous: page.prevKey, next: page.nextKey }),
    competences: await allCompetences(req.ctx.db), values, canMaintain: role === "manager" || role === "admin",
  });
});

const referralsQuery = z.object(pageIdFields());

directoryRoutes.get("/directory/referrals", requireAuth, async (req, res) => {
  const q = parseQuery(referralsQuery, req.query);
  const role = signedIn(req).role;
  const page = await listReferrals(req.ctx, columnCursor(q.after, q.before));
  res.render("pages/directory/referrals", {
    pageTitle: pageTranslator(res)("directory:titles.referrals"), referrals: page.rows, total: page.total,
    ...pagerLinks("/directory/referrals", "", { previous: page.prevKey, next: page.nextKey }),
    kpis: role === "applicant" ? null : await referralKpis(req.ctx.db),
  });
});

const ORG_KIND_VALUES = ORG_KINDS.map((k) => k.value) as [string, ...string[]];

const orgSchema = z.object({
  name: field.name(msg("errors:fields.orgName"), 200),
  regionId: field.id(msg("errors:fields.aRegion")),
  kind: field.choice(ORG_KIND_VALUES, msg("errors:fieldChecks.chooseOrgKind")),
  competences: field.optionalText(msg("errors:fields.competences"), 1000),
  contactName: field.optionalName(msg("errors:fields.contactName"), 200),
  contactEmail: field.optionalEmail(),
  website: field.optionalName(msg("errors:fields.website"), 300),
  description: field.optionalText(msg("errors:fields.description"), 5000),
});

directoryRoutes.get("/directory/new", maintainers, async (req, res) => {
  res.render("pages/directory/form", { pageTitle: pageTranslator(res)("directory:titles.newOrganisation"), action: "/directory", ...(await filterOptions(req)), values: {}, formKey: newFormKey() });
});

const newOrgPage = {
  view: "pages/directory/form",
  locals: async (req: Request, err: AppError) => ({
    pageTitle: requestTranslator(req)("directory:titles.newOrganisation"), action: "/directory", ...(await filterOptions(req)), formKey: keyForRefusedForm(req, err),
  }),
};

directoryRoutes.post("/directory", maintainers, formRoute(newOrgPage, async (req, res) => {
  const id = await createOrganisation(req.ctx, parseBody(orgSchema, req.body), formKeyOf(req.body));
  flash(req, "success", pageTranslator(res)("directory:flash.added"));
  res.redirect(303, `/directory/${id}`);
}));

/** A manager of another region may refer one of its companies, found by the search above the form. */
async function orgLocals(req: Request, id: number, search: string, chosenCompany?: number) {
  const org = await getOrganisation(req.ctx.db, id);
  const user = signedIn(req);
  const canRefer = user.role === "manager" && user.regionId !== org.regionId;
  return {
    pageTitle: org.name, org, canMaintain: user.role === "manager" || user.role === "admin", canRefer,
    ...(canRefer ? companyListLocals(requestTranslator(req), search, await referableCompanies(req.ctx, search, chosenCompany)) : {}),
  };
}

directoryRoutes.get("/directory/:id", requireAuth, async (req, res) => {
  const locals = await orgLocals(req, idParam(req), companySearchIn(req.query));
  res.render("pages/directory/organisation", { ...locals, values: { companyId: locals.companyFoundAlone }, formKey: locals.canRefer ? newFormKey() : null });
});

directoryRoutes.get("/directory/:id/edit", maintainers, async (req, res) => {
  const org = await getOrganisation(req.ctx.db, idParam(req));
  res.render("pages/directory/form", {
    pageTitle: pageTranslator(res)("directory:titles.editNamed", { name: org.name }), action: `/directory/${org.id}`, ...(await filterOptions(req)),
    values: { ...org, competences: org.competences.join(", "), contactName: org.contactName ?? "", contactEmail: org.contactEmail ?? "", website: org.website ?? "" },
  });
});

/** An organisation that does not exist is a 404, whatever the form holds. */
const editOrgPage = {
  view: "pages/directory/form",
  locals: async (req: Request) => {
    const org = await getOrganisation(req.ctx.db, idParam(req));
    return { pageTitle: requestTranslator(req)("directory:titles.editOrganisation"), action: `/directory/${org.id}`, ...(await filterOptions(req)) };
  },
};

directoryRoutes.post("/directory/:id", maintainers, formRoute(editOrgPage, async (req, res) => {
  const id = idParam(req);
  await updateOrganisation(req.ctx, id, parseBody(orgSchema, req.body));
  flash(req, "success", pageTranslator(res)("directory:flash.saved"));
  res.redirect(303, `/directory/${id}`);
}));

const referSchema = z.object({ companyId: field.id(msg("errors:fields.aCompany")), note: field.optionalText(msg("errors:fields.note"), 2000) });

const orgPage = {
  view: "pages/directory/organisation",
  locals: async (req: Request, err: AppError) => {
    const { search, chosen } = companyChoiceSent(req.body);
    return { ...(await orgLocals(req, idParam(req), search, chosen)), formKey: keyForRefusedForm(req, err) };
  },
};

directoryRoutes.post("/directory/:id/refer", requireRole("manager"), formRoute(orgPage, async (req, res) => {
  const input = parseBody(referSchema, req.body);
  await createReferral(req.ctx, { companyId: input.companyId, organisationId: idParam(req), note: input.note }, formKeyOf(req.body));
  flash(req, "success", pageTranslator(res)("directory:flash.referred"));
  res.redirect(303, "/directory/referrals");
}));
