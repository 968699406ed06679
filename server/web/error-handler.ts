import type { ErrorRequestHandler, RequestHandler } from "express";
import { msg } from "../domain/message";
import { AppError, BusyError, NotFoundError, ValidationError } from "../errors";
import { isBusyError } from "../db/connection";
import { refusalFields, refusalMessage } from "./error-text";
import { pageTranslator } from "./language";

const TITLES: Record<number, string> = {
  400: "errors:title.badRequest",
  401: "errors:title.unauthenticated",
  403: "errors:title.forbidden",
  404: "errors:title.notFound",
  409: "errors:title.conflict",
  413: "errors:title.tooLarge",
  415: "errors:title.unsupportedMediaType",
  422: "errors:title.validation",
  429: "errors:title.tooManyRequests",
  500: "errors:title.internal",
  503: "errors:title.busy",
};

export const notFound: RequestHandler = (_req, _res, next) => next(new NotFoundError());

/**
 * The one place where errors become pages, in the page's language. AppErrors carry their own
 * status, code and message;
 * body-parser/multer/csrf errors are translated; anything else is logged and shown as a generic
 * 500 without details.
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const mapped = toAppError(err);
  // The error serializer (server/logging.ts) keeps the driver's code but not the SQL or its values.
  if (mapped instanceof BusyError) req.log?.warn({ err, code: mapped.code }, "database busy");
  else if (mapped.status >= 500) req.log?.error({ err, code: mapped.code }, "unhandled error");
  if (res.headersSent) {
    res.end();
    return;
  }
  const status = mapped.status;
  const t = pageTranslator(res);
  const message = refusalMessage(res, mapped);
  // A refusal outside a form (a link, a button's hidden field) still says what was wrong with which answer.
  const details = [...new Set(Object.values(refusalFields(res, mapped)))].filter((d) => d !== message);
  const body = { status, code: mapped.code, title: t(TITLES[status] ?? "errors:title.other"), message, details, requestId: req.requestId };
  res.status(status);
  if (mapped instanceof BusyError) res.setHeader("Retry-After", String(mapped.retryAfterSeconds));
  if (req.accepts(["html", "json"]) === "json") {
    res.json({ error: { code: mapped.code, message } });
    return;
  }
  res.render("pages/error", { ...body, pageTitle: body.title });
};

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  // Session-store and other writes outside a service transaction reach here unwrapped.
  if (isBusyError(err)) return new BusyError();
  const e = err as { status?: number; statusCode?: number; code?: string; type?: string; message?: string };
  if (e?.code === "EBADCSRFTOKEN") {
    return new AppError(403, "csrf_invalid",
      msg("errors:web.csrf"));
  }
  if (e?.code === "LIMIT_FILE_SIZE") return new AppError(413, "file_too_large", msg("errors:web.fileTooLarge"));
  if (typeof e?.code === "string" && e.code.startsWith("LIMIT_")) return new AppError(400, "upload_rejected", msg("errors:web.uploadRefused", { reason: String(e.message) }));
  // The router could not decode a path parameter (%ED%A0%80): the address, not the server, is at fault.
  if (err instanceof URIError) return new AppError(400, "address_unreadable", msg("errors:input.queryUnreadableCharacters"));
  if (e?.type === "entity.too.large") return new AppError(413, "body_too_large", msg("errors:web.bodyTooLarge"));
  if (e?.type === "entity.parse.failed" || e?.type === "encoding.unsupported") return new AppError(400, "bad_body", msg("errors:web.bodyUnreadable"));
  const fromDb = databaseRefusal(e);
  if (fromDb) return fromDb;
  const status = e?.status ?? e?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new AppError(status, "http_" + status, status === 404 ? new NotFoundError().text : msg("errors:web.notProcessed"));
  }
  return new AppError(500, "internal", msg("errors:web.internal"));
}

/*
 * The last line of defence behind the input layer and the services' existence checks: a value the
 * database refuses is the request's fault, so it is a 4xx with the reason, never a 500. Both
 * engines are covered (PostgreSQL SQLSTATE codes, SQLite's constraint messages); the transaction
 * has been rolled back, so nothing was half-written.
 */
function databaseRefusal(e: { code?: string; message?: string } | undefined): AppError | null {
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : "";
  if (code === "23503" || (code.startsWith("SQLITE_CONSTRAINT") && /FOREIGN KEY/i.test(message))) {
    return new ValidationError(msg("errors:web.unknownReference"), {}, "unknown_reference");
  }
  if (code === "22001") return new ValidationError(msg("errors:web.valueTooLong"), {}, "value_too_long");
  if (code === "22003") return new ValidationError(msg("errors:web.numberOutOfRange"), {}, "number_out_of_range");
  if (code === "22021" || code === "22P05") return new ValidationError(msg("errors:web.badCharacter"), {}, "bad_character");
  if (code === "22P02" || code === "22007" || code === "22008") return new ValidationError(msg("errors:web.badValue"), {}, "bad_value");
  return null;
}
