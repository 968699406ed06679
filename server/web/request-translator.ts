import type { Request } from "express";
import type { TFunction } from "i18next";
import { translator } from "../i18n";
import { pageTranslator, requestLanguage } from "./language";

/**
 * The page translator for code that is handed only the request, such as the locals of a form
 * page re-rendered after a refusal: Express links every request to its response, whose locals
 * hold the page's language.
 */
export function requestTranslator(req: Request): TFunction {
  return req.res ? pageTranslator(req.res) : translator(requestLanguage(req));
}
