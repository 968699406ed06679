import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import { isPostgres } from "../../db/connection";
import { toOutboxEmail, type OutboxEmail } from "../../db/tables/emails";
import { formatLongDay } from "../../domain/date-format";
import { isMessage } from "../../domain/message";
import { formatMoney } from "../../domain/money";
import { renderText } from "../../i18n/messages";
import { DATE_LOCALES, type Language, LANGUAGES, SOURCE_LANGUAGE } from "../../languages";
import { languageOfEmail } from "../people/language";
import type { ServiceContext, Trx } from "./context";
import { afterCommit, inTransaction, nowIso } from "./context";

/*
 * E-mail uses an outbox: services queue a message in the `emails` table inside their own
 * transaction (so a rolled-back decision sends nothing), and deliverOutbox() sends queued
 * messages afterwards: right after the queuing transaction commits (OutboxWorker, started by the
 * server) and on a periodic sweep that retries failed sends. In development the transport writes
 * each message as an .eml file under data/outbox/; with SMTP_URL set it sends through SMTP.
 *
 * Several senders (app servers, the jobs command) may work on one database: each message is
 * claimed in a short transaction (FOR UPDATE SKIP LOCKED on PostgreSQL, so senders never wait for
 * each other; the single write lock on SQLite) and stays claimed until `claimed_until`, so it is
 * sent once. Only a sender that dies between sending and marking the row sent can cause a
 * repeat, after the claim has expired: at least once, never lost.
 */

/**
 * Every e-mail the product sends. queueEmail accepts only these names, and every one must exist
 * as templates/emails/<language>/<name>.hbs in every language of LANGUAGES: the server checks at
 * start-up (loadEmailTemplates) and refuses to start without them, so no message is ever dropped
 * for want of its text.
 */
export const EMAIL_TEMPLATES = [
  "account-confirmation",
  "claim-deadline-reminder",
  "claim-received",
  "claim-rejected",
  "claim-verified",
  "deadline-reminder",
  "decision-approved",
  "decision-rejected",
  "invitation",
  "more-info-requested",
  "password-reset",
  "payment-made",
  "payment-returned",
  "submission-received",
] as const;
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

export const EMAIL_TEMPLATE_DIR = path.resolve(__dirname, "../../../templates/emails");

interface CompiledEmail { subject: HandlebarsTemplateDelegate; body: HandlebarsTemplateDelegate }

const hbs = Handlebars.create();

interface EmailRenderData { language: Language; timeZone: string }

/** {{money x}}: cents in the reader's conventions ("4.000,00 EUR"); text is shown as it is. */
hbs.registerHelper("money", function (value: unknown, options: Handlebars.HelperOptions) {
  if (typeof value === "number" && Number.isSafeInteger(value)) return formatMoney(value, (options.data as EmailRenderData).language);
  return typeof value === "string" ? value : "";
});

/** {{date x}}: a YYYY-MM-DD date in words in the reader's language; anything else as it is. */
hbs.registerHelper("date", function (value: unknown, options: Handlebars.HelperOptions) {
  if (typeof value !== "string") return "";
  const { language, timeZone } = options.data as EmailRenderData;
  return formatLongDay(value, timeZone, DATE_LOCALES[language]) ?? value;
});
let compiled: Map<string, CompiledEmail> | null = null;

function key(language: Language, name: EmailTemplate): string {
  return `${language}/${name}`;
}

