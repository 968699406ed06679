/**
 * The one error hierarchy. Every refusal the application makes on purpose is an AppError with an
 * HTTP status and a stable code; the web layer maps them to pages in one place
 * (server/web/error-handler.ts). Anything else is a bug and becomes a generic 500 page.
 */
export type FieldErrors = Record<string, string>;

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Per-field messages for form re-rendering. */
    readonly fields: FieldErrors = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, code = "bad_request") {
    super(400, code, message);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, fields: FieldErrors = {}, code = "validation_failed") {
    super(422, code, message, fields);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = "Please sign in to continue.") {
    super(401, "unauthenticated", message);
  }
}

/** A wrong e-mail address or password: one message for both, so the form does not reveal which accounts exist. */
export class SignInFailedError extends AppError {
  constructor() {
    super(401, "sign_in_failed", "The e-mail address or password is not right. Check both and try again.", {
      email: "The e-mail address or password is not right.",
    });
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "You do not have permission to do this.", code = "forbidden") {
    super(403, code, message);
  }
}

/** Also used for records that exist but belong to someone else, so that ids leak nothing. */
export class NotFoundError extends AppError {
  constructor(message = "We could not find that page or record.") {
    super(404, "not_found", message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = "conflict") {
    super(409, code, message);
  }
}

/** A scheme rule refuses the action; `rule` is the R-number in docs/scheme.md. */
export class RuleViolationError extends AppError {
  constructor(
    readonly rule: string,
    message: string,
    fields: FieldErrors = {},
  ) {
    super(422, `rule_${rule.toLowerCase()}`, message, fields);
  }
}

/** A body of a kind the route does not read, e.g. a multipart form sent to a route that takes no files. */
export class UnsupportedMediaTypeError extends AppError {
  constructor(message = "This form cannot be sent as a file upload. Go back, reload the page and send the form again from Voucherdesk.") {
    super(415, "unsupported_media_type", message);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
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
    message = "Voucherdesk is busy for a moment and nothing was saved. Please wait a few seconds and try again.",
    readonly retryAfterSeconds = 5,
  ) {
    super(503, "busy", message);
  }
}
