/**
 * The one error hierarchy. Every refusal the application makes on purpose is an AppError with an
 * HTTP status and a stable code; the web layer maps them to pages in one place
 * (server/web/error-handler.ts). Anything else is a bug and becomes a generic 500 page.
 */
import { msg, type Text } from "./domain/message";
import { englishText } from "./i18n/messages";

export type { Text } from "./domain/message";
export { englishText } from "./i18n/messages";

/** Per-field messages in English, as logs and older code read them. */
export type FieldErrors = Record<string, string>;
/** Per-field messages as thrown: catalogue messages (server/domain/message.ts) or plain text. */
export type FieldTexts = Record<string, Text>;

/**
 * A message is a catalogue message (`msg("errors:...", params)`) or, for text not yet moved to a
 * catalogue, a plain string shown as it is. `message` and `fields` are the English renderings;
 * `text` and `fieldTexts` are what the web edge translates (server/web/error-text.ts).
 */
export class AppError extends Error {
  /** Per-field messages for form re-rendering, in English. */
  readonly fields: FieldErrors;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly text: Text,
    readonly fieldTexts: FieldTexts = {},
  ) {
    super(englishText(text));
    this.name = new.target.name;
    this.fields = Object.fromEntries(Object.entries(fieldTexts).map(([k, v]) => [k, englishText(v)]));
  }
}

export class BadRequestError extends AppError {
  constructor(message: Text, code = "bad_request") {
    super(400, code, message);
  }
}

export class ValidationError extends AppError {
  constructor(message: Text, fields: FieldTexts = {}, code = "validation_failed") {
    super(422, code, message, fields);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message: Text = msg("errors:generic.unauthenticated")) {
    super(401, "unauthenticated", message);
  }
}

/** A wrong e-mail address or password: one message for both, so the form does not reveal which accounts exist. */
export class SignInFailedError extends AppError {
  constructor() {
    super(401, "sign_in_failed", msg("errors:generic.signInFailed"), { email: msg("errors:generic.signInFailedField") });
  }
}

export class ForbiddenError extends AppError {
  constructor(message: Text = msg("errors:generic.forbidden"), code = "forbidden") {
    super(403, code, message);
  }
}

/** Also used for records that exist but belong to someone else, so that ids leak nothing. */
export class NotFoundError extends AppError {
  constructor(message: Text = msg("errors:generic.notFound")) {
    super(404, "not_found", message);
  }
}

export class ConflictError extends AppError {
  constructor(message: Text, code = "conflict") {
    super(409, code, message);
  }
}

/** A scheme rule refuses the action; `rule` is the R-number in docs/scheme.md. */
export class RuleViolationError extends AppError {
  constructor(
    readonly rule: string,
    message: Text,
    fields: FieldTexts = {},
  ) {
    super(422, `rule_${rule.toLowerCase()}`, message, fields);
  }
}

/** A body of a kind the route does not read, e.g. a multipart form sent to a route that takes no files. */
export class UnsupportedMediaTypeError extends AppError {
  constructor(message: Text = msg("errors:generic.unsupportedMediaType")) {
    super(415, "unsupported_media_type", message);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(
    message: Text,
    /** Sent as Retry-After when known. */
    readonly retryAfterSeconds?: number,
  ) {
    super(429, "too_many_requests", message);
  }
}

/**
 * The database is busy (on SQLite: another process holds the write lock longer than the wait
 * bound). Nothing was written; the same request can simply be sent again.
 */
export class BusyError extends AppError {
  constructor(
    message: Text = msg("errors:generic.busy"),
    readonly retryAfterSeconds = 5,
  ) {
    super(503, "busy", message);
  }
}
