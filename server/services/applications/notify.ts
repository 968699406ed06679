import type { Application } from "./records";
import type { ServiceContext, Trx } from "../platform/context";
import { type EmailTemplate, queueEmail } from "../platform/mail";

/**
 * E-mails every active applicant account of the application's company, in the transaction of the
 * decision it reports. The template's variables: the application's names and link, and `data`.
 */
export async function notifyCompany(trx: Trx, ctx: ServiceContext, app: Application, template: EmailTemplate, data: Record<string, unknown>): Promise<void> {
  const users = await trx("users").where({ company_id: app.companyId, role: "applicant", active: true }).select("email", "name");
  for (const u of users) {
    await queueEmail(trx, ctx, u.email, template, {
      name: u.name, reference: app.reference, applicationId: app.id, title: app.title, companyName: app.companyName,
      voucherType: app.voucherTypeName, callTitle: app.callTitle, claimDeadline: app.claimDeadline,
      link: `${ctx.config.baseUrl}/applications/${app.id}`, ...data,
    });
  }
}
