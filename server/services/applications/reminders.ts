import { claimsOpenOn, REMINDER_DAYS, reminderDue } from "../../domain/claims";
import { addDays, localDate } from "../../domain/time";
import { applicationQuery, toApplication } from "./records";
import { audit } from "../platform/audit";
import { inTransaction, type ServiceContext } from "../platform/context";
import { queueEmail } from "../platform/mail";

/**
 * E-mails the company 14 and 3 days before the completion deadline of an approved or accepted
 * voucher, and, once that has passed, 14 and 3 days before the claim deadline while no claim is
 * in (reminderDue decides, the same rule as the claim form). Idempotent: each reminder is recorded
 * in the audit log and never sent twice, and a day the job did not run is caught up the next day
 * (the nearer reminder wins). Returns how many reminders were queued.
 */
export async function sendDeadlineReminders(ctx: ServiceContext): Promise<number> {
  const today = localDate(ctx.now(), ctx.config.timeZone);
  const horizon = addDays(today, Math.max(...REMINDER_DAYS));
  const rows = await applicationQuery(ctx.db).whereIn("a.state", ["approved", "accepted", "claim-rejected"])
    .where((w) => { void w.whereBetween("a.completion_deadline", [today, horizon]).orWhereBetween("a.claim_deadline", [today, horizon]); });
  let sent = 0;
  for (const r of rows) {
    const app = toApplication(r);
    const due = reminderDue(app, today);
    if (!due) continue;
    const action = due.deadline === "completion" ? `application.reminder-${due.stage}` : `application.claim-reminder-${due.stage}`;
    const template = due.deadline === "completion" ? "deadline-reminder" : "claim-deadline-reminder";
    sent += await inTransaction(ctx, async (trx) => {
      if (await trx("audit_events").where({ action, entity_type: "application", entity_id: String(app.id) }).first("id")) return 0;
      const users = await trx("users").where({ company_id: app.companyId, role: "applicant", active: true }).select("email", "name");
      for (const u of users) {
        await queueEmail(trx, ctx, u.email, template, {
          name: u.name, reference: app.reference ?? `#${app.id}`, title: app.title, days: due.daysLeft,
          completionDeadline: app.completionDeadline, claimDeadline: app.claimDeadline, claimsFrom: claimsOpenOn(app) ?? app.completionDeadline,
          link: `${ctx.config.baseUrl}/applications/${app.id}`,
        });
      }
      await audit(trx, ctx, { action, entityType: "application", entityId: app.id, after: { deadline: due.deadline, date: due.date, daysLeft: due.daysLeft, recipients: users.length } });
      return users.length > 0 ? 1 : 0;
    });
  }
  return sent;
}
