import type { Response } from "express";
import { z } from "zod";
import { AppError, type FieldErrors } from "../errors";
import { field, parseBody } from "./input";

/**
 * Form handling shared by every route: parse the urlencoded body with a zod schema (built from
 * the helpers of ./input), and on a validation failure re-render the same view with what the user
 * typed, an error summary and an error beside each field.
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  return parseBody(schema, body);
}

export interface ErrorSummaryItem { field: string; message: string }

export function errorSummary(fields: FieldErrors): ErrorSummaryItem[] {
  return Object.entries(fields).map(([field, message]) => ({ field, message }));
}

/**
 * Re-renders `view` for a 4xx AppError (validation, rule refusal, conflict) and rethrows anything
 * else. Field errors go beside their fields; the message heads the summary.
 */
export function renderFormError(res: Response, err: unknown, view: string, locals: Record<string, unknown>): void {
  if (!(err instanceof AppError) || err.status >= 500 || err.status === 403 || err.status === 404) throw err;
  res.status(err.status).render(view, {
    ...locals,
    errors: err.fields,
    errorMessage: err.message,
    errorSummary: errorSummary(err.fields),
  });
}

/** Common field schemas with messages written for users (the bounded helpers of ./input). */
export const f = {
  // Up to a name's length the value is one line; longer limits are for reasons and messages.
  text: (label: string, max = 200) => (max > 300 ? field.text(label, max) : field.name(label, max)),
  optionalText: (max = 2000) => field.optionalText("this answer", max),
  id: (label: string) => field.id(label),
  date: (label: string) => field.date(label),
  checkbox: () => field.checkbox(),
  email: () => field.email(),
};
