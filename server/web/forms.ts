import type { Response } from "express";
import { z } from "zod";
import { AppError, ValidationError, type FieldErrors } from "../errors";

/**
 * Form handling shared by every route: parse the urlencoded body with a zod schema, and on a
 * validation failure re-render the same view with what the user typed, an error summary and an
 * error beside each field.
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join(".") || "_form";
    if (!fields[key]) fields[key] = issue.message;
  }
  throw new ValidationError("Some answers need your attention.", fields);
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

/** Common field schemas with messages written for users. */
export const f = {
  text: (label: string, max = 200) =>
    z.string({ error: `Enter ${label}.` }).trim().min(1, `Enter ${label}.`).max(max, `${capitalise(label)} must be ${max} characters or fewer.`),
  optionalText: (max = 2000) => z.string().trim().max(max, `This must be ${max} characters or fewer.`).optional().default(""),
  id: (label: string) => z.coerce.number({ error: `Choose ${label}.` }).int(`Choose ${label}.`).positive(`Choose ${label}.`),
  date: (label: string) =>
    z.string({ error: `Enter ${label}.` }).trim().regex(/^\d{4}-\d{2}-\d{2}$/, `Enter ${label} as a date, for example 2027-03-15.`)
      .refine((s) => !Number.isNaN(Date.parse(s + "T00:00:00Z")) && new Date(s + "T00:00:00Z").toISOString().startsWith(s), `${capitalise(label)} is not a real date.`),
  checkbox: () => z.union([z.literal("on"), z.literal("true"), z.literal("1"), z.literal("yes")]).optional().transform((v) => v !== undefined),
  email: () => z.string({ error: "Enter an e-mail address." }).trim().toLowerCase().email("Enter an e-mail address like name@example.com.").max(254),
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
