import type { Request, RequestHandler } from "express";
import { DateTime } from "luxon";
import { z } from "zod";
import { parseMoney, type Cents } from "../domain/money";
import { BadRequestError, NotFoundError, ValidationError, type FieldErrors } from "../errors";

/*
 * The one input layer. Every route reads its body, query and params through zod schemas built
 * from these helpers, so the same limits hold on SQLite (which would store anything) and
 * PostgreSQL (which would answer a NUL byte or an over-long name with an error):
 * - strings are bounded by the length of the column they go into, never contain NUL, and names
 *   (single-line values) contain no control or bidirectional-override characters;
 * - a field given twice (`?q=a&q=b`, two inputs with one name) is refused, never silently
 *   reduced to one value;
 * - ids are positive decimal integers that fit the integer columns (no hex, no exponent);
 * - dates are real calendar dates within sane bounds; business bounds are added per field.
 */

/** Largest value of the integer id columns on both engines. */
export const MAX_ID = 2_147_483_647;
/** Dates before or after these are typing mistakes in every field of the scheme. */
export const EARLIEST_DATE = "1990-01-01";
export const LATEST_DATE = "2100-12-31";
/** Upper bound of free-text (`text` column) answers. */
export const LONG_TEXT = 5000;

/* eslint-disable no-control-regex -- these patterns exist to find control characters */
const NUL = /\u0000/;
// Single-line values: C0/C1 controls, DEL and the bidi overrides/isolates that can disguise a name.
const NAME_FORBIDDEN = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
// Multi-line values keep tab and line breaks.
const TEXT_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/* eslint-enable no-control-regex */

function readError(missing: string) {
  return (iss: { input?: unknown }) =>
    iss.input === undefined || iss.input === null ? missing
      : Array.isArray(iss.input) ? "Give one answer here, not several."
        : "This answer could not be read. Enter it again.";
}

/** A single string value; arrays and objects are refused with a message the user understands. */
const one = (missing: string) => z.string({ error: readError(missing) });

function bounded(label: string, max: number, multiline: boolean) {
  return one(`Enter ${label}.`)
    .refine((s) => !NUL.test(s), "This answer contains a character that cannot be stored (NUL). Remove it.")
    .refine((s) => !(multiline ? TEXT_FORBIDDEN : NAME_FORBIDDEN).test(s), multiline
      ? "This answer contains control characters. Remove them and try again."
      : "This answer contains control or text-direction characters. Type it as plain text.")
    .transform((s) => s.trim())
    .refine((s) => s.length <= max, `${capitalise(label)} must be ${max} characters or fewer.`);
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

function realDate(label: string, min = EARLIEST_DATE, max = LATEST_DATE) {
  return one(`Enter ${label}.`)
    .transform((s) => s.trim())
    .refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s), `Enter ${label} as a date, for example 2027-03-15.`)
    .refine((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s) || DateTime.fromISO(s, { zone: "UTC" }).isValid, `${capitalise(label)} is not a real date.`)
    .refine((s) => !DateTime.fromISO(s, { zone: "UTC" }).isValid || (s >= min && s <= max), `${capitalise(label)} must be between ${min} and ${max}.`);
}

function idOf(label: string) {
  return one(`Choose ${label}.`)
    .transform((s) => s.trim())
    .refine((s) => /^[1-9]\d{0,9}$/.test(s) && Number(s) <= MAX_ID, `Choose ${label} from the list.`)
    .transform(Number);
}

