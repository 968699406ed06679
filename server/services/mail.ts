import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import nodemailer from "nodemailer";
import type { ServiceContext, Trx } from "./context";
import { nowIso } from "./context";

/*
 * E-mail uses an outbox: services queue a message in the `emails` table inside their own
 * transaction (so a rolled-back decision sends nothing), and deliverOutbox() sends queued
 * messages afterwards. In development the transport writes each message as an .eml file under
 * data/outbox/; with SMTP_URL set it sends through SMTP.
 */
const TEMPLATE_DIR = path.resolve(__dirname, "../../templates/emails");
const hbs = Handlebars.create();
const compiled = new Map<string, { subject: HandlebarsTemplateDelegate; body: HandlebarsTemplateDelegate }>();

function template(name: string) {
  let t = compiled.get(name);
  if (!t) {
    // First line "Subject: ..." then a blank line then the plain-text body.
    const src = readFileSync(path.join(TEMPLATE_DIR, `${name}.hbs`), "utf8");
    const match = /^Subject: (.*)\r?\n\r?\n([\s\S]*)$/.exec(src);
    if (!match) throw new Error(`e-mail template ${name} must start with a Subject: line and a blank line`);
    t = { subject: hbs.compile(match[1], { noEscape: true }), body: hbs.compile(match[2], { noEscape: true }) };
    compiled.set(name, t);
  }
  return t;
}

export async function queueEmail(
  trx: Trx,
  ctx: ServiceContext,
  to: string,
  templateName: string,
  data: Record<string, unknown>,
): Promise<void> {
  const t = template(templateName);
  const vars = { baseUrl: ctx.config.baseUrl, ...data };
  await trx("emails").insert({
    to_address: to,
    subject: t.subject(vars).trim(),
    body_text: t.body(vars),
    template: templateName,
    created_at: nowIso(ctx),
  });
}

function transportFor(ctx: ServiceContext) {
  if (ctx.config.mail.smtpUrl) return nodemailer.createTransport(ctx.config.mail.smtpUrl);
  return nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
}

/** Sends every queued message; returns how many were sent. Failures stay queued with the error. */
export async function deliverOutbox(ctx: ServiceContext): Promise<number> {
  const pending = await ctx.db("emails").whereNull("sent_at").orderBy("id").limit(200);
  if (pending.length === 0) return 0;
  const transport = transportFor(ctx);
  const { writeFile } = await import("node:fs/promises");
  let sent = 0;
  for (const m of pending) {
    try {
      const info = await transport.sendMail({ from: ctx.config.mail.from, to: m.to_address, subject: m.subject, text: m.body_text });
      if (!ctx.config.mail.smtpUrl) {
        mkdirSync(ctx.config.mail.outboxDir, { recursive: true });
        const file = path.join(ctx.config.mail.outboxDir, `${String(m.id).padStart(6, "0")}-${m.template}.eml`);
        await writeFile(file, (info as unknown as { message: Buffer }).message);
      }
      await ctx.db("emails").where({ id: m.id }).update({ sent_at: nowIso(ctx), error: null });
      sent++;
    } catch (err) {
      await ctx.db("emails").where({ id: m.id }).update({ error: String((err as Error).message).slice(0, 500) });
    }
  }
  return sent;
}
