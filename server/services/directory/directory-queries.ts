import { msg } from "../../domain/message";
import { ForbiddenError, NotFoundError } from "../../errors";
import type { Knex } from "knex";
import type { Db } from "../../db/connection";
import { competenceTags, ORG_KINDS, toOrganisation, type Organisation, type OrganisationRow } from "../../db/tables/directory-organisations";
import { toReferral, type Referral, type ReferralRow } from "../../db/tables/referrals";
import { dbInt } from "../../db/tables/values";
import { companyChoices, type CompanyChoices } from "../people/company-queries";
import type { ServiceContext } from "../platform/context";
import { keysetPage, textCursor, textKeyOf, type Cursor, type KeysetPage, type PageKeys } from "../platform/keyset";
import { likeLiteral, whereSearchKeyHolds } from "../platform/text-search";

/*
 * Reading the provider directory and the brokerage referrals. Adding and editing organisations and
 * recording referrals are in ./directory.ts.
 */

export { ORG_KINDS };
export type { Organisation, Referral };

export interface DirectoryFilter { q?: string; regionId?: number; kind?: string; competence?: string }

const orgQuery = (db: Db) => db("directory_organisations as o").join("regions as r", "r.id", "o.region_id")
  .select<OrganisationRow[]>("o.*", "r.name as region_name", "r.code as region_code");

/** Organisations a page of the directory shows. */
export const ORGANISATIONS_PER_PAGE = 50;

export interface DirectoryPage extends KeysetPage<Organisation> { total: number }

/** Organisations matching the filter, by name, a page at a time from a key (name, id). */
export async function searchDirectory(db: Db, f: DirectoryFilter, keys: PageKeys = {}, pageSize = ORGANISATIONS_PER_PAGE): Promise<DirectoryPage> {
  const matching = (q: Knex.QueryBuilder): Knex.QueryBuilder => {
    if (f.regionId) void q.where("o.region_id", f.regionId);
    if (f.kind) void q.where("o.kind", f.kind);
    // Name, description and competences as searched: accents and case aside, % and _ as typed.
    whereSearchKeyHolds(q, "o.search_key", f.q);
    // Competences are stored as tags joined by ", " (competenceTags): each tag typed matches a whole
    // tag, not part of one; several typed (comma-separated) must all be there.
    for (const tag of competenceTags(f.competence ?? "")) {
      void q.whereRaw("(', ' || o.competences || ',') like ? escape '\\'", [`%, ${likeLiteral(tag)},%`]);
    }
    return q;
  };
  const counted = await matching(db("directory_organisations as o")).count<{ n: number | string }[]>({ n: "*" });
  const page = await keysetPage(matching(orgQuery(db)), ["o.name", "o.id"], textCursor(keys), pageSize, toOrganisation, (o) => textKeyOf(o.name, o.id));
  return { ...page, total: dbInt(counted[0]?.n) };
}

export async function allCompetences(db: Db): Promise<string[]> {
  const rows = await db("directory_organisations").pluck("competences");
  return [...new Set(rows.flatMap((s) => competenceTags(s)))].sort();
}

export async function getOrganisation(db: Db, id: number): Promise<Organisation> {
  const r = await orgQuery(db).where("o.id", id).first();
  if (!r) throw new NotFoundError();
  return toOrganisation(r);
}

/** Managers of every region maintain the directory, and administrators. */
export function requireMaintainer(ctx: ServiceContext) {
  const a = ctx.actor;
  if (!a || (a.role !== "manager" && a.role !== "admin")) throw new ForbiddenError(msg("errors:directory.maintainers"));
  return a;
}

/** Companies a manager may refer, as a form offers them: those of the own region (an administrator's, all). */
export async function referableCompanies(ctx: ServiceContext, search?: string, chosen?: number): Promise<CompanyChoices> {
  const a = requireMaintainer(ctx);
  return companyChoices(ctx.db, { search, chosen, ...(a.role === "manager" ? { regionId: a.regionId } : {}) });
}

/** Referrals a page of the referral list shows. */
export const REFERRALS_PER_PAGE = 50;

export interface ReferralPage extends KeysetPage<Referral> { total: number }

/**
 * Referrals a person may see, newest first, a page at a time from a referral id: an SME its own;
 * a manager those it made, those of its region's companies and those to organisations of its
 * region; finance and administrators all.
 */
export async function listReferrals(ctx: ServiceContext, cursor: Cursor = { after: null, before: null }, pageSize = REFERRALS_PER_PAGE): Promise<ReferralPage> {
  const a = ctx.actor;
  if (!a) throw new ForbiddenError();
  const visible = (q: Knex.QueryBuilder): Knex.QueryBuilder => {
    void q.join("companies as co", "co.id", "f.company_id").join("directory_organisations as o", "o.id", "f.organisation_id");
    if (a.role === "applicant") void q.where("f.company_id", a.companyId ?? -1);
    if (a.role === "manager") {
      void q.where((w) => {
        void w.where("f.manager_id", a.id).orWhere("co.region_id", a.regionId ?? -1).orWhere("o.region_id", a.regionId ?? -1);
      });
    }
    return q;
  };
  const counted = await visible(ctx.db("referrals as f")).count<{ n: number | string }[]>({ n: "*" });
  // Whether a referral became an application is read for the page's rows only.
  const listed = visible(ctx.db("referrals as f")).join("regions as r", "r.id", "o.region_id").join("users as u", "u.id", "f.manager_id")
    .select<ReferralRow[]>("f.*", "co.legal_name", "o.name as org_name", "r.name as org_region", "u.name as manager_name",
      ctx.db.raw(`exists (select 1 from applications ap where ap.company_id = f.company_id and ap.counterpart_org_id = f.organisation_id and ap.state <> 'draft') as became`));
  const page = await keysetPage(listed, ["f.id"], cursor, pageSize, toReferral, (r) => String(r.id), "desc");
  return { ...page, total: dbInt(counted[0]?.n) };
}

/** Programme KPIs of brokerage: referrals, and referrals that became applications. */
export async function referralKpis(db: Db): Promise<{ referrals: number; becameApplications: number }> {
  const all = await db("referrals").count({ n: "*" }).first();
  const became = await db("referrals as f").whereExists(
    db("applications as ap").whereRaw("ap.company_id = f.company_id").whereRaw("ap.counterpart_org_id = f.organisation_id").whereNot("ap.state", "draft").select(db.raw("1")),
  ).count({ n: "*" }).first();
  return { referrals: dbInt(all?.n), becameApplications: dbInt(became?.n) };
}
