import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import nodemailer from "nodemailer";
import { isPostgres } from "../../db/connection";
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
const TEMPLATE_DIR = path.resolve(__dirname, "../../../templates/emails");
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
  afterCommit(trx);
}

function transportFor(ctx: ServiceContext) {
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

interface EmailRow { id: number; to_address: string; subject: string; body_text: string; template: string; attempts: number }

function pendingQuery(db: ServiceContext["db"] | Trx, now: string) {
  return db("emails").whereNull("sent_at")
    .where((w) => w.whereNull("next_attempt_at").orWhere("next_attempt_at", "<=", now))
    .where((w) => w.whereNull("claimed_until").orWhere("claimed_until", "<", now))
    .orderBy("id");
}

/** Claims the oldest message that is due and not claimed by another sender, or returns null. */
async function claimNext(ctx: ServiceContext): Promise<EmailRow | null> {
  const now = ctx.now();
  // A read first, so an empty outbox costs no write lock (SQLite) and no transaction.
  if (!(await pendingQuery(ctx.db, now.toISOString()).first("id"))) return null;
  return inTransaction(ctx, async (trx) => {
    const q = pendingQuery(trx, now.toISOString()).first("id", "to_address", "subject", "body_text", "template", "attempts");
    const row = isPostgres(ctx.db) ? await q.forUpdate().skipLocked() : await q;
    if (!row) return null;
    const attempts = Number(row.attempts) + 1;
    await trx("emails").where({ id: row.id }).update({ claimed_until: new Date(now.getTime() + CLAIM_MS).toISOString(), attempts });
    return { ...row, id: Number(row.id), attempts } as EmailRow;
  });
}

/**
 * Sends queued messages one claimed row at a time; returns how many were sent. A failed send
 * keeps the message queued with the error and a later next attempt.
 */
export async function deliverOutbox(ctx: ServiceContext): Promise<number> {
  const transport = transportFor(ctx);
  const { writeFile } = await import("node:fs/promises");
  let sent = 0;
  for (let n = 0; n < MAX_PER_RUN; n++) {
    const m = await claimNext(ctx);
    if (!m) break;
    try {
      const info = await transport.sendMail({ from: ctx.config.mail.from, to: m.to_address, subject: m.subject, text: m.body_text });
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
