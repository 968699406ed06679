import { csrfSync } from "csrf-sync";
import type { RequestHandler } from "express";

// Forms carry the token in a hidden field `_csrf`; csrf-sync reads a header by default.
const sync = csrfSync({
  getTokenFromRequest: (req) => (req.body as Record<string, unknown> | undefined)?._csrf as string,
});

export const generateCsrfToken = sync.generateToken;

const isMultipart = (contentType: string | undefined) => (contentType ?? "").startsWith("multipart/form-data");

/**
 * Applied to every request. Multipart bodies are not parsed yet at this point, so upload routes
 * run `csrfAfterUpload` right after their multer middleware instead.
 */
export const csrfGuard: RequestHandler = (req, res, next) =>
  isMultipart(req.headers["content-type"]) && req.method === "POST" ? next() : sync.csrfSynchronisedProtection(req, res, next);

export const csrfAfterUpload: RequestHandler = sync.csrfSynchronisedProtection;
