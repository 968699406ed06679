import { NotFoundError } from "../../errors";
import type { Knex } from "knex";
import type { ApplicationsRow, ClaimsRow } from "../../db/tables";
import { dbCentsOrNull, dbInt } from "../../db/tables";
import type { ListedApplicationRow } from "../../db/tables/applications";
import { toAttachmentFile, toAttachmentInfo, type AttachmentFile } from "../../db/tables/attachments";
import type { ClaimRecord } from "../../db/tables/claims";
import { canClaimAgain, claimWindow, type LineDecision, type Verification, verifyClaimLines, voucherStateOn } from "../../domain/claims";
import { localDate } from "../../domain/time";
import type { Cents } from "../../domain/money";
import { type Application, listedApplicationQuery, type ListedApplication, loadApplication, toListedApplication } from "../applications/records";
import type { ServiceContext } from "../platform/context";
import { keysetPage, timeCursor, timeKeyOf, type KeysetPage, type PageKeys } from "../platform/keyset";
import { callVoucherType, type VoucherTypeRow } from "../scheme/reference";
import { claimDayOf, lineDecisionsOf, loadClaim, requireVerifier, type LineAnswers } from "./claim-facts";

/* The claim pages: the applicant's claim form, the manager's list of claims to verify and one claim under review, evidence files. */

/** The application with its claim window on today (R11, R12), for the claim page. */
export async function claimForm(ctx: ServiceContext, applicationId: number) {
  const app = await loadApplication(ctx, applicationId);
  if (ctx.actor?.role !== "applicant") throw new NotFoundError();
  const today = localDate(ctx.now(), ctx.config.timeZone);
  const type = await callVoucherType(ctx.db, app.callId, app.voucherTypeId);
  return { app, today, window: claimWindow(app, today), state: voucherStateOn(app, today), type };
}

/** The file, only for someone who may see its application (404 otherwise). */
export async function loadAttachment(ctx: ServiceContext, id: number): Promise<Omit<AttachmentFile, "applicationId">> {
  const row = await ctx.db("attachments").where({ id }).first();
  if (!row) throw new NotFoundError();
  const file = toAttachmentFile(row);
  await loadApplication(ctx, file.applicationId);
  return { name: file.name, mime: file.mime, content: file.content };
}

type ClaimQueueRow = ListedApplicationRow & { approved_cents: ApplicationsRow["approved_cents"]; claim_id: ClaimsRow["id"]; claim_submitted_at: ClaimsRow["submitted_at"] };

export interface ClaimToVerify extends ListedApplication { approvedCents: Cents | null; claimId: number; claimSubmittedAt: string }

export interface ClaimsQueuePage extends KeysetPage<ClaimToVerify> { page: number; total: number }

/** Claims a page of the verification queue shows: as many as the review queue. */
export const CLAIMS_PER_PAGE = 25;

/** Submitted claims waiting for verification, oldest first, a page at a time; a manager's partner's only. */
export async function claimsToVerify(ctx: ServiceContext, keys: PageKeys & { page?: number } = {}): Promise<ClaimsQueuePage> {
  const actor = requireVerifier(ctx);
  const waiting = <Q extends Knex.QueryBuilder>(q: Q): Q => {
    void q.where({ "a.state": "claim-submitted", "cl.status": "submitted" });
    if (actor.role === "manager") void q.where("a.partner_id", actor.partnerId ?? -1);
    return q;
  };
  const counted = await waiting(ctx.db("claims as cl").join("applications as a", "a.id", "cl.application_id")).count<{ n: number | string }[]>({ n: "*" });
  const listed = waiting(listedApplicationQuery(ctx.db).join("claims as cl", "cl.application_id", "a.id"))
    .select("a.approved_cents", "cl.id as claim_id", "cl.submitted_at as claim_submitted_at");
  // The index on claims (status, submitted_at, id) gives the oldest claims first without sorting them all.
  const page = await keysetPage(listed, ["cl.submitted_at", "cl.id"], timeCursor(keys), CLAIMS_PER_PAGE,
    (r: ClaimQueueRow): ClaimToVerify => ({ ...toListedApplication(r), approvedCents: dbCentsOrNull(r.approved_cents), claimId: r.claim_id, claimSubmittedAt: r.claim_submitted_at }),
    (c) => timeKeyOf(c.claimSubmittedAt, c.claimId));
  return { ...page, page: Math.max(1, keys.page ?? 1), total: dbInt(counted[0]?.n) };
}

export interface ClaimReview {
  app: Application;
  type: VoucherTypeRow;
  claim: ClaimRecord;
  evidence: { id: number; name: string; sizeBytes: number }[];
  assessment: Verification;
  /** Rejected today, the company could still claim again (see canClaimAgain). */
  claimAgainAfterRejection: boolean;
}

/** The claim as the manager sees it, with the verification the decisions entered so far would give (lenient: no refusal yet). */
export async function reviewClaim(ctx: ServiceContext, claimId: number, decisions: readonly LineDecision[] | LineAnswers | null = null): Promise<ClaimReview> {
  requireVerifier(ctx);
  const { c, app, type, lines, rates } = await loadClaim(ctx, claimId);
  const evidence = (await ctx.db("attachments").where({ claim_id: claimId }).orderBy("id")
    .select("id", "original_name", "mime", "size_bytes", "purpose", "claim_id")).map(toAttachmentInfo)
    .map((a) => ({ id: a.id, name: a.name, sizeBytes: a.sizeBytes }));
  return {
    app, type, evidence, claim: c,
    claimAgainAfterRejection: canClaimAgain(app.claimDeadline, localDate(ctx.now(), ctx.config.timeZone)),
    assessment: verifyClaimLines({
      type, awardCents: app.approvedCents, approvedOn: app.approvedOn, claimDay: claimDayOf(ctx, c), stored: lines, decisions: lineDecisionsOf(lines, decisions), rates, lenient: true,
    }),
  };
}
