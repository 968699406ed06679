import { msg } from "../../domain/message";
import { NotFoundError } from "../../errors";
import type { Db } from "../../db/connection";
import { toAttachmentInfo } from "../../db/tables/attachments";
import { toClaim } from "../../db/tables/claims";
import { toCostLine } from "../../db/tables/claim-cost-lines";
import { toPayment } from "../../db/tables/payments";
import { toCallRecord } from "../../db/tables/calls";
import type { DirectoryOrganisationsRow, RegionsRow } from "../../db/tables";
import { blockingFindings, type Finding } from "../../domain/eligibility";
import { remainingCents } from "../../domain/budget";
import { allowedActions, type AppState, hasOpenClaim, isEditable, isLive } from "../../domain/lifecycle";
import type { Cents } from "../../domain/money";
import { claimWindow, voucherStateOn } from "../../domain/claims";
import { localDate } from "../../domain/time";
import { applicationQuery, loadApplication, toApplication } from "./records";
import { completeness, costsTotal, COUNTERPART_KINDS, eligibilityFor, hasConfirmedEmail, requireCompany } from "./checks";
import { entityTimeline } from "../platform/audit";
import { letterOnRecord } from "../letters/letters";
import { nowIso, type ServiceContext, type Trx } from "../platform/context";
import { readCeilings } from "../finance/budget";
import { callVoucherType, callVoucherTypes, callVoucherTypesOf, getScheme, listRegions } from "../scheme/reference";

/* The applicant's pages: open calls, the form's options, the check-your-answers page, the list and the detail of applications. */

/** The company's own application of a type in a call, which R10 lets it have once: continued if still editable. */
export interface OwnApplication { id: number; editable: boolean }
export interface OpenCallType {
  code: string; name: string; amountRule: string; maxCents: Cents; remainingCents: Cents | null;
  own: OwnApplication | null;
}
export interface OpenCall { id: number; title: string; description: string; opensAt: string; closesAt: string; types: OpenCallType[] }
/** The open calls, and the company's voucher whose open claim stops a new application (R10, when the scheme says so). */
export interface OpenCalls { calls: OpenCall[]; openClaim: { id: number; reference: string | null } | null }

/**
 * Calls open now (status open and opens_at <= now < closes_at) with the budget left per type, and
 * what R10 already decides for the company, so that nobody fills in a form to be refused at the end.
 */
export async function listOpenCalls(ctx: ServiceContext): Promise<OpenCalls> {
  const now = nowIso(ctx);
  // The applicant's regional partner may have its own ceiling in a call; it limits what is left too.
  const companyId = ctx.actor?.role === "applicant" ? ctx.actor.companyId : null;
  const company = companyId ? await ctx.db("companies").where({ id: companyId }).first("region_id") : null;
  const partner = company?.region_id ? await ctx.db("partners").where({ region_id: company.region_id }).first("id") : null;
  const calls = (await ctx.db("calls").where({ status: "open" }).andWhere("opens_at", "<=", now).andWhere("closes_at", ">", now).orderBy("closes_at")).map(toCallRecord);
  const ownRows = companyId === null ? [] : await ctx.db("applications as a").join("voucher_types as v", "v.id", "a.voucher_type_id")
    .where("a.company_id", companyId).orderBy("a.id")
    .select<{ id: number; call_id: number; state: AppState; reference: string | null; code: string }[]>("a.id", "a.call_id", "a.state", "a.reference", "v.code");
  const own = ownRows.map((r) => ({ ...r, id: Number(r.id), call_id: Number(r.call_id) }));
  const claimOpen = own.find((a) => hasOpenClaim(a.state));
  const openClaim = claimOpen && (await getScheme(ctx.db)).blockWhileClaimOpen ? { id: claimOpen.id, reference: claimOpen.reference } : null;
  const ownOf = (callId: number, code: string): OwnApplication | null => {
    const a = own.find((o) => o.call_id === callId && o.code === code && isLive(o.state));
    return a ? { id: a.id, editable: isEditable(a.state) } : null;
  };
  const typesByCall = await callVoucherTypesOf(ctx.db, calls.map((c) => c.id));
  const out: OpenCall[] = [];
  for (const c of calls) {
    const ceilings = await readCeilings(ctx.db, c.id);
    const left = (key: string): Cents | null => {
      const found = ceilings.find((x) => x.key === key);
      return found ? remainingCents(found) : null;
    };
    const total = left("total");
    const ownPartner = partner ? left(`partner:${partner.id}`) : null;
    const types = (typesByCall.get(c.id) ?? []).map((t) => {
      const limits = [total, ownPartner, left(`type:${t.code}`)].filter((v): v is Cents => v !== null);
      return {
        code: t.code, name: t.name, amountRule: t.amountRule, maxCents: t.maxCents, remainingCents: limits.length === 0 ? null : Math.min(...limits),
        own: ownOf(c.id, t.code),
      };
    });
    out.push({ id: c.id, title: c.title, description: c.description, opensAt: c.opensAt, closesAt: c.closesAt, types });
  }
  return { calls: out, openClaim };
}

