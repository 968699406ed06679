import { Router, type Request } from "express";
import { z } from "zod";
import { msg } from "../../domain/message";
import { ValidationError } from "../../errors";
import { importRates, setRate } from "../../services/finance/exchange-rates";
import { rateTable } from "../../services/finance/exchange-rate-queries";
import { csrfAfterUpload, uploadParser } from "../csrf";
import { formRoute } from "../forms";
import { field, parseBody } from "../input";
import { pageTranslator } from "../language";
import { flash, requireRole } from "../middleware";
import { requestTranslator } from "../request-translator";

/*
 * The monthly exchange-rate table (R2): finance adds and corrects the Commission's accounting
 * rates, one by one or from a CSV file; claim verification looks them up.
 */
export const financeRateRoutes = Router();
const finance = requireRole("finance");

/** A rates file is a few kilobytes; anything near this is not a rates file. */
const MAX_RATES_FILE_BYTES = 1024 * 1024;
const upload = uploadParser({ limits: { fileSize: MAX_RATES_FILE_BYTES, files: 1, fields: 10 }, single: "file" });

async function locals(req: Request) {
  return { pageTitle: requestTranslator(req)("finance:titles.rates"), ...(await rateTable(req.ctx)) };
}

financeRateRoutes.get("/finance/rates", finance, async (req, res) => {
  res.render("pages/finance/rates", { ...(await locals(req)), values: {} });
});

const ratesPage = { view: "pages/finance/rates", locals };

/** The newest entry of the table the form was shown with (RateTable.lastEntryId), sent back by both forms. */
const seenUpToField = () => field.wholeNumber(msg("errors:fields.rateTableShown"), { max: 999_999_999 }).optional();

// Bounded and single-valued here; what a currency code, a month and a rate may be is decided by
// the service's checkRateEntry, which the CSV import shares.
const rateSchema = z.object({
  currency: field.optionalName(msg("errors:fields.currency"), 3),
  month: field.optionalName(msg("errors:fields.month"), 7),
  rate: field.optionalName(msg("errors:fields.rate"), 20),
  note: field.optionalText(msg("errors:fields.note"), 300),
  seenUpTo: seenUpToField(),
});

financeRateRoutes.post("/finance/rates", finance, formRoute(ratesPage, async (req, res) => {
  const input = parseBody(rateSchema, req.body, msg("errors:fieldChecks.rateNotSaved"));
  const outcome = await setRate(req.ctx, input);
  const what = `${input.currency.trim().toUpperCase()} ${input.month.trim()}`;
  const t = pageTranslator(res);
  flash(req, outcome === "unchanged" ? "info" : "success", outcome === "added" ? t("finance:flash.rateAdded", { what })
    : outcome === "corrected" ? t("finance:flash.rateCorrected", { what }) : t("finance:flash.rateUnchanged", { what, rate: input.rate.trim() }));
  res.redirect(303, "/finance/rates");
}));

/** The import form has no answers to keep; the single-rate form beside it stays empty. */
const importPage = { view: "pages/finance/rates", locals: async (req: Request) => ({ ...(await locals(req)), values: {} }) };

financeRateRoutes.post("/finance/rates/import", finance, upload, csrfAfterUpload, formRoute(importPage, async (req, res) => {
  if (!req.file) throw new ValidationError(msg("errors:web.noFile"), { file: msg("errors:finance.chooseRatesFile") });
  const text = req.file.buffer.toString("utf8");
  if (text.includes("\uFFFD")) throw new ValidationError(msg("errors:web.fileUnreadable"), { file: msg("errors:web.saveAsUtf8") });
  const { seenUpTo } = parseBody(z.object({ seenUpTo: seenUpToField() }), req.body);
  const r = await importRates(req.ctx, text, seenUpTo);
  flash(req, "success", pageTranslator(res)("finance:flash.imported", { added: r.added, corrected: r.corrected, unchanged: r.unchanged }));
  res.redirect(303, "/finance/rates");
}));
