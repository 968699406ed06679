import { ConflictError, NotFoundError, RuleViolationError, ValidationError } from "../../errors";
import type { Db } from "../../db/connection";
import type { DirectoryOrganisationsRow, RegionsRow } from "../../db/tables";
import { isEditable, STATE_LABELS } from "../../domain/lifecycle";
import { codeInSentence, dayTime, msg } from "../../domain/message";
import { actingUser, loadApplication, lockApplication } from "./records";
import { checkDraft, draftInputOf, requireCompany, type DraftInput } from "./checks";
import { loadCallAndType } from "./queries";
import { audit } from "../platform/audit";
import { inTransaction, insertedId, nowIso, type ServiceContext, type Trx } from "../platform/context";
import { createOnce } from "../platform/form-keys";
import { callVoucherType, type VoucherTypeRow } from "../scheme/reference";

/* The applicant's drafts: started in an open call, edited until submitted (or when more information is requested). */

/** Starting an application in a closed call would only lead to a refusal at submission (R3). */
export function assertCallOpenForNew(ctx: ServiceContext, call: { status: string; closesAt: string }): void {
  if (call.status !== "open" || nowIso(ctx) >= call.closesAt) {
    throw new RuleViolationError("R3", msg("errors:applications.callClosed", { closesAt: dayTime(call.closesAt, ctx.config.timeZone), timeZone: ctx.config.timeZone }));
  }
}

async function resolveCounterpart(db: Db | Trx, input: DraftInput): Promise<DraftInput> {
  if (input.counterpartOrgId === null) {
    if (input.counterpartRegionId !== null && !(await db("regions").where({ id: input.counterpartRegionId }).first("id"))) {
      throw new ValidationError(msg("errors:input.summary"), { counterpartRegionId: msg("errors:applications.counterpartRegion") });
    }
    return input;
  }
  const org = await db("directory_organisations as d").join("regions as r", "r.id", "d.region_id")
    .where("d.id", input.counterpartOrgId)
    .first<(Pick<DirectoryOrganisationsRow, "id" | "name" | "kind" | "region_id"> & { country: RegionsRow["country"] }) | undefined>("d.id", "d.name", "d.kind", "d.region_id", "r.country");
  if (!org) throw new ValidationError(msg("errors:input.summary"), { counterpartOrgId: msg("errors:applications.counterpartOrg") });
  return { ...input, counterpartName: org.name, counterpartCountry: org.country, counterpartRegionId: org.region_id, counterpartKind: org.kind };
}

function draftRow(type: VoucherTypeRow, input: DraftInput) {
  const capped = type.amountRule === "capped";
  return {
    title: input.title, description: input.description, objectives: input.objectives, expected_result: input.expectedResult,
    counterpart_org_id: input.counterpartOrgId, counterpart_name: input.counterpartName, counterpart_country: input.counterpartCountry,
    counterpart_region_id: input.counterpartRegionId, counterpart_kind: input.counterpartKind,
    activity_start: input.activityStart, activity_end: input.activityEnd,
    cost_travel_cents: capped ? input.costTravelCents : null, cost_accommodation_cents: capped ? input.costAccommodationCents : null,
    cost_other_cents: capped ? input.costOtherCents : null,
  };
}

/**
 * Creates a draft; `formKey` (formKeyOf) makes the form's second sending (a double click) return
 * the draft the first one created.
 */
export async function createDraft(ctx: ServiceContext, callId: number, typeCode: string, raw: DraftInput, formKey: string | null = null): Promise<number> {
  const companyId = requireCompany(ctx);
  const { call, type } = await loadCallAndType(ctx, callId, typeCode);
  assertCallOpenForNew(ctx, call);
  return inTransaction(ctx, (trx) => createOnce(trx, ctx, formKey, "application", { callId, typeCode, raw }, async () => {
    const input = await resolveCounterpart(trx, raw);
    checkDraft(type, input);
    const company = await trx("companies").where({ id: companyId }).first("region_id");
    const partner = company?.region_id ? await trx("partners").where({ region_id: company.region_id }).first("id") : null;
    if (!partner) throw new ValidationError(msg("errors:applications.noPartner"));
    const now = nowIso(ctx);
    const id = insertedId((await trx("applications").insert({
      call_id: callId, company_id: companyId, voucher_type_id: type.id, partner_id: partner.id, state: "draft",
      ...draftRow(type, input), version: 1, created_by: actingUser(ctx).id, created_at: now, updated_at: now,
    }).returning("id"))[0]);
    await audit(trx, ctx, { action: "application.draft-created", entityType: "application", entityId: id, after: { callId, typeCode, ...input } });
    return id;
  }));
}

export async function updateDraft(ctx: ServiceContext, id: number, raw: DraftInput): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    await lockApplication(trx, id);
    const app = await loadApplication(ctx, id, trx);
    if (ctx.actor?.role !== "applicant") throw new NotFoundError();
    if (!isEditable(app.state)) {
      throw new ConflictError(msg("errors:applications.notEditable", { state: codeInSentence("state", app.state, STATE_LABELS[app.state]) }), "not_editable");
    }
    const type = await callVoucherType(trx, app.callId, app.voucherTypeId);
    const input = await resolveCounterpart(trx, raw);
    checkDraft(type, input);
    const updated = await trx("applications").where({ id, version: app.version })
      .update({ ...draftRow(type, input), version: app.version + 1, updated_at: nowIso(ctx) });
    if (updated !== 1) throw new ConflictError(msg("errors:applications.changedMomentAgo"), "stale_application");
    await audit(trx, ctx, { action: "application.draft-saved", entityType: "application", entityId: id, before: draftInputOf(app), after: input });
  });
}
