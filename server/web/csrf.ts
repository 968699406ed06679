import { csrfSync } from "csrf-sync";
import type { Express, Request, RequestHandler } from "express";
import multer from "multer";
import { msg } from "../domain/message";
import { BadRequestError, UnsupportedMediaTypeError } from "../errors";
import { refuseNul } from "./input";
import { listRoutes, markAcceptsFiles, type RouteEntry } from "./route-table";

// Forms carry the token in a hidden field `_csrf`; csrf-sync reads a header by default.
const sync = csrfSync({
  getTokenFromRequest: (req) => {
    const token = (req.body as Record<string, unknown> | undefined)?._csrf;
    return typeof token === "string" ? token : "";
  },
});

/**
 * The token for the forms of a page, as a value the view calls only when it renders a form
 * (Handlebars calls a function it finds in the data). The token lives in the session, so creating
 * it is what makes the session worth storing: a visitor who is shown no form gets no session row
 * and no cookie. The check itself is unchanged: every unsafe request must carry the session's token.
 */
export function lazyCsrfToken(req: Request): () => string {
  let token: string | undefined;
  return () => (token ??= sync.generateToken(req));
}

const isMultipart = (contentType: string | undefined) => /^multipart\/form-data\b/i.test(contentType ?? "");

const protect = sync.csrfSynchronisedProtection;

// Busboy reads file names as latin1 unless told otherwise; browsers send them as UTF-8.
const MULTIPART_CHARSET = { defParamCharset: "utf8" } as const;

/** Multipart without files, only to read the token of a form sent to a route that takes no files. */
const fieldsOnly = multer({ ...MULTIPART_CHARSET, limits: { files: 0, fields: 200, fieldSize: 200 * 1024 } }).none();

/**
 * The one CSRF check, applied to every request whatever its content type (csrf-sync lets GET, HEAD
 * and OPTIONS through). A multipart body is parsed before the check: by the route's own upload
 * parser on the routes that take files (they run `csrfAfterUpload`), by a fields-only parser
 * elsewhere, and there a request that passes the check is still refused with 415, because those
 * routes read only urlencoded forms.
 */
export function csrfGuard(app: Express): RequestHandler {
  let fileRoutes: RouteEntry[] | null = null;
  return (req, res, next) => {
    if (!isMultipart(req.headers["content-type"])) return protect(req, res, next);
    fileRoutes ??= listRoutes(app).filter((r) => r.acceptsFiles);
    if (fileRoutes.some((r) => r.method === req.method && r.matches(req.path))) return next();
    // A parse failure (a file where none is taken, too many fields) still ends in the token check,
    // so a forged request is refused as forged.
    fieldsOnly(req, res, () => protect(req, res, (err?: unknown) => next(err ?? new UnsupportedMediaTypeError())));
  };
}

/** The upload parser of a route that takes files: the only way a route accepts multipart bodies. */
export function uploadParser(opts: { limits: multer.Options["limits"]; single?: string; array?: { field: string; max: number } }): RequestHandler {
  const m = multer({ ...MULTIPART_CHARSET, storage: multer.memoryStorage(), limits: opts.limits });
  const parse = opts.single ? m.single(opts.single) : m.array(opts.array!.field, opts.array!.max);
  // An upload the parser refuses (too large, an unexpected file) is first checked for its token,
  // so that a forged request is answered as forged whatever it carries.
  return markAcceptsFiles((req, res, next) => parse(req, res, (err?: unknown) => {
    if (!err) return next();
    protect(req, res, (csrfErr?: unknown) => {
      req.file = undefined;
      req.files = undefined;
      if (csrfErr) return next(csrfErr);
      const refusal = uploadRefusal(err);
      if (refusal !== err) req.log?.warn({ err }, "upload could not be read");
      next(refusal);
    });
  }));
}

/**
 * The limits multer enforces arrive as MulterErrors with a LIMIT_ code, which the error handler
 * turns into their own pages (413, 400 with the limit). Anything else the parser gives up on is a
 * body that cannot be read: cut short ("Unexpected end of form"), a malformed part header, no
 * boundary, a part without a name, a client gone away. busboy gives these no code, so they would
 * be taken for a bug (a 500); they are the request's fault, and sending it again is the remedy.
 */
function uploadRefusal(err: unknown): unknown {
  if (err instanceof multer.MulterError && err.code.startsWith("LIMIT_")) return err;
  return new BadRequestError(msg("errors:web.uploadIncomplete"), "upload_unreadable");
}

/** Runs right after `uploadParser`; files of a request that fails the check are dropped unread. */
export const csrfAfterUpload: RequestHandler = (req, res, next) =>
  protect(req, res, (err?: unknown) => {
    if (err) {
      req.file = undefined;
      req.files = undefined;
      return next(err);
    }
    refuseNul(req, res, next);
  });
