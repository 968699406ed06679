import type { Knex } from "knex";
import type { Db } from "../../db/connection";
import { toAttachmentInfo } from "../../db/tables/attachments";
import type { Conflict, ConflictListed } from "../../db/tables/conflicts-of-interest";
import { toDecisionRecord, type DecisionRecord, type DecisionRecordListedRow } from "../../db/tables/decision-records";
import { toRejectionTemplate, type RejectionTemplate } from "../../db/tables/rejection-templates";
import { dbCents, dbInt } from "../../db/tables/values";
import { ceilingKeysFor, remainingCents, type CeilingState } from "../../domain/budget";
import { voucherStateOn } from "../../domain/claims";
import { deMinimisAid, programmeAwards } from "../../domain/de-minimis";
import { blockingFindings, type Finding, localDate } from "../../domain/eligibility";
import { allowedActions, type AppState } from "../../domain/lifecycle";
import { type Cents, formatMoney } from "../../domain/money";
import { amountToApprove } from "../../domain/scheme";
import { entityTimeline, type AuditRow } from "../platform/audit";
import {
  applicationQuery, type Application, describeSubmission, listedApplicationQuery, type ListedApplication, loadApplication, toApplication, toListedApplication,
} from "../applications/records";
import { holdingsOf, readCeilings } from "../finance/budget";
import type { ServiceContext, Trx } from "../platform/context";
import { nowIso } from "../platform/context";
import { keysetPage, timeCursor, timeKeyOf, type KeysetPage, type PageKeys } from "../platform/keyset";
import { callVoucherType, listRegions, type VoucherTypeRow } from "../scheme/reference";
import { conflictsOn, requireDecider, type Handover } from "./conflicts";
import { approvalFindings, type SkippedApplication, skippedFacts, skippedReserve } from "./decision-facts";
import { letterOnRecord, type LetterOnRecord } from "../letters/letters";

/* The manager's pages: the review queue, an application under review, its decisions. */

export type { DecisionRecord, RejectionTemplate };

const PAGE_SIZE = 25;

export interface CompanyHistory {
  vouchers: { id: number; reference: string | null; callTitle: string; typeName: string; state: AppState; approvedCents: Cents | null; approvedOn: string | null }[];
  declarations: { grantingBody: string; grantedOn: string; amountCents: Cents }[];
  deMinimisTotalCents: Cents;
}

/** The company's other applications (drafts included) and its de minimis declarations, as the review page and its findings read them. */
interface CompanyFacts {
  apps: Application[];
  declarations: { grantingBody: string; grantedOn: string; amountCents: Cents }[];
}

async function companyFacts(db: Db | Trx, companyId: number, excludeId: number): Promise<CompanyFacts> {
  const [apps, declarations] = await Promise.all([
    applicationQuery(db).where("a.company_id", companyId).whereNot("a.id", excludeId).orderBy("a.id"),
    db("de_minimis_declarations").where({ company_id: companyId }).orderBy("granted_on"),
  ]);
  return {
    apps: apps.map(toApplication),
    declarations: declarations.map((d) => ({ grantingBody: d.granting_body, grantedOn: d.granted_on, amountCents: dbCents(d.amount_cents) })),
  };
}

/** `today` (programme zone) is the end of the rolling three years of R9. */
function companyHistory({ apps, declarations }: CompanyFacts, today: string): CompanyHistory {
  const aid = deMinimisAid({ today, declarations, awards: programmeAwards(apps) });
  return {
    vouchers: apps.filter((a) => a.state !== "draft").map((a) => ({
      id: a.id, reference: a.reference, callTitle: a.callTitle, typeName: a.voucherTypeName, state: a.state, approvedCents: a.approvedCents, approvedOn: a.approvedOn,
    })),
    declarations,
    deMinimisTotalCents: aid.earlierCents,
  };
}

// ---------------------------------------------------------------------------------------------
// Queue: oldest submission first, read page by page from a key (submitted_at, id)
// ---------------------------------------------------------------------------------------------

export interface QueueFilter extends PageKeys {
  callId?: number; typeCode?: string; state?: string;
  /** Shown only: keyset paging does not need to know which page it is on. */
  page?: number;
}

export interface QueuePage extends KeysetPage<ListedApplication> { page: number; total: number }

export async function reviewQueue(ctx: ServiceContext, f: QueueFilter): Promise<QueuePage> {
  const actor = requireDecider(ctx);
  const filtered = <Q extends Knex.QueryBuilder>(q: Q): Q => {
    void q.whereNot("a.state", "draft");
    if (actor.role === "manager") void q.where("a.partner_id", actor.partnerId ?? -1);
    if (f.callId) void q.where("a.call_id", f.callId);
    if (f.typeCode) void q.whereIn("a.voucher_type_id", ctx.db("voucher_types").where({ code: f.typeCode }).select("id"));
    if (f.state) void q.where("a.state", f.state);
    return q;
  };
  // Counted on the applications alone: the joins of the page add names, never remove rows.
  const counted = await filtered(ctx.db("applications as a")).count<{ n: number | string }[]>({ n: "*" });
  // The index on (submitted_at, id), per partner for a manager, gives the page directly.
  const page = await keysetPage(filtered(listedApplicationQuery(ctx.db)), ["a.submitted_at", "a.id"], timeCursor(f), PAGE_SIZE,
    toListedApplication, (a) => timeKeyOf(a.submittedAt, a.id));
  return { ...page, page: Math.max(1, f.page ?? 1), total: dbInt(counted[0]?.n) };
}

