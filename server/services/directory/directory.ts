import { ForbiddenError, NotFoundError, ValidationError } from "../../errors";
import type { Db } from "../../db/connection";
import { audit } from "../platform/audit";
import type { ServiceContext } from "../platform/context";
import { inTransaction, insertedId, nowIso } from "../platform/context";

/*
 * The provider directory (organisations in all regions) and brokerage referrals. Managers of
 * every region maintain the directory; everybody signed in can search it. A referral links one
 * of the manager's own SMEs to an organisation of another region; it "became an application"
 * when that company applies with that organisation as counterpart.
 */
export const ORG_KINDS = [
  { value: "expert", label: "Expert" },
  { value: "facility", label: "Facility" },
  { value: "company", label: "Company" },
  { value: "knowledge-institution", label: "Knowledge institution" },
] as const;

export interface Organisation {
  id: number; name: string; regionId: number; regionName: string; regionCode: string; kind: string; kindLabel: string;
  competences: string[]; contactName: string | null; contactEmail: string | null; website: string | null; description: string;
}

export interface OrganisationInput {
  name: string; regionId: number; kind: string; competences: string; contactName: string; contactEmail: string; website: string; description: string;
}

export interface DirectoryFilter { q?: string; regionId?: number; kind?: string; competence?: string }

const tags = (s: string) => [...new Set(s.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))];

function toOrg(r: Record<string, unknown>): Organisation {
  const kind = String(r.kind);
  return {
    id: Number(r.id), name: String(r.name), regionId: Number(r.region_id), regionName: String(r.region_name), regionCode: String(r.region_code),
    kind, kindLabel: ORG_KINDS.find((k) => k.value === kind)?.label ?? kind, competences: tags(String(r.competences ?? "")),
    contactName: (r.contact_name as string) || null, contactEmail: (r.contact_email as string) || null, website: (r.website as string) || null,
    description: String(r.description ?? ""),
  };
}

const orgQuery = (db: Db) => db("directory_organisations as o").join("regions as r", "r.id", "o.region_id")
  .select("o.*", "r.name as region_name", "r.code as region_code");

export async function searchDirectory(db: Db, f: DirectoryFilter): Promise<Organisation[]> {
  const q = orgQuery(db).orderBy("o.name");
  if (f.regionId) q.where("o.region_id", f.regionId);
  if (f.kind) q.where("o.kind", f.kind);
  if (f.q) {
    const like = `%${f.q.toLowerCase()}%`;
    q.where((w) => w.whereRaw("lower(o.name) like ?", [like]).orWhereRaw("lower(o.description) like ?", [like]).orWhereRaw("lower(o.competences) like ?", [like]));
  }
  let rows = (await q.limit(500)).map(toOrg);
  // Competences are a tag list: match a whole tag, not a substring of another one.
  if (f.competence) rows = rows.filter((o) => o.competences.includes(f.competence!.trim().toLowerCase()));
  return rows;
}

export async function allCompetences(db: Db): Promise<string[]> {
  const rows = await db("directory_organisations").pluck("competences");
  return [...new Set(rows.flatMap((s: string) => tags(s)))].sort();
}

export async function getOrganisation(db: Db, id: number): Promise<Organisation> {
  const r = await orgQuery(db).where("o.id", id).first();
  if (!r) throw new NotFoundError();
  return toOrg(r);
}

function requireMaintainer(ctx: ServiceContext) {
  const a = ctx.actor;
  if (!a || (a.role !== "manager" && a.role !== "admin")) throw new ForbiddenError("Only cluster managers and administrators maintain the directory.");
  return a;
}

async function validate(ctx: ServiceContext, input: OrganisationInput) {
  const fields: Record<string, string> = {};
  if (!input.name.trim()) fields.name = "Enter the organisation's name.";
  if (!(await ctx.db("regions").where({ id: input.regionId }).first("id"))) fields.regionId = "Choose a region.";
  if (!ORG_KINDS.some((k) => k.value === input.kind)) fields.kind = "Choose the kind of organisation.";
  if (input.contactEmail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.contactEmail)) fields.contactEmail = "Enter an e-mail address like name@example.com.";
  if (input.website && !/^https?:\/\/\S+$/.test(input.website)) fields.website = "Enter the website starting with https://.";
  if (Object.keys(fields).length) throw new ValidationError("The organisation could not be saved.", fields);
  return {
    name: input.name.trim(), region_id: input.regionId, kind: input.kind, competences: tags(input.competences).join(", "),
    contact_name: input.contactName.trim() || null, contact_email: input.contactEmail.trim() || null, website: input.website.trim() || null,
    description: input.description.trim(),
  };
}

export async function createOrganisation(ctx: ServiceContext, input: OrganisationInput): Promise<number> {
  const actor = requireMaintainer(ctx);
  const row = await validate(ctx, input);
  return inTransaction(ctx, async (trx) => {
    const id = insertedId((await trx("directory_organisations").insert({ ...row, created_by: actor.id, created_at: nowIso(ctx), updated_at: nowIso(ctx) }).returning("id"))[0]);
    await audit(trx, ctx, { action: "directory.created", entityType: "organisation", entityId: id, after: row });
    return id;
  });
}