/** Thrown at start-up when a template is missing or malformed; lists every problem at once. */
export class TemplateError extends Error {
  constructor(readonly problems: string[]) {
    super(`Templates missing or unreadable:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "TemplateError";
  }
}

/**
 * Reads and compiles every e-mail template in every language from `dir`, for the whole process.
 * Returns the problems (a missing file, no "Subject:" line) instead of throwing, so that the
 * start-up check can report e-mails and letters together.
 */
export function loadEmailTemplates(dir: string = EMAIL_TEMPLATE_DIR): string[] {
  const problems: string[] = [];
  const next = new Map<string, CompiledEmail>();
  for (const language of LANGUAGES) {
    for (const name of EMAIL_TEMPLATES) {
      const file = path.join(dir, language, `${name}.hbs`);
      if (!existsSync(file)) {
        problems.push(`${file}: missing (e-mail "${name}", language ${language})`);
        continue;
      }
      // First line "Subject: ..." then a blank line then the plain-text body.
      const match = /^Subject: (.*)\r?\n\r?\n([\s\S]*)$/.exec(readFileSync(file, "utf8"));
      if (!match?.[1] || match[2] === undefined) {
        problems.push(`${file}: must start with a "Subject:" line and a blank line`);
        continue;
      }
      next.set(key(language, name), { subject: hbs.compile(match[1], { noEscape: true }), body: hbs.compile(match[2], { noEscape: true }) });
    }
  }
  if (problems.length === 0) compiled = next;
  return problems;
}

function template(name: EmailTemplate, language: Language): CompiledEmail {
  if (!compiled) {
    // A process that did not go through start-up (a script, a test) loads them on first use.
    const problems = loadEmailTemplates();
    if (problems.length > 0) throw new TemplateError(problems);
  }
  const t = compiled?.get(key(language, name));
  if (!t) throw new TemplateError([`e-mail "${name}" in ${language} is not loaded`]);
  return t;
}

export async function queueEmail(
  trx: Trx,
  ctx: ServiceContext,
  to: string,
  templateName: EmailTemplate,
  data: Record<string, unknown>,
): Promise<void> {
  // The recipient's language: their own choice, else their partner organisation's, else English.
  const language = (await languageOfEmail(trx, to)) ?? SOURCE_LANGUAGE;
  const t = template(templateName, language);
  // A catalogue message among the values (a claim's payable explanation) reads in the recipient's language.
  const written = Object.fromEntries(Object.entries(data).map(([name, value]) => [name, isMessage(value) ? renderText(language, value) : value]));
  const vars = { baseUrl: ctx.config.baseUrl, ...written };
  const options = { data: { language, timeZone: ctx.config.timeZone } satisfies EmailRenderData };
  await trx("emails").insert({
    to_address: to,
    subject: t.subject(vars, options).trim(),
    body_text: t.body(vars, options),
    template: templateName,
    created_at: nowIso(ctx),
  });
  afterCommit(trx);
}

/** nodemailer is loaded with the first delivery run, after the server has started listening. */
async function transportFor(ctx: ServiceContext) {
  const { default: nodemailer } = await import("nodemailer");
  if (ctx.config.mail.smtpUrl) return nodemailer.createTransport(ctx.config.mail.smtpUrl);
  return nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
}

/** How long a claimed message is reserved for its sender; longer than any SMTP send takes. */
const CLAIM_MS = 2 * 60 * 1000;
/** One sweep stops after this many messages so a huge backlog cannot monopolise a server. */
const MAX_PER_RUN = 1000;

/** Waiting time before the next attempt after `attempts` failed sends: 30 s doubling, at most 1 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60 * 60 * 1000, 30_000 * 2 ** Math.max(0, Math.min(attempts, 20) - 1));
}

function pendingQuery(db: ServiceContext["db"] | Trx, now: string) {
  return db("emails").whereNull("sent_at")
    .where((w) => void w.whereNull("next_attempt_at").orWhere("next_attempt_at", "<=", now))
    .where((w) => void w.whereNull("claimed_until").orWhere("claimed_until", "<", now))
    .orderBy("id");
}

/** Claims the oldest message that is due and not claimed by another sender, or returns null. */
async function claimNext(ctx: ServiceContext): Promise<OutboxEmail | null> {
  const now = ctx.now();
  // A read first, so an empty outbox costs no write lock (SQLite) and no transaction.
  if (!(await pendingQuery(ctx.db, now.toISOString()).first("id"))) return null;
  return inTransaction(ctx, async (trx) => {
    const q = pendingQuery(trx, now.toISOString()).first("id", "to_address", "subject", "body_text", "template", "attempts");
    const row = isPostgres(ctx.db) ? await q.forUpdate().skipLocked() : await q;
    if (!row) return null;
    const email = toOutboxEmail(row);
    const attempts = email.attempts + 1;
    await trx("emails").where({ id: email.id }).update({ claimed_until: new Date(now.getTime() + CLAIM_MS).toISOString(), attempts });
    return { ...email, attempts };
  });
}

/**
 * Sends queued messages one claimed row at a time; returns how many were sent. A failed send
 * keeps the message queued with the error and a later next attempt.
 */
export async function deliverOutbox(ctx: ServiceContext): Promise<number> {
  const transport = await transportFor(ctx);
  const { writeFile } = await import("node:fs/promises");
  let sent = 0;
  for (let n = 0; n < MAX_PER_RUN; n++) {
    const m = await claimNext(ctx);
    if (!m) break;
    try {
      const info = await transport.sendMail({ from: ctx.config.mail.from, to: m.to, subject: m.subject, text: m.bodyText });
      if (!ctx.config.mail.smtpUrl) {
        mkdirSync(ctx.config.mail.outboxDir, { recursive: true });
        const file = path.join(ctx.config.mail.outboxDir, `${String(m.id).padStart(6, "0")}-${m.template}.eml`);
        await writeFile(file, (info as unknown as { message: Buffer }).message);
      }
      await ctx.db("emails").where({ id: m.id }).update({ sent_at: nowIso(ctx), error: null, claimed_until: null });
      sent++;
    } catch (err) {
      await ctx.db("emails").where({ id: m.id }).update({
        error: String((err as Error).message).slice(0, 500),
        next_attempt_at: new Date(ctx.now().getTime() + retryDelayMs(m.attempts)).toISOString(),
        claimed_until: null,
      });
    }
  }
  return sent;
}

/**
 * Delivers the outbox in the background of one server: kick() after a transaction queued mail
 * and from the periodic sweep. Runs are never concurrent within the process; a kick during a run
 * makes the run go round once more. idle() resolves when no run is active.
 */
export class OutboxWorker {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await deliverOutbox(this.ctx);
      } catch (err) {
        this.onError(err);
      }
    } while (this.again);
  }
}
