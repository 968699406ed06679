import { isUtf8 } from "node:buffer";
import type { Request, RequestHandler } from "express";
import { DateTime } from "luxon";
import { z } from "zod";
import { isPlainEmailAddress, looksLikeDisplayName, MAX_EMAIL_LENGTH } from "../domain/accounts";
import { isMessage, msg, sentenceStart, type MessageParam, type Text } from "../domain/message";
import { parseMoney, type Cents } from "../domain/money";
import { EARLIEST_DATE, LATEST_DATE } from "../domain/time";
import { BadRequestError, NotFoundError, ValidationError, type FieldTexts } from "../errors";

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
export { EARLIEST_DATE, LATEST_DATE };
/** Upper bound of free-text (`text` column) answers. */
export const LONG_TEXT = 5000;

/*
 * Field messages are catalogue messages (server/domain/message.ts). A field's label is a message
 * too ("the call title" in the reader's language); a label still given as a plain string keeps
 * the whole message as plain English, so no sentence mixes two languages.
 */

/** zod carries an issue's message as a string: a catalogue message travels encoded until issuesToFields. */
const ENCODED = "\u0001msg:";

function issue(text: Text): string {
  return typeof text === "string" ? text : ENCODED + JSON.stringify(text);
}

/** A message for a route's own zod check (`.refine(ok, check(msg(...)))`), shown in the page's language. */
export const check = (text: Text): string => issue(text);

function fromIssue(message: string): Text {
  if (!message.startsWith(ENCODED)) return message;
  const decoded: unknown = JSON.parse(message.slice(ENCODED.length));
  return isMessage(decoded) ? decoded : message;
}

/**
 * A message about a field: the catalogue's when the label is a message, else the English `plain`.
 * `opens`: the English sentence starts with the label, which is then capitalised.
 */
function about(label: Text, key: string, plain: (label: string) => string, params: Record<string, MessageParam> = {}, opens = false): string {
  return issue(typeof label === "string" ? plain(label) : msg(key, { label: opens ? sentenceStart(label) : label, ...params }));
}

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
      : Array.isArray(iss.input) ? issue(msg("errors:input.several"))
        : issue(msg("errors:input.unreadable"));
}

/** A single string value; arrays and objects are refused with a message the user understands. */
const one = (missing: string) => z.string({ error: readError(missing) });

const enter = (label: Text) => about(label, "errors:input.enter", (l) => `Enter ${l}.`);

function bounded(label: Text, max: number, multiline: boolean) {
  return one(enter(label))
    .refine((s) => !NUL.test(s), issue(msg("errors:input.nul")))
    .refine((s) => !(multiline ? TEXT_FORBIDDEN : NAME_FORBIDDEN).test(s), issue(multiline
      ? msg("errors:input.controlCharacters")
      : msg("errors:input.controlOrDirectionCharacters")))
    .transform((s) => s.trim())
    .refine((s) => s.length <= max, about(label, "errors:input.tooLong", (l) => `${capitalise(l)} must be ${max} characters or fewer.`, { max }, true));
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

function realDate(label: Text, min = EARLIEST_DATE, max = LATEST_DATE) {
  return one(enter(label))
    .transform((s) => s.trim())
    .refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s), about(label, "errors:input.dateFormat", (l) => `Enter ${l} as a date, for example 2027-03-15.`))
    .refine((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s) || DateTime.fromISO(s, { zone: "UTC" }).isValid,
      about(label, "errors:input.notRealDate", (l) => `${capitalise(l)} is not a real date.`, {}, true))
    .refine((s) => !DateTime.fromISO(s, { zone: "UTC" }).isValid || (s >= min && s <= max),
      about(label, "errors:input.dateRange", (l) => `${capitalise(l)} must be between ${min} and ${max}.`, { min, max }, true));
}

function idOf(label: Text) {
  return one(about(label, "errors:input.choose", (l) => `Choose ${l}.`))
    .transform((s) => s.trim())
    .refine((s) => /^[1-9]\d{0,9}$/.test(s) && Number(s) <= MAX_ID, about(label, "errors:input.chooseFromList", (l) => `Choose ${l} from the list.`))
    .transform(Number);
}

const EMAIL_FORMAT = msg("errors:input.emailFormat");

