import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * Configuration comes from environment variables only, validated once at start-up so that a bad
 * value stops the process with a message naming the variable instead of failing on first use.
 */
const schema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  // 0 asks the operating system for a free port (tests start real servers that way).
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default("data"),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  BASE_URL: z.string().url("must be an absolute URL such as http://localhost:3000").optional(),
  TIME_ZONE: z
    .string()
    .default("Europe/Copenhagen")
    .refine(isValidTimeZone, "must be an IANA time zone such as Europe/Copenhagen"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  MAIL_FROM: z.string().min(3).default("Voucherdesk <no-reply@voucherdesk.test>"),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  SEPA_DEBTOR_NAME: z.string().min(1).max(70).default("BioPeople Voucher Programme"),
  SEPA_DEBTOR_IBAN: z.string().min(15).default("DE89370400440532013000"),
  SEPA_DEBTOR_BIC: z.string().optional(),
  TEMPLATES_DIR: z.string().min(1).optional(),
  VOUCHERDESK_SECRET_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  STEP_UP_MINUTES: z.coerce.number().int().min(1).max(60).default(5),
  SESSION_IDLE_MINUTES_STAFF: z.coerce.number().int().min(1).max(24 * 60).default(30),
  SESSION_IDLE_MINUTES_APPLICANT: z.coerce.number().int().min(1).max(24 * 60).default(120),
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(7 * 24).default(12),
  PSEUDO_LOCALE: z.enum(["on", "off"]).default("off"),
});

export type Config = {
  env: "development" | "test" | "production";
  port: number;
  /** Interface to listen on; all interfaces when unset. */
  host?: string;
  databaseUrl: string | undefined;
  dataDir: string;
  sqliteFile: string;
  sessionSecret: string;
  baseUrl: string;
  secureCookies: boolean;
  timeZone: string;
  logLevel: string;
  mail: { from: string; smtpUrl: string | undefined; outboxDir: string };
  sepaDebtor: { name: string; iban: string; bic: string | undefined };
  /** The e-mail and letter templates (emails/, letters/); the checkout's templates/ when unset. */
  templatesDir?: string;
  /**
   * Encrypts stored TOTP keys (server/services/people/two-factor-keys.ts); the session secret when
   * unset, so changing the session secret then makes every enrolled key unreadable.
   */
  secretKey?: string;
  /** How recent a second factor must be for paying and role changes; 5 minutes when unset. */
  stepUpMinutes?: number;
  /** When a signed-in session ends: after so long without a request, and at the latest after maxMs. */
  sessionLimits: SessionLimits;
  /**
   * Lets a browser ask for the pseudo-locale (server/i18n/pseudo.ts) with the switcher cookie, to
   * find text that bypasses the catalogues and layouts that break with longer text. For tests;
   * off unless PSEUDO_LOCALE=on.
   */
  pseudoLocale?: boolean;
};

export interface SessionLimits {
  staffIdleMs: number;
  applicantIdleMs: number;
  maxMs: number;
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(pickDefined(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const c = parsed.data;
  const dataDir = path.resolve(c.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  if (c.NODE_ENV === "production" && !c.SESSION_SECRET) {
    throw new ConfigError("Invalid configuration:\n  SESSION_SECRET: required when NODE_ENV=production");
  }
  const baseUrl = (c.BASE_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, "");
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    dataDir,
    sqliteFile: path.join(dataDir, "voucherdesk.sqlite"),
    sessionSecret: c.SESSION_SECRET ?? developmentSecret(dataDir),
    baseUrl,
    secureCookies: baseUrl.startsWith("https://"),
    timeZone: c.TIME_ZONE,
    logLevel: c.LOG_LEVEL ?? (c.NODE_ENV === "test" ? "silent" : "info"),
    mail: { from: c.MAIL_FROM, smtpUrl: c.SMTP_URL, outboxDir: path.join(dataDir, "outbox") },
    sepaDebtor: { name: c.SEPA_DEBTOR_NAME, iban: c.SEPA_DEBTOR_IBAN, bic: c.SEPA_DEBTOR_BIC },
    templatesDir: c.TEMPLATES_DIR === undefined ? undefined : path.resolve(c.TEMPLATES_DIR),
    secretKey: c.VOUCHERDESK_SECRET_KEY,
    stepUpMinutes: c.STEP_UP_MINUTES,
    sessionLimits: {
      staffIdleMs: c.SESSION_IDLE_MINUTES_STAFF * 60_000,
      applicantIdleMs: c.SESSION_IDLE_MINUTES_APPLICANT * 60_000,
      maxMs: c.SESSION_MAX_HOURS * 3_600_000,
    },
    pseudoLocale: c.PSEUDO_LOCALE === "on",
  };
}

/** Empty strings in the environment mean "not set", as in most deployment tools. */
function pickDefined(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}

/** Generated once and kept, so development sessions survive a restart. */
function developmentSecret(dataDir: string): string {
  const file = path.join(dataDir, "session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
