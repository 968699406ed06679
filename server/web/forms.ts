import type { Request, RequestHandler, Response } from "express";
import { AppError, TooManyRequestsError, type FieldErrors } from "../errors";
import { refusalFields, refusalMessage } from "./error-text";

/*
 * Re-rendering a form after a refusal, shared by every form route: the same view with what the
 * user typed, an error summary and an error beside each field, with the refusal's own status.
 * Forms are parsed with the zod helpers of ./input.
 */

export interface ErrorSummaryItem { field: string; message: string }

export function errorSummary(fields: FieldErrors): ErrorSummaryItem[] {
  return Object.entries(fields).map(([field, message]) => ({ field, message }));
}

/**
 * A refusal the user can answer on the same form: a 4xx other than 403 and 404, which get the
 * error page (a form cannot fix a missing right or a missing record).
 */
export function isFormRefusal(err: unknown): err is AppError {
  return err instanceof AppError && err.status < 500 && err.status !== 403 && err.status !== 404;
}

export type Locals = Record<string, unknown>;

/**
 * Renders `view` for the refusal `err`, its messages in the page's language: `values` defaults to
 * the submitted body, and `locals` may replace anything (the values, or the summary when a page points errors elsewhere).
 */
export function renderRefusal(req: Request, res: Response, view: string, err: AppError, locals: Locals, status = err.status): void {
  if (err instanceof TooManyRequestsError && err.retryAfterSeconds) res.set("Retry-After", String(err.retryAfterSeconds));
  const fields = refusalFields(res, err);
  res.status(status).render(view, {
    values: (req.body ?? {}) as Locals,
    errors: fields,
    errorMessage: refusalMessage(res, err),
    errorSummary: errorSummary(fields),
    ...locals,
  });
}

export interface FormPage {
  view: string;
  /** The page around the form, read again after the refusal (the refused change was rolled back). */
  locals: (req: Request, err: AppError, res: Response) => Locals | Promise<Locals>;
  /** Which refusals re-render the form; anything else goes to the error page. */
  refusal?: (err: unknown) => err is AppError;
}

/**
 * A form route: `handler` parses, calls one service and redirects or renders; a refusal re-renders
 * `page` instead (Express 5 passes anything else, thrown or rejected, to the error handler).
 */
export function formRoute(page: FormPage, handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  const refusal = page.refusal ?? isFormRefusal;
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (err) {
      if (!refusal(err)) throw err;
      renderRefusal(req, res, page.view, err, await page.locals(req, err, res));
    }
  };
}
