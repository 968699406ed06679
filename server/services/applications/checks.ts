import { NotFoundError, ValidationError, type FieldTexts } from "../../errors";
import { isCountryCode } from "../../domain/countries";
import { money, msg } from "../../domain/message";
import type { Db } from "../../db/connection";
import type { Finding } from "../../domain/eligibility";
import { sumCents, type Cents } from "../../domain/money";
import { requestedAmountFor } from "../../domain/scheme";
import type { Application } from "./records";
import { findingsFor } from "./eligibility";
import type { ServiceContext, Trx } from "../platform/context";
import { callVoucherType, type VoucherTypeRow } from "../scheme/reference";

/* Checks an application is put through as a draft and at submission, shared by the applicant's use cases and pages. */

export const COUNTERPART_KINDS = [
  { value: "company", label: "Company" },
  { value: "knowledge-institution", label: "Knowledge institution" },
  { value: "expert", label: "Expert" },
  { value: "facility", label: "Facility" },
] as const;

/** What the applicant edits in a draft: these fields of the application, as stored. */
export type DraftInput = Pick<Application,
  "title" | "description" | "objectives" | "expectedResult" | "counterpartOrgId" | "counterpartName" |
  "counterpartCountry" | "counterpartRegionId" | "counterpartKind" | "activityStart" | "activityEnd" |
  "costTravelCents" | "costAccommodationCents" | "costOtherCents">;

export function requireCompany(ctx: ServiceContext): number {
  const id = ctx.actor?.role === "applicant" ? ctx.actor.companyId : null;
  if (!id) throw new NotFoundError(msg("errors:applications.noCompany"));
  return id;
}

export function costsTotal(input: Pick<DraftInput, "costTravelCents" | "costAccommodationCents" | "costOtherCents">): Cents | null {
  const parts = [input.costTravelCents, input.costAccommodationCents, input.costOtherCents].filter((c): c is Cents => c !== null);
  return parts.length === 0 ? null : sumCents(parts);
}

/** Checks that hold for a draft too: dates in order, costs within the cap (so it is said early). */
export function checkDraft(type: VoucherTypeRow, input: DraftInput): void {
  const fields: FieldTexts = {};
  if (input.activityStart && input.activityEnd && input.activityEnd < input.activityStart) {
    fields.activityEnd = msg("errors:applications.endBeforeStart");
  }
  if (type.amountRule === "capped") {
    const total = costsTotal(input);
    if (total !== null && total > type.maxCents) {
      // The sum is too high, not one of its lines: the refusal stands beside the group of costs.
      fields.costs = msg("errors:applications.costsAboveCap", { total: money(total), type: type.name, cap: money(type.maxCents) });
    }
  }
  if (input.counterpartKind && !COUNTERPART_KINDS.some((k) => k.value === input.counterpartKind)) fields.counterpartKind = msg("errors:applications.counterpartKind");
  if (input.counterpartCountry && !isCountryCode(input.counterpartCountry)) fields.counterpartCountry = msg("errors:applications.counterpartCountry");
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:input.summary"), fields);
}

export function draftInputOf(app: Application): DraftInput {
  return {
    title: app.title, description: app.description, objectives: app.objectives, expectedResult: app.expectedResult,
    counterpartOrgId: app.counterpartOrgId, counterpartName: app.counterpartName, counterpartCountry: app.counterpartCountry,
    counterpartRegionId: app.counterpartRegionId, counterpartKind: app.counterpartKind,
    activityStart: app.activityStart, activityEnd: app.activityEnd, costTravelCents: app.costTravelCents,
    costAccommodationCents: app.costAccommodationCents, costOtherCents: app.costOtherCents,
  };
}

/** Fields a submission needs; a draft may leave them empty. */
export function completeness(app: Application, type: VoucherTypeRow): FieldTexts {
  const fields: FieldTexts = {};
  if (!app.title.trim()) fields.title = msg("errors:applications.missing.title");
  if (!app.description.trim()) fields.description = msg("errors:applications.missing.description");
  if (!app.objectives.trim()) fields.objectives = msg("errors:applications.missing.objectives");
  if (!app.expectedResult.trim()) fields.expectedResult = msg("errors:applications.missing.expectedResult");
  if (!app.counterpartName.trim()) fields.counterpartName = msg("errors:applications.missing.counterpartName");
  if (!app.activityStart) fields.activityStart = msg("errors:applications.missing.activityStart");
  if (!app.activityEnd) fields.activityEnd = msg("errors:applications.missing.activityEnd");
  if (type.amountRule === "capped") {
    const total = costsTotal(app);
    if (total === null || total <= 0) {
      fields.costTravel = msg("errors:applications.missing.costs", { type: type.name, cap: money(type.maxCents), zero: money(0) });
    }
  }
  return fields;
}

export async function eligibilityFor(ctx: ServiceContext, db: Db | Trx, app: Application): Promise<Finding[]> {
  const type = await callVoucherType(db, app.callId, app.voucherTypeId);
  let amountCents: Cents;
  try {
    amountCents = requestedAmountFor(type, costsTotal(app) ?? undefined);
  } catch {
    // Missing costs are reported by the completeness check; the rules still run on the rest.
    amountCents = 0;
  }
  return findingsFor(db, ctx, app, { stage: "submit", amountCents });
}

export async function hasConfirmedEmail(db: Db | Trx, userId: number): Promise<boolean> {
  const u = await db("users").where({ id: userId }).first("email_confirmed_at");
  return !!u?.email_confirmed_at;
}

export const EMAIL_UNCONFIRMED_MESSAGE = msg("errors:applications.emailUnconfirmed");