function emailAddress(optional: boolean) {
  return bounded(msg("errors:input.emailLabel"), MAX_EMAIL_LENGTH, false).transform((s) => s.toLowerCase())
    .superRefine((s, ctx) => {
      if ((optional && s === "") || isPlainEmailAddress(s)) return;
      ctx.addIssue({ code: "custom", message: issue(looksLikeDisplayName(s) ? msg("errors:input.emailPlainOnly") : EMAIL_FORMAT) });
    });
}

export const field = {
  /** A required single-line value (names, titles, references). */
  name: (label: Text, max = 200) => bounded(label, max, false).refine((s) => s.length > 0, enter(label)),
  /** An optional single-line value; "" when not given. */
  optionalName: (label: Text, max = 200) => z.preprocess((v) => (v === undefined ? "" : v), bounded(label, max, false)),
  /** A required free text (may span lines). */
  text: (label: Text, max = LONG_TEXT) => bounded(label, max, true).refine((s) => s.length > 0, enter(label)),
  /** An optional free text; "" when not given. */
  optionalText: (label: Text, max = LONG_TEXT) => z.preprocess((v) => (v === undefined ? "" : v), bounded(label, max, true)),
  /** A record id chosen from a list: a positive decimal integer that fits the id columns. */
  id: (label: Text) => idOf(label),
  optionalId: (label: Text) => z.preprocess((v) => (blank(v) ? null : v), idOf(label).nullable()),
  /** A calendar date YYYY-MM-DD that exists, within sane bounds or the tighter ones given. */
  date: (label: Text, bounds: { min?: string; max?: string } = {}) => realDate(label, bounds.min, bounds.max),
  optionalDate: (label: Text, bounds: { min?: string; max?: string } = {}) =>
    z.preprocess((v) => (blank(v) ? null : v), realDate(label, bounds.min, bounds.max).nullable()),
  /** A ticked checkbox sends "on" (or true/1/yes from scripts); absent means not ticked. */
  checkbox: () => z.preprocess((v) => (v === undefined ? "" : v), one("").refine((s) => ["", "on", "true", "1", "yes", "false", "0", "no", "off"].includes(s), issue(msg("errors:input.checkbox"))))
    .transform((s) => ["on", "true", "1", "yes"].includes(s)),
  /** A plain e-mail address (name@example.com, nothing around it), in lower case: see isPlainEmailAddress. */
  email: () => emailAddress(false),
  /** The same or "" when not given. */
  optionalEmail: () => z.preprocess((v) => (blank(v) ? "" : v), emailAddress(true)),
  /** A password is taken as typed (no trimming), bounded so hashing stays cheap. */
  password: (min: number) => one(issue(msg("errors:input.passwordMissing"))).refine((s) => !NUL.test(s), issue(msg("errors:input.passwordNul")))
    .refine((s) => s.length > 0, issue(msg("errors:input.passwordMissing")))
    .refine((s) => s.length >= min, issue(msg("errors:input.passwordTooShort", { min })))
    .refine((s) => s.length <= 200, issue(msg("errors:input.passwordTooLong", { max: 200 }))),
  choice: <const T extends readonly [string, ...string[]]>(values: T, message: Text) =>
    one(issue(message)).transform((s) => s.trim()).refine((s): s is T[number] => (values as readonly string[]).includes(s), issue(message)),
  /** A whole number typed by a user (headcounts, days). */
  wholeNumber: (label: Text, bounds: { min?: number; max: number }) => one(enter(label)).transform((s) => s.trim())
    .refine((s) => /^\d{1,9}$/.test(s) && Number(s) >= (bounds.min ?? 0) && Number(s) <= bounds.max,
      about(label, "errors:input.wholeNumber", (l) => `Enter ${l} as a whole number from ${bounds.min ?? 0} to ${bounds.max}.`, { min: bounds.min ?? 0, max: bounds.max }))
    .transform(Number),
  /** An amount in euros through the one money parser (R1); blank is null unless required. */
  money: (label: Text, opts: { required?: boolean; allowZero?: boolean; maxCents?: Cents } = {}) =>
    z.preprocess((v) => (blank(v) ? null : v), one(enter(label)).nullable()).transform((s, ctx): Cents | null => {
      if (s === null) {
        if (opts.required) ctx.addIssue({ code: "custom", message: about(label, "errors:input.moneyMissing", (l) => `Enter ${l}, for example 1500 or 1.500,00.`) });
        return null;
      }
      const r = parseMoney(s.trim(), { allowZero: opts.allowZero, maxCents: opts.maxCents });
      if (!r.ok) {
        ctx.addIssue({ code: "custom", message: issue(r.text) });
        return null;
      }
      return r.cents;
    }),
  /** A page number in a list's query string. */
  page: () => z.preprocess((v) => (blank(v) ? "1" : v), one("").transform((s) => s.trim())
    .refine((s) => /^[1-9]\d{0,5}$/.test(s), issue(msg("errors:input.page"))).transform(Number)),
  /** A filter value in a query string: one value, bounded, "" when absent. */
  filter: (label: Text, max = 100) => z.preprocess((v) => (v === undefined ? "" : v), bounded(label, max, false)),
};