export const field = {
  /** A required single-line value (names, titles, references). */
  name: (label: string, max = 200) => bounded(label, max, false).refine((s) => s.length > 0, `Enter ${label}.`),
  /** An optional single-line value; "" when not given. */
  optionalName: (label: string, max = 200) => z.preprocess((v) => (v === undefined ? "" : v), bounded(label, max, false)),
  /** A required free text (may span lines). */
  text: (label: string, max = LONG_TEXT) => bounded(label, max, true).refine((s) => s.length > 0, `Enter ${label}.`),
  /** An optional free text; "" when not given. */
  optionalText: (label: string, max = LONG_TEXT) => z.preprocess((v) => (v === undefined ? "" : v), bounded(label, max, true)),
  /** A record id chosen from a list: a positive decimal integer that fits the id columns. */
  id: (label: string) => idOf(label),
  optionalId: (label: string) => z.preprocess((v) => (blank(v) ? null : v), idOf(label).nullable()),
  /** A calendar date YYYY-MM-DD that exists, within sane bounds or the tighter ones given. */
  date: (label: string, bounds: { min?: string; max?: string } = {}) => realDate(label, bounds.min, bounds.max),
  optionalDate: (label: string, bounds: { min?: string; max?: string } = {}) =>
    z.preprocess((v) => (blank(v) ? null : v), realDate(label, bounds.min, bounds.max).nullable()),
  /** A ticked checkbox sends "on" (or true/1/yes from scripts); absent means not ticked. */
  checkbox: () => z.preprocess((v) => (v === undefined ? "" : v), one("").refine((s) => ["", "on", "true", "1", "yes", "false", "0", "no", "off"].includes(s), "This answer could not be read."))
    .transform((s) => ["on", "true", "1", "yes"].includes(s)),
  email: () => bounded("an e-mail address", 254, false).transform((s) => s.toLowerCase())
    .refine((s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s), "Enter an e-mail address like name@example.com."),
  optionalEmail: () => z.preprocess((v) => (blank(v) ? "" : v), bounded("an e-mail address", 254, false).transform((s) => s.toLowerCase())
    .refine((s) => s === "" || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s), "Enter an e-mail address like name@example.com.")),
  /** A password is taken as typed (no trimming), bounded so hashing stays cheap. */
  password: (min: number) => one("Enter a password.").refine((s) => !NUL.test(s), "The password contains a character that cannot be used (NUL).")
    .refine((s) => s.length > 0, "Enter a password.")
    .refine((s) => s.length >= min, `The password must be at least ${min} characters long.`)
    .refine((s) => s.length <= 200, "The password must be 200 characters or fewer."),
  choice: <const T extends readonly [string, ...string[]]>(values: T, message: string) =>
    one(message).transform((s) => s.trim()).refine((s): s is T[number] => (values as readonly string[]).includes(s), message),
  /** A whole number typed by a user (headcounts, days). */
  wholeNumber: (label: string, bounds: { min?: number; max: number }) => one(`Enter ${label}.`).transform((s) => s.trim())
    .refine((s) => /^\d{1,9}$/.test(s) && Number(s) >= (bounds.min ?? 0) && Number(s) <= bounds.max,
      `Enter ${label} as a whole number from ${bounds.min ?? 0} to ${bounds.max}.`)
    .transform(Number),
  /** An amount in euros through the one money parser (R1); blank is null unless required. */
  money: (label: string, opts: { required?: boolean; allowZero?: boolean; maxCents?: Cents } = {}) =>
    z.preprocess((v) => (blank(v) ? null : v), one(`Enter ${label}.`).nullable()).transform((s, ctx): Cents | null => {
      if (s === null) {
        if (opts.required) ctx.addIssue({ code: "custom", message: `Enter ${label}, for example 1500 or 1.500,00.` });
        return null;
      }
      const r = parseMoney(s.trim(), { allowZero: opts.allowZero, maxCents: opts.maxCents });
      if (!r.ok) {
        ctx.addIssue({ code: "custom", message: r.reason });
        return null;
      }
      return r.cents;
    }),
  /** A page number in a list's query string. */
  page: () => z.preprocess((v) => (blank(v) ? "1" : v), one("").transform((s) => s.trim())
    .refine((s) => /^[1-9]\d{0,5}$/.test(s), "The page number must be a whole number from 1.").transform(Number)),
  /** A filter value in a query string: one value, bounded, "" when absent. */
  filter: (label: string, max = 100) => z.preprocess((v) => (v === undefined ? "" : v), bounded(label, max, false)),
};

function issuesToFields(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "_form";
    if (!fields[key]) fields[key] = issue.message;
  }
  return fields;
}

/** A form body: a refusal is a 422 with a message beside each field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, message = "Some answers need your attention."): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw new ValidationError(message, issuesToFields(result.error));
}

/** A query string (filters, pages): a refusal is a 400 naming the parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const result = schema.safeParse(query ?? {});
  if (result.success) return result.data;
  const [key, message] = Object.entries(issuesToFields(result.error))[0] ?? ["_query", "it could not be read"];
  throw new BadRequestError(`The address has a parameter that could not be read (${key}): ${message}`, "bad_query");
}

/** A record id in the path; anything that cannot be an id is a 404, like an id that does not exist. */
export function idParam(req: Request, name = "id"): number {
  const raw = req.params[name];
  if (typeof raw !== "string" || !/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > MAX_ID) throw new NotFoundError();
  return Number(raw);
}

/** A code in the path (a voucher type such as MG); anything else is a 404. */
export function codeParam(req: Request, name: string): string {
  const raw = req.params[name];
  if (typeof raw !== "string" || !/^[A-Z]{1,10}$/.test(raw)) throw new NotFoundError();
  return raw;
}

function hasNul(v: unknown, depth = 0): boolean {
  if (typeof v === "string") return NUL.test(v);
  if (depth > 3 || v === null || typeof v !== "object") return false;
  return Object.entries(v as Record<string, unknown>).some(([k, x]) => NUL.test(k) || hasNul(x, depth + 1));
}

/**
 * The last line behind the schemas: no value anywhere in a request may carry a NUL byte, which
 * PostgreSQL cannot store and which no form of the scheme needs.
 */
export const refuseNul: RequestHandler = (req, _res, next) => {
  if (hasNul(req.body) || hasNul(req.query)) {
    return next(new BadRequestError("What you sent contains a character that cannot be stored (NUL). Remove it and try again.", "nul_byte"));
  }
  next();
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
