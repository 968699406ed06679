import type { Request, Response } from "express";
import type { HelperOptions } from "handlebars";
import { isMessage, type Text } from "../domain/message";
import type { AppError, FieldErrors } from "../errors";
import { renderText } from "../i18n/messages";
import type { Language } from "../languages";
import { helperLanguage, pageLanguage, requestLanguage } from "./language";

/*
 * Refusals and findings in the reader's language. The domain and services return catalogue
 * messages with parameters (server/domain/message.ts); this is where they become text, in the
 * language of the page being answered.
 */

function languageOf(target: Request | Response): Language {
  if ("locals" in target && "req" in target) return pageLanguage(target);
  return target.res ? pageLanguage(target.res) : requestLanguage(target);
}

/** A message in the page's language (a plain string as it is). */
export function pageText(target: Request | Response, text: Text): string {
  return renderText(languageOf(target), text);
}

/** A refusal's message in the page's language, e.g. for a flash banner. */
export function refusalMessage(target: Request | Response, err: AppError): string {
  return renderText(languageOf(target), err.text);
}

/** A refusal's per-field messages in the page's language. */
export function refusalFields(target: Request | Response, err: AppError): FieldErrors {
  const language = languageOf(target);
  return Object.fromEntries(Object.entries(err.fieldTexts).map(([field, text]) => [field, renderText(language, text)]));
}

/**
 * `{{msg value}}`: a message in the page's language. `value` is a message, a plain string, or a
 * record that carries one (a finding: its `text`, else the English `message` it was stored with
 * before findings carried their key).
 */
export function messageHelper(value: unknown, options: HelperOptions): string {
  const language = helperLanguage(options);
  if (typeof value === "string") return value;
  if (isMessage(value)) return renderText(language, value);
  if (typeof value === "object" && value !== null) {
    const { text, message } = value as { text?: unknown; message?: unknown };
    if (typeof text === "string" || isMessage(text)) return renderText(language, text);
    if (typeof message === "string") return message;
  }
  return "";
}
