import { createHash } from "node:crypto";
import { NotFoundError, RuleViolationError, ValidationError, type FieldTexts } from "../../errors";
import { claimWindow, costLineDateStatus, costLineDateText } from "../../domain/claims";
import { isCurrencyCode } from "../../domain/exchange-rates";
import { storedFileName } from "../../domain/file-names";
import { type Message, msg, sentences } from "../../domain/message";
import { parseMoney, sumCents, type Cents } from "../../domain/money";
import { isValidDate, localDate } from "../../domain/time";
import { actingUser, loadApplication, lockApplication, transition } from "../applications/records";
import { audit } from "../platform/audit";
import { inTransaction, insertedId, nowIso, type ServiceContext, type Trx } from "../platform/context";
import { queueEmail } from "../platform/mail";
import { callVoucherType } from "../scheme/reference";

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
    const fields: FieldTexts = {};
    if (!input.report.trim()) fields.report = msg("errors:claims.reportMissing");
    const lines: { incurredOn: string; description: string; currency: string; minor: number }[] = [];
    const late: Message[] = [];
    input.lines.forEach((l, i) => {
      const blank = !l.incurredOn.trim() && !l.description.trim() && !l.amount.trim();
      if (blank) return;
      const n = i + 1;
      const currency = (l.currency || "EUR").trim().toUpperCase();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(l.incurredOn)) fields[`date_${i}`] = msg("errors:claims.lineDateMissing", { n });
      if (!l.description.trim()) fields[`description_${i}`] = msg("errors:claims.lineDescriptionMissing", { n });
      if (!isCurrencyCode(currency)) fields[`currency_${i}`] = msg("errors:claims.lineCurrency", { n });
      const m = parseMoney(l.amount.replace(/^(eur|€)/i, ""));
      if (!m.ok) fields[`amount_${i}`] = msg("errors:claims.lineAmount", { n, reason: m.text });
      if (fields[`date_${i}`] || fields[`description_${i}`] || fields[`currency_${i}`] || !m.ok) return;
      const given: string = l.incurredOn;
      if (!isValidDate(l.incurredOn)) { fields[`date_${i}`] = msg("errors:claims.lineDateNotReal", { n, given }); return; }
      if (app.approvedOn) {
        const status = costLineDateStatus(l.incurredOn, app.approvedOn, today);
        const why = costLineDateText(status, l.incurredOn, app.approvedOn, today);
        if (why) {
          const refusal = msg("errors:claims.lineDate", { n, why });
          fields[`date_${i}`] = refusal;
          late.push(refusal);
          return;
        }
      }
      lines.push({ incurredOn: l.incurredOn, description: l.description.trim(), currency, minor: m.cents });
    });
    if (late.length > 0) throw new RuleViolationError("R11", msg("errors:claims.notSubmittable", { reasons: sentences(late) }), fields);
    // A lump sum is paid on the verified report (R14): its costs may be listed, but need not be.
    const type = await callVoucherType(trx, app.callId, app.voucherTypeId);
    if (type.paymentBasis === "actual-costs-capped" && lines.length === 0 && !Object.keys(fields).some((k) => k.startsWith("amount_") || k.startsWith("date_"))) {
      fields.date_0 = msg("errors:claims.noLines");
    }
    if (Object.keys(fields).length) throw new ValidationError(msg("errors:claims.needsAttention"), fields);

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

const sha256Of = (content: Buffer) => createHash("sha256").update(content).digest("hex");

export async function storeAttachment(trx: Trx, ctx: ServiceContext, applicationId: number, claimId: number | null, purpose: "application" | "evidence", f: CheckedFile): Promise<number> {
  const name = storedFileName(f.originalName, f.mime);
  const id = insertedId((await trx("attachments").insert({
    application_id: applicationId, claim_id: claimId, purpose, original_name: name, mime: f.mime,
    size_bytes: f.content.length, sha256: sha256Of(f.content), content: f.content,
    uploaded_by: actingUser(ctx).id, uploaded_at: nowIso(ctx),
  }).returning("id"))[0]);
  await audit(trx, ctx, { action: "application.attachment-added", entityType: "application", entityId: applicationId, after: { attachmentId: id, name, purpose } });
  return id;
}

/**
 * Adds the files of one upload to an application that can still be edited: all of them or none.
 * A file already attached under the same name with the same bytes (the upload sent twice, the same
 * file chosen again) is not stored again; returns the ids of the files stored.
 */
export async function addApplicationAttachments(ctx: ServiceContext, applicationId: number, files: readonly CheckedFile[]): Promise<number[]> {
  return inTransaction(ctx, async (trx) => {
    // Two uploads of one file at the same moment take turns (PostgreSQL), so the second sees the first.
    await lockApplication(trx, applicationId);
    const app = await loadApplication(ctx, applicationId, trx);
    if (ctx.actor?.role !== "applicant") throw new NotFoundError();
    if (app.state !== "draft" && app.state !== "more-info-requested") {
      throw new ValidationError(msg("errors:claims.filesNotNow"));
    }
    const sameFile = (name: string, sha256: string) => `${sha256} ${name}`;
    const rows = await trx("attachments").where({ application_id: app.id, purpose: "application" }).select("original_name", "sha256");
    const attached = new Set(rows.map((r) => sameFile(r.original_name, r.sha256)));
    const ids: number[] = [];
    for (const f of files) {
      const file = sameFile(storedFileName(f.originalName, f.mime), sha256Of(f.content));
      if (attached.has(file)) continue;
      attached.add(file);
      ids.push(await storeAttachment(trx, ctx, app.id, null, "application", f));
    }
    return ids;
  });
}
