import { msg } from "../../domain/message";
import { searchKey } from "../../domain/text-folding";
import { ForbiddenError, NotFoundError, ValidationError, type FieldTexts } from "../../errors";
import { competenceTags, ORG_KINDS } from "../../db/tables/directory-organisations";
import { audit } from "../platform/audit";
import { createOnce } from "../platform/form-keys";
import type { ServiceContext } from "../platform/context";
import { inTransaction, insertedId, nowIso } from "../platform/context";
import { getOrganisation, requireMaintainer } from "./directory-queries";

/*
 * The provider directory (organisations in all regions) and brokerage referrals. Managers of
 * every region maintain the directory; everybody signed in can search it (./directory-queries.ts).
 * A referral links one of the manager's own SMEs to an organisation of another region; it
 * "became an application" when that company applies with that organisation as counterpart.
 */

export interface OrganisationInput {
  name: string; regionId: number; kind: string; competences: string; contactName: string; contactEmail: string; website: string; description: string;
}

async function validate(ctx: ServiceContext, input: OrganisationInput) {
  const fields: FieldTexts = {};
  if (!input.name.trim()) fields.name = msg("errors:directory.name");
  if (!(await ctx.db("regions").where({ id: input.regionId }).first("id"))) fields.regionId = msg("errors:directory.region");
  if (!ORG_KINDS.some((k) => k.value === input.kind)) fields.kind = msg("errors:directory.kind");
  if (input.contactEmail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.contactEmail)) fields.contactEmail = msg("errors:input.emailFormat");
  if (input.website && !/^https?:\/\/\S+$/.test(input.website)) fields.website = msg("errors:directory.website");
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:directory.notSaved"), fields);
  return {
    name: input.name.trim(), region_id: input.regionId, kind: input.kind, competences: competenceTags(input.competences).join(", "),
    contact_name: input.contactName.trim() || null, contact_email: input.contactEmail.trim() || null, website: input.website.trim() || null,
    description: input.description.trim(),
  };
}

/** What the directory's search compares (./directory-queries.ts), written with every save. */
const searchKeyOf = (row: { name: string; description: string; competences: string }) => searchKey(row.name, row.description, row.competences);

/** `formKey` (formKeyOf) makes the form's second sending return the organisation the first one added. */
export async function createOrganisation(ctx: ServiceContext, input: OrganisationInput, formKey: string | null = null): Promise<number> {
  const actor = requireMaintainer(ctx);
  const row = await validate(ctx, input);
  return inTransaction(ctx, (trx) => createOnce(trx, ctx, formKey, "organisation", input, async () => {
    const id = insertedId((await trx("directory_organisations").insert({ ...row, search_key: searchKeyOf(row), created_by: actor.id, created_at: nowIso(ctx), updated_at: nowIso(ctx) }).returning("id"))[0]);
    await audit(trx, ctx, { action: "directory.created", entityType: "organisation", entityId: id, after: row });
    return id;
  }));
}

/** An organisation that does not exist is a 404 before its form is judged. */
export async function updateOrganisation(ctx: ServiceContext, id: number, input: OrganisationInput): Promise<void> {
  requireMaintainer(ctx);
  if (!(await ctx.db("directory_organisations").where({ id }).first("id"))) throw new NotFoundError();
  const row = await validate(ctx, input);
  await inTransaction(ctx, async (trx) => {
    const stored = await trx("directory_organisations").where({ id }).first();
    if (!stored) throw new NotFoundError();
    const { search_key: _derived, ...before } = stored;
    await trx("directory_organisations").where({ id }).update({ ...row, search_key: searchKeyOf(row), updated_at: nowIso(ctx) });
    await audit(trx, ctx, { action: "directory.updated", entityType: "organisation", entityId: id, before, after: row });
  });
}

/** `formKey` (formKeyOf) makes the form's second sending return the referral the first one made. */
export async function createReferral(ctx: ServiceContext, input: { companyId: number; organisationId: number; note: string }, formKey: string | null = null): Promise<number> {
  const actor = ctx.actor;
  if (!actor || actor.role !== "manager") throw new ForbiddenError(msg("errors:directory.managersRefer"));
  const org = await getOrganisation(ctx.db, input.organisationId);
  const company = await ctx.db("companies").where({ id: input.companyId }).first("id", "region_id");
  if (!company || company.region_id !== actor.regionId) {
    throw new ValidationError(msg("errors:directory.ownRegionOnly"), { companyId: msg("errors:directory.chooseOwnCompany") });
  }
  if (org.regionId === actor.regionId) {
    throw new ValidationError(msg("errors:directory.otherRegionOnly"), { organisationId: msg("errors:directory.chooseOtherRegion") });
  }
  return inTransaction(ctx, (trx) => createOnce(trx, ctx, formKey, "referral", input, async () => {
    const row = { company_id: input.companyId, organisation_id: org.id, manager_id: actor.id, note: input.note.trim(), created_at: nowIso(ctx) };
    const id = insertedId((await trx("referrals").insert(row).returning("id"))[0]);
    await audit(trx, ctx, { action: "referral.created", entityType: "referral", entityId: id, after: row });
    return id;
  }));
}
