import { createHash } from "node:crypto";
import { NotFoundError, RuleViolationError, ValidationError, type FieldErrors } from "../../errors";
import { claimWindow, costLineDateMessage, costLineDateStatus } from "../../domain/claims";
import { parseMoney, sumCents, type Cents } from "../../domain/money";
import { isValidDate, localDate } from "../../domain/time";
import { actingUser, loadApplication, lockApplication, transition } from "../applications/records";
import { audit } from "../platform/audit";
import { inTransaction, insertedId, nowIso, type ServiceContext, type Trx } from "../platform/context";
import { queueEmail } from "../platform/mail";

/*
 * The applicant's claim: report, cost lines and evidence. Costs in another currency are stored in
 * their own minor units with eur_cents left empty; the manager converts them at the Commission's
 * rate (R2), so nothing is converted or rounded here.
 */

export interface CostLineInput { incurredOn: string; description: string; currency: string; amount: string }
export interface ClaimInput {
  report: string;
  organisationsMet: string;
  resultContacts: string;
  resultProduct: string;
  followUp: string;
  lines: CostLineInput[];
}

/** A file already checked by the upload layer (type from bytes, size, not empty). */
export interface CheckedFile { originalName: string; mime: string; content: Buffer }

export const MAX_COST_LINES = 8;

export async function submitClaim(ctx: ServiceContext, applicationId: number, input: ClaimInput, files: CheckedFile[]): Promise<number> {
  return inTransaction(ctx, async (trx) => {
    await lockApplication(trx, applicationId);
    const app = await loadApplication(ctx, applicationId, trx);
    if (ctx.actor?.role !== "applicant") throw new NotFoundError();
    const today = localDate(ctx.now(), ctx.config.timeZone);
    // A late or early claim is refused whatever it contains; the window is the same whether or
    // not the daily expiry job has already run.
    const window = claimWindow(app, today);
    if (!window.open) throw new RuleViolationError(window.rule, window.text);
    const fields: FieldErrors = {};
    if (!input.report.trim()) fields.report = "Describe what happened during the activity.";
    const lines: { incurredOn: string; description: string; currency: string; minor: number }[] = [];
    const late: string[] = [];
    input.lines.forEach((l, i) => {
      const blank = !l.incurredOn.trim() && !l.description.trim() && !l.amount.trim();
      if (blank) return;
      const n = i + 1;
      const currency = (l.currency || "EUR").trim().toUpperCase();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(l.incurredOn)) fields[`date_${i}`] = `Cost line ${n}: enter the date, for example 2027-03-15.`;
      if (!l.description.trim()) fields[`description_${i}`] = `Cost line ${n}: describe the cost.`;
      if (!/^[A-Z]{3}$/.test(currency)) fields[`currency_${i}`] = `Cost line ${n}: enter a three-letter currency code such as EUR or DKK.`;
      const m = parseMoney(l.amount.replace(/^(eur|€)/i, ""));
      if (!m.ok) fields[`amount_${i}`] = `Cost line ${n}: ${m.reason}`;
      if (fields[`date_${i}`] || fields[`description_${i}`] || fields[`currency_${i}`] || !m.ok) return;
      const given: string = l.incurredOn;
      if (!isValidDate(l.incurredOn)) { fields[`date_${i}`] = `Cost line ${n}: ${given} is not a date in the calendar.`; return; }
      if (app.approvedOn) {
        const status = costLineDateStatus(l.incurredOn, app.approvedOn, today);
        const why = costLineDateMessage(status, l.incurredOn, app.approvedOn, today);
        if (why) {
          const msg = `Cost line ${n} is ${why}`;
          fields[`date_${i}`] = msg;
          late.push(msg);
          return;
        }
      }
      lines.push({ incurredOn: l.incurredOn, description: l.description.trim(), currency, minor: m.cents });
    });
    if (late.length > 0) throw new RuleViolationError("R11", `The claim cannot be submitted: ${late.join(" ")}`, fields);
    if (lines.length === 0 && !Object.keys(fields).some((k) => k.startsWith("amount_") || k.startsWith("date_"))) {
      fields.date_0 = "Enter at least one cost line.";
    }
    if (Object.keys(fields).length) throw new ValidationError("The claim needs your attention.", fields);

    const now = nowIso(ctx);
    const claimId = insertedId((await trx("claims").insert({
      application_id: app.id, status: "submitted", report: input.report.trim(), organisations_met: input.organisationsMet.trim(),
      result_contacts: input.resultContacts.trim(), result_product: input.resultProduct.trim(), follow_up: input.followUp.trim(),
      submitted_at: now, submitted_by: ctx.actor.id,
    }).returning("id"))[0]);
    for (const l of lines) {
      await trx("claim_cost_lines").insert({
        claim_id: claimId, incurred_on: l.incurredOn, description: l.description, currency: l.currency,
        original_minor: l.minor, eur_cents: l.currency === "EUR" ? l.minor : null,
      });
    }
    for (const f of files) await storeAttachment(trx, ctx, app.id, claimId, "evidence", f);
    await transition(trx, ctx, app, "claim", {}, { claimId });
    const eurTotal: Cents = sumCents(lines.filter((l) => l.currency === "EUR").map((l) => l.minor));
    await queueEmail(trx, ctx, ctx.actor.email, "claim-received", {
      name: ctx.actor.name, reference: app.reference ?? `#${app.id}`, title: app.title, eurTotal,
      foreignLines: lines.filter((l) => l.currency !== "EUR").length, link: `${ctx.config.baseUrl}/applications/${app.id}`,
    });
    return claimId;
  });
}

export async function storeAttachment(trx: Trx, ctx: ServiceContext, applicationId: number, claimId: number | null, purpose: "application" | "evidence", f: CheckedFile): Promise<number> {
  const id = insertedId((await trx("attachments").insert({
    application_id: applicationId, claim_id: claimId, purpose, original_name: f.originalName.slice(0, 255), mime: f.mime,
    size_bytes: f.content.length, sha256: createHash("sha256").update(f.content).digest("hex"), content: f.content,
    uploaded_by: actingUser(ctx).id, uploaded_at: nowIso(ctx),
  }).returning("id"))[0]);
  await audit(trx, ctx, { action: "application.attachment-added", entityType: "application", entityId: applicationId, after: { attachmentId: id, name: f.originalName, purpose } });
  return id;
}

/** Adds the files of one upload to an application that can still be edited: all of them or none. */
export async function addApplicationAttachments(ctx: ServiceContext, applicationId: number, files: readonly CheckedFile[]): Promise<number[]> {
  return inTransaction(ctx, async (trx) => {
    const app = await loadApplication(ctx, applicationId, trx);
    if (ctx.actor?.role !== "applicant") throw new NotFoundError();
    if (app.state !== "draft" && app.state !== "more-info-requested") {
      throw new ValidationError("Files can be added while the application is a draft or when more information is requested.");
    }
    const ids: number[] = [];
    for (const f of files) ids.push(await storeAttachment(trx, ctx, app.id, null, "application", f));
    return ids;
  });
}
