import { ConflictError, NotFoundError } from "../../errors";
import { assertTransition, type AppState, type Role } from "../../domain/lifecycle";
import { assertCents, type Cents } from "../../domain/money";
import type { Db } from "../../db/connection";
import { audit } from "../platform/audit";
import type { Actor, ServiceContext, Trx } from "../platform/context";
import { nowIso } from "../platform/context";

/*
 * The shared read model of an application and the one function that moves it between states.
 * Every journey (applicant, manager, finance) loads applications through loadApplication and
 * changes state through transition(), so authorization, the state machine, the optimistic
 * version check (double clicks, two managers at once) and the audit log are never bypassed.
 */
export interface Application {
  id: number;
  reference: string | null;
  callId: number;
  callTitle: string;
  companyId: number;
  companyName: string;
  companyRegionId: number | null;
  voucherTypeId: number;
  voucherTypeCode: string;
  voucherTypeName: string;
  partnerId: number;
  partnerName: string;
  regionCode: string;
  state: AppState;
  title: string;
  description: string;
  objectives: string;
  expectedResult: string;
  counterpartOrgId: number | null;
  counterpartName: string;
  counterpartCountry: string | null;
  counterpartRegionId: number | null;
  counterpartKind: string | null;
  activityStart: string | null;
  activityEnd: string | null;
  costTravelCents: Cents | null;
  costAccommodationCents: Cents | null;
  costOtherCents: Cents | null;
  requestedCents: Cents | null;
  approvedCents: Cents | null;
  submissionJson: string | null;
  eligibilityJson: string | null;
  submittedAt: string | null;
  decidedAt: string | null;
  decidedBy: number | null;
  decisionReason: string | null;
  approvedOn: string | null;
  completionDeadline: string | null;
  claimDeadline: string | null;
  acceptedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const cents = (v: unknown): Cents | null => (v === null || v === undefined ? null : assertCents(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function applicationQuery(db: Db | Trx) {
  return db("applications as a")
    .join("calls as c", "c.id", "a.call_id")
    .join("companies as co", "co.id", "a.company_id")
    .join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .join("partners as p", "p.id", "a.partner_id")
    .join("regions as r", "r.id", "p.region_id")
    .select("a.*", "c.title as call_title", "co.legal_name as company_name", "co.region_id as company_region_id",
      "vt.code as vt_code", "vt.name as vt_name", "p.name as partner_name", "r.code as region_code");
}

export function toApplication(r: Record<string, unknown>): Application {
  return {
    id: Number(r.id), reference: (r.reference as string) ?? null, callId: Number(r.call_id), callTitle: String(r.call_title),
    companyId: Number(r.company_id), companyName: String(r.company_name), companyRegionId: num(r.company_region_id),
    voucherTypeId: Number(r.voucher_type_id), voucherTypeCode: String(r.vt_code), voucherTypeName: String(r.vt_name),
    partnerId: Number(r.partner_id), partnerName: String(r.partner_name), regionCode: String(r.region_code),
    state: r.state as AppState, title: String(r.title ?? ""), description: String(r.description ?? ""),
    objectives: String(r.objectives ?? ""), expectedResult: String(r.expected_result ?? ""),
    counterpartOrgId: num(r.counterpart_org_id), counterpartName: String(r.counterpart_name ?? ""),
    counterpartCountry: (r.counterpart_country as string) ?? null, counterpartRegionId: num(r.counterpart_region_id),
    counterpartKind: (r.counterpart_kind as string) ?? null, activityStart: (r.activity_start as string) ?? null,
    activityEnd: (r.activity_end as string) ?? null, costTravelCents: cents(r.cost_travel_cents),
    costAccommodationCents: cents(r.cost_accommodation_cents), costOtherCents: cents(r.cost_other_cents),
    requestedCents: cents(r.requested_cents), approvedCents: cents(r.approved_cents),
    submissionJson: (r.submission_json as string) ?? null, eligibilityJson: (r.eligibility_json as string) ?? null,
    submittedAt: (r.submitted_at as string) ?? null, decidedAt: (r.decided_at as string) ?? null, decidedBy: num(r.decided_by),
    decisionReason: (r.decision_reason as string) ?? null, approvedOn: (r.approved_on as string) ?? null,
    completionDeadline: (r.completion_deadline as string) ?? null, claimDeadline: (r.claim_deadline as string) ?? null,
    acceptedAt: (r.accepted_at as string) ?? null, version: Number(r.version), createdAt: String(r.created_at), updatedAt: String(r.updated_at),
  };
}

/**
 * Object-level authorization: applicants see their own company's applications, managers their
 * partner's region, finance officers and administrators all. Anything
 * else is "not found", so ids reveal nothing. Drafts are visible to the company only.
 */
export async function canSee(db: Db | Trx, actor: Actor | null, app: Pick<Application, "id" | "companyId" | "partnerId" | "state">): Promise<boolean> {
  if (!actor) return false;
  // A draft is the company's own work in progress: nothing reaches the programme before submission.
  if (app.state === "draft" && actor.role !== "applicant") return false;
  switch (actor.role) {
    case "applicant": return actor.companyId === app.companyId;
    case "finance":
    case "admin": return true;
    // A conflict of interest hands the application to a manager of the same partner or to an
    // administrator (R10), so it never opens it to managers of other regions.
    case "manager": return actor.partnerId === app.partnerId;
  }
}

export async function loadApplication(ctx: ServiceContext, id: number, trx?: Trx): Promise<Application> {
  const db = trx ?? ctx.db;
  const row = await applicationQuery(db).where("a.id", id).first();
  if (!row) throw new NotFoundError();
  const app = toApplication(row);
  if (!(await canSee(db, ctx.actor, app))) throw new NotFoundError();
  return app;
}

/** Row lock on PostgreSQL (no-op on SQLite, whose single connection already serialises). */
export async function lockApplication(trx: Trx, id: number): Promise<void> {
  if (trx.client.config.client === "pg") await trx.raw("select id from applications where id = ? for update", [id]);
}

/**
 * Moves an application to the state `action` leads to, with `patch` applied to its row in the
 * same update. Fails with a 409 if the state machine forbids it or if someone else changed the
 * application since `app` was read (its version); writes the audit event with before/after.
 */
export async function transition(
  trx: Trx,
  ctx: ServiceContext,
  app: Application,
  action: string,
  patch: Record<string, unknown> = {},
  auditExtra: Record<string, unknown> = {},
): Promise<AppState> {
  const role: Role = ctx.actor ? ctx.actor.role : "system";
  const to = assertTransition(app.state, action, role);
  const updated = await trx("applications")
    .where({ id: app.id, version: app.version, state: app.state })
    .update({ ...patch, state: to, version: app.version + 1, updated_at: nowIso(ctx) });
  if (updated !== 1) {
    throw new ConflictError("This application was changed by someone else a moment ago (or your request was sent twice). Reload the page to see its current state.", "stale_application");
  }
  await audit(trx, ctx, {
    action: `application.${action}`, entityType: "application", entityId: app.id,
    before: { state: app.state }, after: { state: to, ...patch, ...auditExtra },
  });
  return to;
}

const SUBMISSION_LABELS: Record<string, string> = {
  title: "Title", description: "Description", objectives: "Objectives", expectedResult: "Expected result",
  counterpartName: "Counterpart", counterpartKind: "Kind of counterpart", counterpartCountry: "Counterpart country",
  counterpartRegionId: "Counterpart region", activityStart: "Activity starts", activityEnd: "Activity ends",
  costTravelCents: "Planned travel costs", costAccommodationCents: "Planned accommodation costs",
  costOtherCents: "Other planned costs", requestedCents: "Amount requested", voucherTypeCode: "Voucher type",
};
const DECLARATION_LABELS: Record<string, string> = {
  truthful: "The information is true and complete", smeStatus: "The company is an SME",
  deMinimisComplete: "The de minimis declaration is complete", noDoubleFunding: "No other public funding for the same costs",
};

/**
 * The frozen submission as label/value rows for reviewers: money formatted, region ids named,
 * internal ids and empty values left out.
 */
export function describeSubmission(json: string | null, regionNames: Record<number, string>, formatCents: (c: number) => string): { key: string; value: string; field: string }[] {
  let parsed: Record<string, unknown>;
  try {
    parsed = json ? (JSON.parse(json) as Record<string, unknown>) : {};
  } catch {
    return [];
  }
  const rows: { key: string; value: string; field: string }[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (value === null || value === undefined || value === "") continue;
    if (key === "declarations" && typeof value === "object") {
      const confirmed = Object.entries(value as Record<string, unknown>).filter(([, v]) => v === true || v === "true").map(([k]) => DECLARATION_LABELS[k] ?? k);
      rows.push({ key: "Declarations confirmed", value: confirmed.join("; "), field: key });
      continue;
    }
    const label = SUBMISSION_LABELS[key];
    if (!label) continue;
    let shown: string;
    if (key.endsWith("Cents")) shown = formatCents(assertCents(value));
    else if (key === "counterpartRegionId") shown = regionNames[Number(value)] ?? String(value);
    else shown = typeof value === "string" ? value : JSON.stringify(value);
    rows.push({ key: label, value: shown, field: key });
  }
  return rows;
}
