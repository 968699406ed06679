import { Router } from "express";
import { z } from "zod";
import { msg } from "../../domain/message";
import { type Language, LANGUAGE_NAMES, LANGUAGES } from "../../languages";
import { translator } from "../../i18n";
import { setUserLanguage } from "../../services/people/language";
import { formRoute } from "../forms";
import { field, parseBody, parseQuery } from "../input";
import { pageLanguage, requestLanguage, safeReturnPath, setLanguageCookie } from "../language";
import { flash, requireAuth, signedIn } from "../middleware";

/*
 * The language switcher and the signed-in user's language choice. The switcher works without
 * JavaScript: visitors follow a link (GET, which only sets the cookie), signed-in users press a
 * button in a small form (POST, which also saves their choice), and both return to the page they
 * were on.
 */

export const languageRoutes = Router();

const languageField = field.choice(LANGUAGES, msg("errors:fieldChecks.chooseLanguage"));
const switchSchema = z.object({ lang: languageField, next: field.optionalName(msg("errors:fields.returnAddress"), 2000) });

languageRoutes.get("/language", (req, res) => {
  const input = parseQuery(switchSchema, req.query);
  setLanguageCookie(res, input.lang, req.ctx.config.baseUrl.startsWith("https://"));
  res.redirect(303, safeReturnPath(input.next));
});

languageRoutes.post("/language", async (req, res) => {
  const input = parseBody(switchSchema, req.body);
  setLanguageCookie(res, input.lang, req.ctx.config.baseUrl.startsWith("https://"));
  if (req.user) await setUserLanguage(req.ctx, req.user.id, input.lang);
  res.redirect(303, safeReturnPath(input.next));
});

function accountLanguageLocals(page: Language, chosen: Language | null | undefined) {
  return {
    pageTitle: translator(page)("common:accountLanguage.title"),
    options: LANGUAGES.map((code) => ({ value: code, label: LANGUAGE_NAMES[code] })),
    values: { language: chosen ?? page },
  };
}

languageRoutes.get("/account/language", requireAuth, (req, res) => {
  res.render("pages/account/language", accountLanguageLocals(pageLanguage(res), signedIn(req).language));
});

languageRoutes.post("/account/language", requireAuth, formRoute(
  { view: "pages/account/language", locals: (req) => ({ ...accountLanguageLocals(requestLanguage(req), req.user?.language), values: req.body as Record<string, unknown> }) },
  async (req, res) => {
    const input = parseBody(z.object({ language: languageField }), req.body);
    await setUserLanguage(req.ctx, signedIn(req).id, input.language);
    setLanguageCookie(res, input.language, req.ctx.config.baseUrl.startsWith("https://"));
    // The banner is read on the next page, which is already in the new language.
    flash(req, "success", translator(input.language)("common:accountLanguage.saved", { language: LANGUAGE_NAMES[input.language] }));
    res.redirect(303, "/account/language");
  },
));
