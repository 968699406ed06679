import pino, { type DestinationStream, type Logger } from "pino";

/*
 * The one place that decides what may reach a log line. Logs are read by more people than the
 * database (hosting staff, log shippers, support tickets), so they carry no secrets: no SQL with
 * its values, no password hashes, no one-time-link tokens, no session or CSRF tokens, no request
 * bodies, and IBANs only as their last four characters. Everything is whitelisted field by field
 * and every text that may echo input is scrubbed again, so a new caller logging an odd object
 * cannot undo this.
 */

const REDACTED = "[redacted]";

// Opaque secrets in paths: /confirm/<token>, /password-reset/<token>, /invite/<token> and the like.
const LINK_TOKEN = /(\/(?:confirm|password-reset|invite|verify|reset|token)\/)[^/?#\s"']+/gi;
// argon2 PHC strings ($argon2id$v=19$m=...,t=...,p=...$salt$hash) and other modular-crypt hashes.
const PASSWORD_HASH = /\$(?:argon2(?:id|i|d)|2[aby]|scrypt|pbkdf2[\w-]*)\$[^\s'",)]+/gi;
// An IBAN, printed compactly or in groups of four: country, check digits, 10-30 alphanumerics.
const IBAN = /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){10,30}\b/g;
// Long base64url/hex runs (tokens, session ids, CSRF tokens) that are not UUIDs (request ids).
const OPAQUE = /\b(?![0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)[A-Za-z0-9_-]{32,}(?:\.[A-Za-z0-9_-]+)*\b/g;
const QUERY_STRING = /\?[^\s"']*/g;

/** Keeps the last four characters of an IBAN (what a person needs to recognise the account). */
export function maskIban(value: string): string {
  const compact = value.replace(/\s+/g, "");
  return compact.length <= 4 ? "*".repeat(compact.length) : "*".repeat(compact.length - 4) + compact.slice(-4);
}

/** Removes secrets from a text that may echo input (an error message, a URL). */
export function scrubText(text: string): string {
  return text
    .replace(PASSWORD_HASH, REDACTED)
    .replace(LINK_TOKEN, `$1${REDACTED}`)
    .replace(IBAN, (m) => maskIban(m))
    .replace(OPAQUE, REDACTED);
}

/** Path of a request URL with tokens scrubbed and the query string dropped (it may hold anything). */
export function scrubUrl(url: string): string {
  return scrubText(url.replace(QUERY_STRING, ""));
}

interface DriverError {
  name?: string;
  message?: string;
  stack?: string;
  code?: unknown;
  errno?: unknown;
  status?: unknown;
  constraint?: unknown;
  table?: unknown;
  routine?: unknown;
  severity?: unknown;
}

/**
 * A database error as knex throws it has the message "<SQL> - <driver message>" (with the values
 * when knex compiles them in), and PostgreSQL adds `detail` ("Key (iban)=(DE89...) already
 * exists"). Only the driver's own message after the SQL is kept, and `detail`, `where`, `hint`
 * and the query are never copied.
 */
function isDatabaseError(e: DriverError): boolean {
  if (typeof e.code === "string" && /^SQLITE_/.test(e.code)) return true;
  // PostgreSQL errors carry a severity, a five-character SQLSTATE and the server routine.
  return typeof e.severity === "string" && typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code);
}

function driverMessage(message: string): string {
  const cut = message.lastIndexOf(" - ");
  return cut >= 0 ? message.slice(cut + 3) : message;
}

/** pino serializer for errors: a whitelist of fields, with the message and stack scrubbed. */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!err || typeof err !== "object") return { message: scrubText(String(err)) };
  const e = err as DriverError;
  const db = isDatabaseError(e);
  const rawMessage = typeof e.message === "string" ? e.message : "";
  const message = scrubText(db ? driverMessage(rawMessage) : rawMessage);
  // The first stack line repeats the message; only the frames are kept below it.
  const frames = typeof e.stack === "string" ? e.stack.split("\n").filter((l) => /^\s+at /.test(l)) : [];
  const out: Record<string, unknown> = { type: e.name ?? err.constructor?.name ?? "Error", message };
  if (typeof e.code === "string" || typeof e.code === "number") out.code = e.code;
  if (typeof e.errno === "number") out.errno = e.errno;
  if (typeof e.status === "number") out.status = e.status;
  if (db && typeof e.constraint === "string") out.constraint = e.constraint;
  if (db && typeof e.table === "string") out.table = e.table;
  if (frames.length) out.stack = scrubText(frames.join("\n"));
  return out;
}

/** Only what identifies a request: its id, method and path (no headers, cookies, query or body). */
export function serializeRequest(r: { id?: unknown; method?: string; url?: string; originalUrl?: string }): Record<string, unknown> {
  return { id: r.id, method: r.method, url: scrubUrl(String(r.originalUrl ?? r.url ?? "")) };
}

export function serializeResponse(r: { statusCode?: number }): Record<string, unknown> {
  return { statusCode: r.statusCode };
}

export const logSerializers = { err: serializeError, req: serializeRequest, res: serializeResponse };

/*
 * Second line of defence for objects logged by hand: fields with these names are never written
 * as they are, wherever they sit.
 */
const SECRET_KEYS = [
  "password", "password_hash", "passwordHash", "newPassword", "token", "rawToken", "token_hash", "_csrf", "csrfToken",
  "cookie", "cookies", "authorization", "sid", "sessionId", "session", "body", "bindings", "sql", "detail",
];
const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`]),
  "iban", "*.iban", "debtorIban", "*.debtorIban",
  "req.headers", "res.headers",
];

function censor(value: unknown, path: string[]): unknown {
  const key = path[path.length - 1];
  if ((key === "iban" || key === "debtorIban") && typeof value === "string") return maskIban(value);
  return REDACTED;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    serializers: logSerializers,
    redact: { paths: REDACT_PATHS, censor },
    hooks: {
      // A message passed as text may still echo input.
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, args.map((a) => (typeof a === "string" ? scrubText(a) : a)));
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