export async function loadCallAndType(ctx: ServiceContext, callId: number, typeCode: string) {
  const row = await ctx.db("calls").where({ id: callId }).first();
  const call = row ? toCallRecord(row) : null;
  if (!call || call.storedStatus === "draft") throw new NotFoundError();
  const type = (await callVoucherTypes(ctx.db, callId)).find((t) => t.code === typeCode);
  if (!type) throw new NotFoundError(msg("errors:applications.typeNotOffered"));
  return { call: { id: call.id, title: call.title, closesAt: call.closesAt, status: call.storedStatus }, type };
}

export async function formReference(db: Db | Trx) {
  const regions = await listRegions(db);
  const orgs = await db("directory_organisations as d").join("regions as r", "r.id", "d.region_id").orderBy("d.name")
    .select<(Pick<DirectoryOrganisationsRow, "id" | "name"> & { region_name: RegionsRow["name"] })[]>("d.id", "d.name", "r.name as region_name");
  return {
    regionOptions: regions.map((r) => ({ value: r.id, label: `${r.name} (${r.country})` })),
    orgOptions: orgs.map((o) => ({ value: o.id, label: `${o.name} — ${o.region_name}` })),
    kindOptions: COUNTERPART_KINDS.map((k) => ({ ...k })),
  };
}

export async function checkAnswers(ctx: ServiceContext, id: number) {
  const app = await loadApplication(ctx, id);
  const type = await callVoucherType(ctx.db, app.callId, app.voucherTypeId);
  const missing = completeness(app, type);
  const findings = await eligibilityFor(ctx, ctx.db, app);
  const emailConfirmed = ctx.actor ? await hasConfirmedEmail(ctx.db, ctx.actor.id) : false;
  return { app, voucherType: type, missing: Object.values(missing), findings, blocking: blockingFindings(findings), total: costsTotal(app), emailConfirmed };
}

/** The states in which the applicant has a next step to take or wait for; the page words it from the state. */
const NEXT_STEP_STATES: ReadonlySet<AppState> = new Set<AppState>([
  "draft", "submitted", "more-info-requested", "approved", "reserve-listed", "accepted", "claim-submitted", "claim-rejected", "claim-verified",
]);

export async function listCompanyApplications(ctx: ServiceContext) {
  const companyId = requireCompany(ctx);
  const rows = await applicationQuery(ctx.db).where("a.company_id", companyId).orderBy("a.id", "desc");
  const today = localDate(ctx.now(), ctx.config.timeZone);
  return rows.map((r) => {
    const app = toApplication(r);
    // Shown as expired once the claim deadline has passed, also before the daily job has run (R12).
    const state = voucherStateOn(app, today);
    return { ...app, state, nextStep: NEXT_STEP_STATES.has(state) ? state : null };
  });
}

export async function applicationDetail(ctx: ServiceContext, id: number) {
  const app = await loadApplication(ctx, id);
  const timeline = await entityTimeline(ctx, "application", id);
  const letter = await letterOnRecord(ctx.db, id);
  const claimRows = (await ctx.db("claims").where({ application_id: id }).orderBy("id", "desc")).map(toClaim);
  const claims = [];
  for (const c of claimRows) {
    const lines = (await ctx.db("claim_cost_lines").where({ claim_id: c.id }).orderBy("id")).map(toCostLine);
    const payments = (await ctx.db("payments").where({ claim_id: c.id }).orderBy("id")).map(toPayment);
    const payment = payments.find((p) => p.returnedOn === null);
    claims.push({
      id: c.id, status: c.status, report: c.report, submittedAt: c.submittedAt, verifiedAt: c.verifiedAt,
      payableCents: c.payableCents, payableExplanation: c.payableExplanation, decisionReason: c.decisionReason,
      lines: lines.map((l) => ({
        incurredOn: l.incurredOn, description: l.description, currency: l.currency, originalMinor: l.originalMinor,
        eurCents: l.eurCents, eligible: l.eligible, ineligibleReason: l.ineligibleReason,
      })),
      payment: payment ? { id: payment.id, paidOn: payment.paidOn, amountCents: payment.amountCents, bankReference: payment.bankReference } : null,
      returnedPayments: payments.filter((p) => p.returnedOn !== null).map((p) => ({
        id: p.id, paidOn: p.paidOn, amountCents: p.amountCents, bankReference: p.bankReference, returnedOn: p.returnedOn, reason: p.returnReason,
      })),
    });
  }
  const attachments = (await ctx.db("attachments").where({ application_id: id }).orderBy("id")
    .select("id", "original_name", "mime", "size_bytes", "purpose", "claim_id")).map(toAttachmentInfo);
  // Expired once the claim deadline has passed, whether or not the daily job has written it (R12).
  const today = localDate(ctx.now(), ctx.config.timeZone);
  const currentState = voucherStateOn(app, today);
  const applicantActions = ctx.actor?.role === "applicant" ? allowedActions(currentState, "applicant") : [];
  return {
    app, currentState, applicantActions, claimWindow: applicantActions.includes("claim") ? claimWindow(app, today) : null,
    timeline, letter,
    claims, attachments, total: costsTotal(app),
    findings: app.eligibilityJson ? (JSON.parse(app.eligibilityJson) as Finding[]) : [],
  };
}
