import { NotFoundError } from "../../errors";
import type { ClaimsRow } from "../../db/tables";
import { toAttachmentFile, toAttachmentInfo, type AttachmentFile } from "../../db/tables/attachments";
import type { ClaimRecord } from "../../db/tables/claims";
import { claimWindow, type LineDecision, type Verification, verifyClaimLines, voucherStateOn } from "../../domain/claims";
import { localDate } from "../../domain/time";
import { applicationQuery, type Application, type ApplicationJoinedRow, loadApplication, toApplication } from "../applications/records";
import type { ServiceContext } from "../platform/context";
import type { VoucherTypeRow } from "../scheme/reference";
import { claimDayOf, lineDecisionsOf, loadClaim, requireVerifier, type LineAnswers } from "./claim-facts";

/* The claim pages: the applicant's claim form, the manager's list of claims to verify and one claim under review, evidence files. */

/** The application with its claim window on today (R11, R12), for the claim page. */
export async function claimForm(ctx: ServiceContext, applicationId: number) {
  const app = await loadApplication(ctx, applicationId);
  if (ctx.actor?.role !== "applicant") throw new NotFoundError();
  const today = localDate(ctx.now(), ctx.config.timeZone);
  return { app, today, window: claimWindow(app, today), state: voucherStateOn(app, today) };
}

/** The file, only for someone who may see its application (404 otherwise). */
export async function loadAttachment(ctx: ServiceContext, id: number): Promise<Omit<AttachmentFile, "applicationId">> {
  const row = await ctx.db("attachments").where({ id }).first();
  if (!row) throw new NotFoundError();
  const file = toAttachmentFile(row);
  await loadApplication(ctx, file.applicationId);
  return { name: file.name, mime: file.mime, content: file.content };
}

type ClaimQueueRow = ApplicationJoinedRow & { claim_id: ClaimsRow["id"]; claim_submitted_at: ClaimsRow["submitted_at"] };

export async function claimsToVerify(ctx: ServiceContext): Promise<(Application & { claimId: number; claimSubmittedAt: string })[]> {
  const actor = requireVerifier(ctx);
  const q = applicationQuery(ctx.db).join("claims as cl", "cl.application_id", "a.id")
    .where({ "a.state": "claim-submitted", "cl.status": "submitted" })
    .select<ClaimQueueRow[]>("cl.id as claim_id", "cl.submitted_at as claim_submitted_at").orderBy("cl.submitted_at");
  if (actor.role === "manager") q.where("a.partner_id", actor.partnerId ?? -1);
  return (await q).map((r) => ({ ...toApplication(r), claimId: r.claim_id, claimSubmittedAt: r.claim_submitted_at }));
}

export interface ClaimReview {
  app: Application;
  type: VoucherTypeRow;
  claim: ClaimRecord;
  evidence: { id: number; name: string; sizeBytes: number }[];
  assessment: Verification;
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
    assessment: verifyClaimLines({
      type, awardCents: app.approvedCents, approvedOn: app.approvedOn, claimDay: claimDayOf(ctx, c), stored: lines, decisions: lineDecisionsOf(lines, decisions), rates, lenient: true,
    }),
  };
}