/** Applications handed to this manager or administrator after a conflict of interest, awaiting a decision or a claim verification. */
export async function conflictHandovers(ctx: ServiceContext): Promise<Application[]> {
  const actor = requireDecider(ctx);
  const rows = await applicationQuery(ctx.db).whereIn("a.state", ["submitted", "reserve-listed", "claim-submitted"])
    // Driven from the few hand-overs to this person (their index), not from every application in these states.
    .whereIn("a.id", ctx.db("conflicts_of_interest as ci").where("ci.handed_to_user_id", actor.id).select("ci.application_id"))
    .whereNotExists(ctx.db("conflicts_of_interest as cm").whereRaw("cm.application_id = a.id").where("cm.user_id", actor.id).select("cm.id"))
    .orderBy("a.submitted_at");
  return rows.map(toApplication);
}

// ---------------------------------------------------------------------------------------------
// An application under review
// ---------------------------------------------------------------------------------------------

export interface ApplicationReview {
  app: Application;
  type: VoucherTypeRow;
  submission: { key: string; value: string }[];
  attachments: { id: number; name: string; sizeBytes: number }[];
  findings: Finding[];
  blocking: Finding[];
  history: CompanyHistory;
  timeline: AuditRow[];
  actions: string[];
  /** Expired once the claim deadline has passed, also before the daily job has written it (R12). */
  currentState: AppState;
  ownConflict: Conflict | null;
  conflicts: ConflictListed[];
  handover: Handover | null;
  letter: LetterOnRecord | null;
  commitment: { committedCents: Cents; releasedCents: Cents; paidCents: Cents } | null;
  templates: RejectionTemplate[];
  /** When approving now would skip an earlier reserve-listed application that fits: why a reason is asked for. */
  skipped: SkippedApplication | null;
  decisions: DecisionRecord[];
  /** What approving at the current amount leaves in each ceiling it falls under, for the confirmation. */
  budgetAfterApproval: { key: string; label: string; remainingCents: Cents; afterCents: Cents }[];
}

export async function reviewApplication(ctx: ServiceContext, id: number): Promise<ApplicationReview> {
  const actor = requireDecider(ctx);
  const db = ctx.db;
  const app = await loadApplication(ctx, id);
  const type = await callVoucherType(db, app.callId, app.voucherTypeId);
  const amount = amountToApprove(type, app.requestedCents);
  const today = localDate(nowIso(ctx), ctx.config.timeZone);
  const actions = allowedActions(app.state, actor.role);
  // Independent reads, side by side: on SQLite each takes one of the pool's connections. What the
  // findings, the company's history and the budget share is read once, first.
  const [regions, company, ceilings] = await Promise.all([listRegions(db), companyFacts(db, app.companyId, app.id), readCeilings(db, app.callId)]);
  const [findings, attachments, conflicts, letterRow, holdings, skipped, timeline, templates, decisions] = await Promise.all([
    approvalFindings(db, ctx, app, amount, type, { regions, declarations: company.declarations, others: company.apps }),
    db("attachments").where({ application_id: id }).orderBy("id").select("id", "original_name", "mime", "size_bytes", "purpose", "claim_id"),
    conflictsOn(db, id, actor.id),
    letterOnRecord(db, id),
    holdingsOf(db, id),
    actions.includes("approve") ? skippedReserve(db, app, ceilings) : null,
    entityTimeline(ctx, "application", id),
    rejectionTemplates(db),
    decisionRecords(db, id),
  ]);
  const history = companyHistory(company, today);
  const budgetAfter = budgetAfterApproval(ceilings, app, amount);
  const regionNames = Object.fromEntries(regions.map((r) => [r.id, r.name]));
  return {
    app, type,
    submission: describeSubmission(app.submissionJson, regionNames, (c) => formatMoney(c)),
    attachments: attachments.map(toAttachmentInfo).map((a) => ({ id: a.id, name: a.name, sizeBytes: a.sizeBytes })),
    findings, blocking: blockingFindings(findings),
    history,
    timeline,
    actions,
    currentState: voucherStateOn(app, today),
    ownConflict: conflicts.own,
    conflicts: conflicts.listed,
    handover: conflicts.handover,
    letter: letterRow,
    commitment: holdings,
    templates,
    skipped: skipped ? skippedFacts(skipped) : null,
    decisions,
    budgetAfterApproval: budgetAfter,
  };
}

function budgetAfterApproval(ceilings: readonly CeilingState[], app: Application, amount: Cents): ApplicationReview["budgetAfterApproval"] {
  const keys = ceilingKeysFor(app, ceilings.map((c) => c.key));
  return ceilings.filter((c) => keys.includes(c.key))
    .map((c) => ({ key: c.key, label: c.label, remainingCents: remainingCents(c), afterCents: remainingCents(c) - amount }));
}

export async function decisionRecords(db: Db | Trx, applicationId: number): Promise<DecisionRecord[]> {
  const rows = await db("decision_records as d").join("users as u", "u.id", "d.decided_by").leftJoin("applications as s", "s.id", "d.skipped_application_id")
    .where("d.application_id", applicationId).orderBy("d.id")
    .select<DecisionRecordListedRow[]>("d.*", "u.name as decider_name", "s.reference as skipped_reference", "s.id as skipped_id");
  return rows.map(toDecisionRecord);
}

async function rejectionTemplates(db: Db | Trx): Promise<RejectionTemplate[]> {
  return (await db("rejection_templates").orderBy("title")).map(toRejectionTemplate);
}

export async function listRejectionTemplates(ctx: ServiceContext): Promise<RejectionTemplate[]> {
  return rejectionTemplates(ctx.db);
}