export async function updateOrganisation(ctx: ServiceContext, id: number, input: OrganisationInput): Promise<void> {
  requireMaintainer(ctx);
  const row = await validate(ctx, input);
  await inTransaction(ctx, async (trx) => {
    const before = await trx("directory_organisations").where({ id }).first();
    if (!before) throw new NotFoundError();
    await trx("directory_organisations").where({ id }).update({ ...row, updated_at: nowIso(ctx) });
    await audit(trx, ctx, { action: "directory.updated", entityType: "organisation", entityId: id, before, after: row });
  });
}

// ---------------------------------------------------------------------------------------------
// Referrals
// ---------------------------------------------------------------------------------------------

export interface Referral {
  id: number; companyId: number; companyName: string; organisationId: number; organisationName: string; organisationRegion: string;
  managerName: string; note: string; createdAt: string; becameApplication: boolean;
}

/** Companies a manager may refer: those of the own region. */
export async function referableCompanies(ctx: ServiceContext): Promise<{ id: number; name: string }[]> {
  const a = requireMaintainer(ctx);
  const q = ctx.db("companies").orderBy("legal_name").select("id", "legal_name");
  if (a.role === "manager") q.where("region_id", a.regionId ?? -1);
  return (await q).map((c) => ({ id: Number(c.id), name: c.legal_name }));
}

export async function createReferral(ctx: ServiceContext, input: { companyId: number; organisationId: number; note: string }): Promise<number> {
  const actor = ctx.actor;
  if (!actor || actor.role !== "manager") throw new ForbiddenError("Only cluster managers refer companies.");
  const org = await getOrganisation(ctx.db, input.organisationId);
  const company = await ctx.db("companies").where({ id: input.companyId }).first("id", "region_id");
  if (!company || Number(company.region_id) !== actor.regionId) {
    throw new ValidationError("You can refer only companies of your own region.", { companyId: "Choose one of your region's companies." });
  }
  if (org.regionId === actor.regionId) {
    throw new ValidationError("Brokerage connects your companies with organisations of other regions; this organisation is in your own region.", { organisationId: "Choose an organisation of another region." });
  }
  return inTransaction(ctx, async (trx) => {
    const row = { company_id: input.companyId, organisation_id: org.id, manager_id: actor.id, note: input.note.trim(), created_at: nowIso(ctx) };
    const id = insertedId((await trx("referrals").insert(row).returning("id"))[0]);
    await audit(trx, ctx, { action: "referral.created", entityType: "referral", entityId: id, after: row });
    return id;
  });
}

/**
 * Referrals a person may see: an SME its own; a manager those it made, those of its region's
 * companies and those to organisations of its region; finance and administrators all.
 */
export async function listReferrals(ctx: ServiceContext): Promise<Referral[]> {
  const a = ctx.actor;
  if (!a) throw new ForbiddenError();
  const q = ctx.db("referrals as f").join("companies as co", "co.id", "f.company_id").join("directory_organisations as o", "o.id", "f.organisation_id")
    .join("regions as r", "r.id", "o.region_id").join("users as u", "u.id", "f.manager_id")
    .orderBy("f.id", "desc")
    .select("f.*", "co.legal_name", "co.region_id as company_region_id", "o.name as org_name", "r.name as org_region", "u.name as manager_name")
    .select(ctx.db.raw(`exists (select 1 from applications ap where ap.company_id = f.company_id and ap.counterpart_org_id = f.organisation_id and ap.state <> 'draft') as became`));
  if (a.role === "applicant") q.where("f.company_id", a.companyId ?? -1);
  if (a.role === "manager") q.where((w) => w.where("f.manager_id", a.id).orWhere("co.region_id", a.regionId ?? -1).orWhere("o.region_id", a.regionId ?? -1));
  return (await q).map((r) => ({
    id: Number(r.id), companyId: Number(r.company_id), companyName: r.legal_name, organisationId: Number(r.organisation_id), organisationName: r.org_name,
    organisationRegion: r.org_region, managerName: r.manager_name, note: r.note ?? "", createdAt: r.created_at, becameApplication: !!Number(r.became) || r.became === true,
  }));
}

/** Programme KPIs of brokerage: referrals, and referrals that became applications. */
export async function referralKpis(db: Db): Promise<{ referrals: number; becameApplications: number }> {
  const [{ n }] = await db("referrals").count({ n: "*" });
  const [{ m }] = await db("referrals as f").whereExists(
    db("applications as ap").whereRaw("ap.company_id = f.company_id").whereRaw("ap.counterpart_org_id = f.organisation_id").whereNot("ap.state", "draft").select(db.raw("1")),
  ).count({ m: "*" });
  return { referrals: Number(n), becameApplications: Number(m) };
}