/**
 * The query fields of a list read a page at a time: where a page starts, after or before a row's
 * key as the list's own links give it (at most `maxLength` characters); absent on the first page.
 */
export const pageKeyFields = (maxLength: number) => ({
  after: field.filter(msg("errors:fields.page"), maxLength).transform((s) => s || undefined),
  before: field.filter(msg("errors:fields.page"), maxLength).transform((s) => s || undefined),
});

/** The same for a list keyed by its rows' ids. */
export const pageIdFields = () => ({ after: field.optionalId(msg("errors:fields.page")), before: field.optionalId(msg("errors:fields.page")) });

function issuesToFields(error: z.ZodError): FieldTexts {
  const fields: FieldTexts = {};
  for (const zodIssue of error.issues) {
    const key = zodIssue.path.map(String).join(".") || "_form";
    if (!fields[key]) fields[key] = fromIssue(zodIssue.message);
  }
  return fields;
}

/** A form body: a refusal is a 422 with a message beside each field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, message: Text = msg("errors:input.summary")): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw new ValidationError(message, issuesToFields(result.error));
}

/** A query string (filters, pages): a refusal is a 400 naming the parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const result = schema.safeParse(query ?? {});
  if (result.success) return result.data;
  const [key, reason] = Object.entries(issuesToFields(result.error))[0] ?? ["_query", msg("errors:input.queryUnreadable")];
  throw new BadRequestError(msg("errors:input.badQuery", { key, reason }), "bad_query");
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
    return next(new BadRequestError(msg("errors:input.nulInRequest"), "nul_byte"));
  }
  next();
};

/**
 * Whether urlencoded text (a form body, a query string) is valid percent-encoded UTF-8: every
 * `%` starts an escape, and each key's and value's escapes decode to UTF-8 (no lone surrogates,
 * overlong forms or stray bytes such as %FF). Node's querystring leaves an escape it cannot decode
 * as it is, so "AA%ED%A0%80" would otherwise be stored as those nine characters.
 */
export function readableUrlEncoded(text: string): boolean {
  for (const part of text.split(/[&=]/)) {
    try {
      decodeURIComponent(part.replace(/\+/g, " "));
    } catch {
      return false;
    }
  }
  return true;
}

/** Requests whose form body express.urlencoded found unreadable (refuseUnreadableForm). */
const unreadableForms = new WeakSet<object>();

/**
 * express.urlencoded's `verify`: marks a form body whose bytes are not UTF-8 or whose escapes are
 * not percent-encoded UTF-8, for refuseUnreadable to refuse once the page's user and language
 * are known.
 */
export function refuseUnreadableForm(req: object, _res: unknown, body: Buffer, encoding: string): void {
  const utf8 = encoding.toLowerCase().replace("_", "-") === "utf-8";
  if ((utf8 && !isUtf8(body)) || !readableUrlEncoded(body.toString("latin1"))) unreadableForms.add(req);
}

/**
 * A form body or query string that is not percent-encoded UTF-8 is refused as a whole (400),
 * before any route reads it (GET /directory?q=%ED%A0%80, a title of AA%FF).
 */
export const refuseUnreadable: RequestHandler = (req, _res, next) => {
  if (unreadableForms.has(req)) return next(new BadRequestError(msg("errors:input.formUnreadable"), "form_unreadable"));
  const at = req.originalUrl.indexOf("?");
  if (at >= 0 && !readableUrlEncoded(req.originalUrl.slice(at + 1))) {
    return next(new BadRequestError(msg("errors:input.queryUnreadableCharacters"), "query_unreadable"));
  }
  next();
};

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
