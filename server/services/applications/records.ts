import { msg } from "../../domain/message";
import { ConflictError, ForbiddenError, NotFoundError } from "../../errors";
import {
  APPLICATION_COLUMNS, LISTED_APPLICATION_COLUMNS, toApplication, toListedApplication, type Application, type ApplicationJoinedRow,
  type ListedApplication, type ListedApplicationRow,
} from "../../db/tables/applications";
import { assertTransition, type AppState, type Role } from "../../domain/lifecycle";
import { assertCents } from "../../domain/money";
import { isPostgres, type Db } from "../../db/connection";
import { audit } from "../platform/audit";
import type { Actor, ServiceContext, Trx } from "../platform/context";
import { nowIso } from "../platform/context";

/*
 * The shared read model of an application and the one function that moves it between states.
 * Every journey (applicant, manager, finance) loads applications through loadApplication and
 * changes state through transition(), so authorization, the state machine, the optimistic
 * version check (double clicks, two managers at once) and the audit log are never bypassed.
 */
export { toApplication, toListedApplication, type Application, type ApplicationJoinedRow, type ListedApplication };

/** Applications with the names pages show next to them; end the query with .first() or a list. */
export function applicationQuery(db: Db | Trx) {
  return db("applications as a")
    .join("calls as c", "c.id", "a.call_id")
    .join("companies as co", "co.id", "a.company_id")
    .join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .join("partners as p", "p.id", "a.partner_id")
    .join("regions as r", "r.id", "p.region_id")
    .select<ApplicationJoinedRow[]>(APPLICATION_COLUMNS);
}

/** Applications as a list shows them (ListedApplication); end the query with a list. */
export function listedApplicationQuery(db: Db | Trx) {
  return db("applications as a")
    .join("calls as c", "c.id", "a.call_id")
    .join("companies as co", "co.id", "a.company_id")
    .join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .select<ListedApplicationRow[]>(LISTED_APPLICATION_COLUMNS);
}

/** One application by id, without an authorization check: for the system's own jobs and for loadApplication. */
export async function findApplication(db: Db | Trx, id: number): Promise<Application | undefined> {
  const row = await applicationQuery(db).where("a.id", id).first();
  return row ? toApplication(row) : undefined;
}

/** The signed-in person a use case acts for; a use case that records who acted cannot run without one. */
export function actingUser(ctx: ServiceContext): Actor {
  if (!ctx.actor) throw new ForbiddenError(msg("errors:applications.signInFirst"));
  return ctx.actor;
}

/**
 * Object-level authorization: applicants see their own company's applications, managers their
 * partner's region, finance officers and administrators all. Anything
 * else is "not found", so ids reveal nothing. Drafts are visible to the company only.
 */
export function canSee(actor: Actor | null, app: Pick<Application, "id" | "companyId" | "partnerId" | "state">): boolean {
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
  const app = await findApplication(trx ?? ctx.db, id);
  if (!app || !canSee(ctx.actor, app)) throw new NotFoundError();
  return app;
}

/** Row lock on PostgreSQL (no-op on SQLite, whose transactions already take turns). */
export async function lockApplication(trx: Trx, id: number): Promise<void> {
  if (isPostgres(trx)) await trx.raw("select id from applications where id = ? for update", [id]);
}

/**
 * Serialises the decisions that judge a company's other applications (R9's earlier awards, R10's
 * open voucher): on PostgreSQL two approvals or submissions for one company at once would each
 * read the other as not yet approved. Taken after the application's own lock, always in that
 * order. "No key update" leaves inserts that refer to the company (their foreign-key checks) free.
 * SQLite runs one writing transaction at a time.
 */
export async function lockCompany(trx: Trx, companyId: number): Promise<void> {
  if (isPostgres(trx)) await trx.raw("select id from companies where id = ? for no key update", [companyId]);
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
    throw new ConflictError(msg("errors:applications.changedBySomeoneElse"), "stale_application");
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

/** `field` names the label in the page's language; `declarations` the confirmed declarations by code. */
export interface SubmissionRow { key: string; value: string; field: string; declarations?: string[] }

/**
 * The frozen submission as label/value rows for reviewers: money formatted, region ids named,
 * internal ids and empty values left out.
 */
export function describeSubmission(json: string | null, regionNames: Record<number, string>, formatCents: (c: number) => string): SubmissionRow[] {
  let parsed: Record<string, unknown>;
  try {
    parsed = json ? (JSON.parse(json) as Record<string, unknown>) : {};
  } catch {
    return [];
  }
  const rows: SubmissionRow[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (value === null || value === undefined || value === "") continue;
    if (key === "declarations" && typeof value === "object") {
      const codes = Object.entries(value as Record<string, unknown>).filter(([, v]) => v === true || v === "true").map(([k]) => k);
      const confirmed = codes.map((k) => DECLARATION_LABELS[k] ?? k);
      rows.push({ key: "Declarations confirmed", value: confirmed.join("; "), field: key, declarations: codes.filter((k) => k in DECLARATION_LABELS) });
      continue;
    }
    const label = SUBMISSION_LABELS[key];
    if (!label) continue;
    let shown: string;
    if (key.endsWith("Cents")) shown = formatCents(assertCents(value));
    else if (key === "counterpartRegionId" && (typeof value === "number" || typeof value === "string")) shown = regionNames[Number(value)] ?? String(value);
    else shown = typeof value === "string" ? value : JSON.stringify(value);
    rows.push({ key: label, value: shown, field: key });
  }
  return rows;
}
