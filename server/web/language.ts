import { parse as parseCookies } from "cookie";
import type { Request, Response } from "express";
import type { TFunction } from "i18next";
import type { HelperOptions } from "handlebars";
import { textOr, translator } from "../i18n";
import { PSEUDO_LOCALE, inPseudoLocale, pseudoLocaleActive } from "../i18n/pseudo";
import { isLanguage, type Language, LANGUAGE_NAMES, LANGUAGES, SOURCE_LANGUAGE } from "../languages";

/** The cookie that keeps a visitor's choice from the language switcher. */
export const LANGUAGE_COOKIE = "vd.lang";
/** A year: the choice outlives sessions, like any site's language choice. */
export const LANGUAGE_COOKIE_MAX_AGE_MS = 365 * 24 * 60 * 60 * 1000;

/** `?lang=da` on any page shows that page in Danish (the hreflang alternates link to these). */
export const LANGUAGE_QUERY = "lang";

function queryLanguage(req: Request): Language | null {
  const q: unknown = (req.query as Record<string, unknown> | undefined)?.[LANGUAGE_QUERY];
  return isLanguage(q) ? q : null;
}

/**
 * The language a page is shown in: a `?lang=` on the address (a link to one language's version),
 * else the signed-in user's saved preference, else the visitor's choice from the switcher (cookie),
 * else the first of the browser's Accept-Language the product offers, else (the browser asks only
 * for languages the product does not offer) the default language of the signed-in user's partner
 * organisation, else English.
 */
export function requestLanguage(req: Request): Language {
  // The pseudo-locale is English underneath: dates and amounts as in English, text marked.
  if (pseudoLocaleActive()) return SOURCE_LANGUAGE;
  const explicit = queryLanguage(req);
  if (explicit) return explicit;
  const user = req.user;
  if (user?.language) return user.language;
  const chosen = parseCookies(req.headers.cookie ?? "")[LANGUAGE_COOKIE];
  if (isLanguage(chosen)) return chosen;
  // No Accept-Language at all means any language will do (RFC 9110), so the source language;
  // the partner's default stands in only for a browser that asks for none of ours.
  if (!req.headers["accept-language"]) return SOURCE_LANGUAGE;
  const accepted = req.acceptsLanguages(...LANGUAGES);
  if (isLanguage(accepted)) return accepted;
  return user?.partnerLanguage ?? SOURCE_LANGUAGE;
}

/**
 * Answers a request that asks for the pseudo-locale (the switcher cookie set to it by a test) in
 * it; mounted only when the configuration enables the pseudo-locale.
 */
export function pseudoLocaleMiddleware(req: Request, _res: Response, next: () => void): void {
  if (parseCookies(req.headers.cookie ?? "")[LANGUAGE_COOKIE] === PSEUDO_LOCALE) inPseudoLocale(next);
  else next();
}

/** Remembers a switcher choice in the visitor's browser. */
export function setLanguageCookie(res: Response, language: Language, secure: boolean): void {
  res.cookie(LANGUAGE_COOKIE, language, { httpOnly: true, sameSite: "lax", secure, maxAge: LANGUAGE_COOKIE_MAX_AGE_MS, path: "/" });
}

/** A path on this site to return to after switching; anything else goes to the home page. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  if (value.length > 2000 || /[\r\n]/.test(value)) return "/";
  return value;
}

/** The page's address without `?lang=`, so switching away from a language link sticks. */
function withoutLanguageQuery(originalUrl: string): string {
  const url = new URL(originalUrl, "http://x");
  url.searchParams.delete(LANGUAGE_QUERY);
  return url.pathname + url.search;
}

/**
 * A page answering a form (a refused POST) has no address of its own to return to: the form's
 * page (the Referer, when it is this site's) or the home page.
 */
function formPagePath(req: Request): string {
  const referer = req.headers.referer;
  if (!referer) return "/";
  try {
    const url = new URL(referer);
    return url.host === req.headers.host ? safeReturnPath(url.pathname + url.search) : "/";
  } catch {
    return "/";
  }
}

export interface LanguageChoice { code: Language; name: string; current: boolean; href: string }

/**
 * The switcher's entries and the page's alternates in other languages (for `hreflang`), for the
 * layout. `baseUrl` makes the alternates absolute, as search engines expect.
 */
export function languageLocals(req: Request, language: Language, baseUrl: string) {
  const here = withoutLanguageQuery(req.method === "GET" ? req.originalUrl : formPagePath(req));
  const choices: LanguageChoice[] = LANGUAGES.map((code) => ({
    code,
    name: LANGUAGE_NAMES[code],
    current: code === language,
    href: `/language?${new URLSearchParams({ lang: code, next: here }).toString()}`,
  }));
  const alternates = LANGUAGES.map((code) => {
    const url = new URL(here, baseUrl);
    url.searchParams.set(LANGUAGE_QUERY, code);
    return { code, href: url.toString() };
  });
  return { languages: choices, languageAlternates: alternates, returnPath: here };
}

/**
 * `{{t "namespace:key" name=value}}`: the text in the page's language (`lang` in the render
 * context, set for every request), placeholders from the helper's named arguments.
 */
export function translateHelper(key: unknown, options: HelperOptions): string {
  const root = (options.data as { root?: { lang?: unknown } } | undefined)?.root;
  const language = isLanguage(root?.lang) ? root.lang : SOURCE_LANGUAGE;
  const params = options.hash as Record<string, unknown>;
  return translator(language)(String(key), Object.keys(params).length === 0 ? undefined : params);
}

/** The language of the page being answered (set for every request). */
export function pageLanguage(res: Response): Language {
  const language: unknown = res.locals.lang;
  return isLanguage(language) ? language : SOURCE_LANGUAGE;
}

/** A translate function in the language of the page being answered, for text set in routes (page titles, banners). */
export function pageTranslator(res: Response): TFunction {
  return translator(pageLanguage(res));
}

/** The page's language inside a Handlebars helper (the `lang` of the render context). */
export function helperLanguage(options: unknown): Language {
  const root = (options as { data?: { root?: { lang?: unknown } } } | undefined)?.data?.root;
  return isLanguage(root?.lang) ? root.lang : SOURCE_LANGUAGE;
}

/**
 * The label of a stored code in the page's language from the codes catalogue
 * ("codes:state.approved"); a code the catalogue does not know keeps `fallback`.
 */
export function codeText(language: Language, group: string, code: string, fallback: string): string {
  if (code === "") return fallback;
  return textOr(language, `codes:${group}.${code}`, fallback);
}
