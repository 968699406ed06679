import { type ErrorRequestHandler, type Request, type Response, Router } from "express";
import { rateLimit } from "express-rate-limit";
import { z } from "zod";
import { msg } from "../../domain/message";
import { TooManyRequestsError, ValidationError } from "../../errors";
import { getAwardLetter, getReferenceLetter, verifyLetter } from "../../services/letters/letters";
import { csrfAfterUpload, uploadParser } from "../csrf";
import { formRoute, renderRefusal } from "../forms";
import { field, parseBody, parseQuery } from "../input";
import { pageTranslator } from "../language";
import { idParam, requireAuth, requireRole } from "../middleware";

/*
 * Award letters (R13): the download for those who may see the application, and the public check
 * whether a letter someone shows you is genuine (banks, auditors, other aid providers).
 */

const VERIFY_VIEW = "pages/verify";
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

interface VerifyValues { reference: string; sha256: string }

function valuesFrom(req: Request): VerifyValues {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return { reference: str(body.reference), sha256: str(body.sha256) };
}

const verifyPage = { view: VERIFY_VIEW, locals: (req: Request, _err: unknown, res: Response) => ({ pageTitle: pageTranslator(res)("public:verify.pageTitle"), values: valuesFrom(req) }) };

// The service says what a reference or checksum must look like; here only what can be read at all.
const verifySchema = z.object({
  reference: field.optionalName(msg("errors:fields.reference"), 100),
  sha256: field.optionalName(msg("errors:fields.checksum"), 200),
});

/** A fresh router per app, so each app (and each test) has its own rate-limit counters. */
export function letterRoutes(): Router {
  const router = Router();

  router.get("/applications/:id/award-letter.pdf", requireAuth, async (req, res) => {
    const letter = await getAwardLetter(req.ctx, idParam(req));
    sendPdf(res, `award-letter-${letter.reference}.pdf`, letter.pdf);
  });

  // Staff who do not read the letter's language: the same facts in English, marked as a reference.
  router.get("/applications/:id/award-letter-reference.pdf", requireRole("manager", "admin"), async (req, res) => {
    const letter = await getReferenceLetter(req.ctx, idParam(req));
    sendPdf(res, `award-letter-${letter.reference}-reference-en.pdf`, letter.pdf);
  });

  router.get("/verify", (req, res) => {
    const q = parseQuery(z.object({ reference: field.filter(msg("errors:fields.reference"), 100) }), req.query);
    res.render(VERIFY_VIEW, { pageTitle: pageTranslator(res)("public:verify.pageTitle"), values: { reference: q.reference, sha256: "" } });
  });

  // Checked before the upload is read, so a flood of uploads is cut off cheaply.
  const limiter = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: 20,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (_req, _res, next) => {
      next(new TooManyRequestsError(msg("errors:web.tooManyChecks", { minutes: 15 })));
    },
  });

  const upload = uploadParser({ limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10 }, single: "pdf" });

  // Upload problems (too large, a second file) go back to the form beside the file field.
  const uploadErrors: ErrorRequestHandler = (err, req, res, next) => {
    const code = (err as { code?: unknown })?.code;
    if (typeof code !== "string" || !code.startsWith("LIMIT_")) return next(err);
    const tooLarge = code === "LIMIT_FILE_SIZE";
    const message = tooLarge ? msg("errors:web.letterTooLarge")
      : code === "LIMIT_FILE_COUNT" || code === "LIMIT_UNEXPECTED_FILE" ? msg("errors:web.onePdf")
        : msg("errors:web.formUnreadable");
    renderRefusal(req, res, VERIFY_VIEW, new ValidationError(msg("errors:letters.notChecked"), { pdf: message }), verifyPage.locals(req, err, res), tooLarge ? 413 : 400);
  };

  const verify = formRoute(verifyPage, async (req, res) => {
    const values = valuesFrom(req);
    parseBody(verifySchema, req.body, msg("errors:fieldChecks.letterNotChecked"));
    const file = req.file;
    if (file && !file.buffer.subarray(0, 5).equals(Buffer.from("%PDF-")) && file.size > 0) {
      throw new ValidationError(msg("errors:letters.notChecked"), { pdf: msg("errors:web.notPdf") });
    }
    const result = await verifyLetter(req.ctx.db, { reference: values.reference, sha256: values.sha256, pdf: file?.buffer });
    res.render("pages/verify-result", { pageTitle: pageTranslator(res)(result.genuine ? "public:verifyResult.pageTitleGenuine" : "public:verifyResult.pageTitleNotGenuine"), result, values });
  });

  router.post("/verify", limiter, upload, uploadErrors, csrfAfterUpload, verify);

  return router;
}

/** A letter's PDF as a download that no shared cache keeps. */
function sendPdf(res: Response, fileName: string, pdf: Buffer): void {
  res.set({
    "Content-Type": "application/pdf",
    "Content-Disposition": `attachment; filename="${fileName}"`,
    "Content-Length": String(pdf.length),
    "Cache-Control": "private, no-store",
  });
  res.end(pdf);
}
