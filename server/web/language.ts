import { parse as parseCookies } from "cookie";
import type { Request, Response } from "express";
import type { TFunction } from "i18next";
import type { HelperOptions } from "handlebars";
import { translator } from "../i18n";
import { isPageLanguage, PAGE_LANGUAGES, type PageLanguage, SOURCE_LANGUAGE } from "../languages";

/** The cookie that keeps a visitor's choice from the language switcher. */
export const LANGUAGE_COOKIE = "vd.lang";

/**
 * The language a page is shown in: the visitor's choice from the switcher, else the first of the
 * browser's Accept-Language the product offers, else English.
 */
export function requestLanguage(req: Request): PageLanguage {
  const chosen = parseCookies(req.headers.cookie ?? "")[LANGUAGE_COOKIE];
  if (isPageLanguage(chosen)) return chosen;
  const accepted = req.acceptsLanguages(...PAGE_LANGUAGES);
  return isPageLanguage(accepted) ? accepted : SOURCE_LANGUAGE;
}

/**
 * `{{t "namespace:key" name=value}}`: the text in the page's language (`lang` in the render
 * context, set for every request), placeholders from the helper's named arguments.
 */
export function translateHelper(key: unknown, options: HelperOptions): string {
  const root = (options.data as { root?: { lang?: unknown } } | undefined)?.root;
  const language = isPageLanguage(root?.lang) ? root.lang : SOURCE_LANGUAGE;
  return translator(language)(String(key), options.hash as Record<string, unknown>);
}

/** A translate function in the language of the page being answered, for text set in routes (page titles, banners). */
export function pageTranslator(res: Response): TFunction {
  const language: unknown = res.locals.lang;
  return translator(isPageLanguage(language) ? language : SOURCE_LANGUAGE);
}
