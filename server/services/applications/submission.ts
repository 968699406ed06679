import { AppError, ConflictError, NotFoundError, RuleViolationError, ValidationError, type FieldTexts } from "../../errors";
import { codeInSentence, type Message, msg, sentences } from "../../domain/message";
import { expiryText } from "../../domain/claims";
import { blockingFindings } from "../../domain/eligibility";
import { STATE_LABELS } from "../../domain/lifecycle";
import { requestedAmountFor } from "../../domain/scheme";
import { localDate } from "../../domain/time";
import { actingUser, loadApplication, lockApplication, lockCompany, transition } from "./records";
import { completeness, costsTotal, draftInputOf, eligibilityFor, EMAIL_UNCONFIRMED_MESSAGE, hasConfirmedEmail } from "./checks";
import { inTransaction, nowIso, type ServiceContext } from "../platform/context";
import { queueEmail } from "../platform/mail";
import { callVoucherType } from "../scheme/reference";

/* Submission (with the eligibility check), withdrawal and acceptance of the award: the applicant's state changes. */

export interface Declarations { truthful: boolean; smeStatus: boolean; deMinimisComplete: boolean; noDoubleFunding: boolean }

const DECLARATION_TEXT: Record<keyof Declarations, Message> = {
  truthful: msg("errors:applications.declaration.truthful"),
  smeStatus: msg("errors:applications.declaration.smeStatus"),
  deMinimisComplete: msg("errors:applications.declaration.deMinimisComplete"),
  noDoubleFunding: msg("errors:applications.declaration.noDoubleFunding"),
};

/**
 * Submits (or, after "more information requested", resubmits) an application. Refuses with every
 * certain failure's reason; freezes the submitted version and stores the findings.
 */
export async function submitApplication(ctx: ServiceContext, id: number, decl: Declarations): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    await lockApplication(trx, id);
    const app = await loadApplication(ctx, id, trx);
    if (ctx.actor?.role !== "applicant") throw new NotFoundError();
    const action = app.state === "more-info-requested" ? "resubmit" : "submit";
    // Wrong state (a second click) is refused here, before anything else is looked at.
    if (app.state !== "draft" && app.state !== "more-info-requested") {
      throw new ConflictError(msg("errors:applications.alreadySubmitted", { state: codeInSentence("state", app.state, STATE_LABELS[app.state]) }), "already_submitted");
    }
    // Decisions and payments go to this address, so a submission needs one that is known to work.
    if (!(await hasConfirmedEmail(trx, ctx.actor.id))) {
      throw new AppError(422, "email_unconfirmed", EMAIL_UNCONFIRMED_MESSAGE, { emailConfirmation: EMAIL_UNCONFIRMED_MESSAGE });
    }
    const fields: FieldTexts = {};
    for (const k of Object.keys(DECLARATION_TEXT) as (keyof Declarations)[]) if (!decl[k]) fields[k] = DECLARATION_TEXT[k];
    const type = await callVoucherType(trx, app.callId, app.voucherTypeId);
    Object.assign(fields, completeness(app, type));
    if (Object.keys(fields).length) throw new ValidationError(msg("errors:applications.notYetSubmittable"), fields);

    await lockCompany(trx, app.companyId);
    const findings = await eligibilityFor(ctx, trx, app);
    const blocking = blockingFindings(findings);
    if (blocking[0]) {
      const fieldsByRule: FieldTexts = {};
      blocking.forEach((b, i) => { fieldsByRule[`rule-${b.rule}-${i}`] = b.text ?? b.message; });
      const reasons = sentences(blocking.map((b) => b.text ?? b.message));
      throw new RuleViolationError(blocking[0].rule, msg("errors:applications.notSubmittable", { reasons }), fieldsByRule);
    }
    const requested = requestedAmountFor(type, costsTotal(app) ?? undefined);
    const frozen = { ...draftInputOf(app), voucherTypeCode: type.code, requestedCents: requested, declarations: decl };
    const now = nowIso(ctx);
    // An application number until approval; the award letter then gives the voucher its
    // reference (IN2LS-year-region-type-sequence, R13).
    const reference = app.reference ?? `APP-${String(app.id).padStart(5, "0")}`;
    await transition(trx, ctx, app, action, {
      submission_json: JSON.stringify(frozen), eligibility_json: JSON.stringify(findings),
      // An answer to a request for more information keeps the first submission's moment: its
      // place in the queue and on the reserve list, "in order of submission" (R4).
      ...(action === "submit" ? { submitted_at: now } : {}),
      requested_cents: requested, reference,
    });
    await queueEmail(trx, ctx, ctx.actor.email, "submission-received", {
      name: ctx.actor.name, reference, title: app.title, typeName: type.name, amount: requested,
      link: `${ctx.config.baseUrl}/applications/${app.id}`, resubmitted: action === "resubmit",
    });
  });
}

export async function withdrawApplication(ctx: ServiceContext, id: number): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    await lockApplication(trx, id);
    const app = await loadApplication(ctx, id, trx);
    await transition(trx, ctx, app, "withdraw");
  });
}

export async function acceptAward(ctx: ServiceContext, id: number): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    await lockApplication(trx, id);
    const app = await loadApplication(ctx, id, trx);
    // An award whose claim deadline has passed has expired, even before the daily job has run.
    const expired = expiryText(app, localDate(ctx.now(), ctx.config.timeZone));
    if (expired) throw new RuleViolationError("R12", msg("errors:applications.awardExpired", { reason: expired }));
    await transition(trx, ctx, app, "accept", { accepted_at: nowIso(ctx), accepted_by: actingUser(ctx).id });
  });
}
