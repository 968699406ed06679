import { Router, type Request, type Response } from "express";
import { localDate } from "../../domain/time";
import { z } from "zod";
import { AppError, ValidationError } from "../../errors";
import { writeLedgerCsv } from "../../exports/ledger-csv";
import { writeLedgerXlsx } from "../../exports/ledger-xlsx";
import { filterQuery, ledgerCursor, parseLedgerCursor, parseLedgerFilter, type LedgerFilter } from "../../services/finance/ledger-filter";
import { startLedgerExport } from "../../services/finance/ledger-export";
import { ledgerPage } from "../../services/finance/ledger-queries";
import { reconciliation } from "../../services/finance/reconciliation";
import {
  BatchRefusedError, cancelBatch, createSepaBatch, markBatchExecuted, recordPaymentReturn, recordPayments, type BatchResult,
} from "../../services/finance/payments";
import { getBatch, listBatches, paymentDetail, paymentQueue } from "../../services/finance/payment-queries";
import { msg } from "../../domain/message";
import { pageText, refusalMessage } from "../error-text";
import { formRoute, renderRefusal } from "../forms";
import { headersQuery, ledgerHeaders, ledgerXlsxWords } from "../export-headers";
import { check, field, pageIdFields, pageKeyFields, parseBody, parseQuery } from "../input";
import { pageTranslator } from "../language";
import { flash, idParam, requireRole } from "../middleware";
import { requestTranslator } from "../request-translator";
import { requireFreshSecondFactor } from "../step-up";
import { pagerLinks } from "../pager-links";
import { columnCursor, TIME_KEY_LENGTH } from "../../services/platform/keyset";

/*
 * The finance area. Authorization is per route (this router is mounted at the root, so a
 * router-level guard would catch every other area's URLs): paying is for finance officers only;
 * the ledger, its exports and the reconciliation may also be read by administrators.
 */
export const financeRoutes = Router();
const finance = requireRole("finance");
const financeOrAdmin = requireRole("finance", "admin");

function today(req: Request): string {
  return localDate(req.ctx.now(), req.ctx.config.timeZone);
}

/** Checkbox lists arrive as a string (one ticked) or an array (several); each must be a claim id. */
const claimIds = z.preprocess((v): unknown[] => (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v]),
  z.array(field.id(msg("errors:fields.aClaim")), { error: check(msg("errors:fieldChecks.selectClaims")) }).max(500, check(msg("errors:fieldChecks.selectAtMost", { max: 500 })))
    .refine((ids) => ids.length > 0, check(msg("errors:fieldChecks.selectAtLeastOne"))));

const paymentSchema = z.object({
  claimIds,
  paidOn: field.date(msg("errors:fields.paymentDate")),
  bankReference: field.name(msg("errors:fields.bankReference"), 100),
});

const batchSchema = z.object({ claimIds, executionDate: field.date(msg("errors:fields.executionDate")) });

const queueQuery = z.object(pageKeyFields(TIME_KEY_LENGTH));

/** Batches the payments page shows; the rest are on the batch list. */
const RECENT_BATCHES = 10;

/** The payment queue's page (the first, when a form posted to another address is shown again) and the newest batches. */
async function queueLocals(req: Request) {
  const page = await paymentQueue(req.ctx, req.method === "GET" ? parseQuery(queueQuery, req.query) : {});
  const batches = await listBatches(req.ctx, columnCursor(null, null), RECENT_BATCHES);
  return {
    pageTitle: requestTranslator(req)("finance:titles.payments"),
    queue: page.rows, total: page.total,
    ...pagerLinks("/finance", "", { previous: page.prevKey, next: page.nextKey }),
    batches: batches.rows, batchTotal: batches.total,
  };
}

financeRoutes.get("/finance", finance, async (req, res) => {
  res.render("pages/finance/home", { ...(await queueLocals(req)), values: { paidOn: today(req), executionDate: today(req) } });
});

function flashResults(req: Request, results: BatchResult[]): void {
  const t = requestTranslator(req);
  const paid = results.filter((r) => r.ok);
  if (paid.length) flash(req, "success", t("finance:flash.paymentsRecorded", { count: paid.length }));
  for (const r of results) if (!r.ok) flash(req, "error", t("finance:flash.claimRefused", { id: r.claimId, message: pageText(req, r.text) }));
}

const queuePage = { view: "pages/finance/home", locals: queueLocals };

financeRoutes.post("/finance/payments", finance, requireFreshSecondFactor, formRoute(queuePage, async (req, res) => {
  const input = parseBody(paymentSchema, req.body, msg("errors:finance.paymentNotRecorded"));
  const results = await recordPayments(req.ctx, input.claimIds, { paidOn: input.paidOn, bankReference: input.bankReference });
  const [only, ...others] = results;
  // A single refused claim is answered with its status, so a replay is visibly refused.
  if (only && !only.ok && others.length === 0) {
    renderRefusal(req, res, queuePage.view, new AppError(only.status, only.code, only.text), await queueLocals(req));
    return;
  }
  flashResults(req, results);
  res.redirect(303, "/finance");
}));

financeRoutes.post("/finance/sepa", finance, requireFreshSecondFactor, formRoute(queuePage, async (req, res) => {
  const input = parseBody(batchSchema, req.body, msg("errors:finance.batchNotPrepared"));
  const batch = await createSepaBatch(req.ctx, input.claimIds, input.executionDate);
  flash(req, "success", pageTranslator(res)("finance:flash.batchPrepared", { messageId: batch.messageId }));
  res.redirect(303, `/finance/sepa/${batch.id}`);
}));

const batchListQuery = z.object(pageIdFields());

financeRoutes.get("/finance/sepa", finance, async (req, res) => {
  const q = parseQuery(batchListQuery, req.query);
  const page = await listBatches(req.ctx, columnCursor(q.after, q.before));
  res.render("pages/finance/batches", {
    pageTitle: requestTranslator(req)("finance:titles.batches"),
    batches: page.rows, total: page.total,
    ...pagerLinks("/finance/sepa", "", { previous: page.prevKey, next: page.nextKey }),
  });
});

async function batchLocals(req: Request) {
  const batch = await getBatch(req.ctx, idParam(req));
  return { pageTitle: requestTranslator(req)("finance:titles.batch", { messageId: batch.messageId }), batch };
}

financeRoutes.get("/finance/sepa/:id", finance, async (req, res) => {
  res.render("pages/finance/batch", { ...(await batchLocals(req)), values: {} });
});

financeRoutes.get("/finance/sepa/:id/pain001.xml", finance, async (req, res) => {
  const batch = await getBatch(req.ctx, idParam(req));
  res.type("application/xml; charset=utf-8");
  res.attachment(`${batch.messageId}.xml`);
  res.send(batch.xml);
});

/**
 * A refusal on the batch page keeps its status (a refusal for separation of duties included), the
 * reason and, where claims stopped it, one line per claim.
 */
const batchRefusal = (err: unknown): err is AppError => err instanceof AppError && err.status < 500 && err.status !== 404;

const refusedBatchLocals = (req: Request, err: AppError) => ({
  errorSummary: [],
  errorMessage: err instanceof BatchRefusedError ? `${pageText(req, err.headline)}.` : refusalMessage(req, err),
  problems: err instanceof BatchRefusedError ? err.problems.map((p) => ({ label: pageText(req, p.label), message: pageText(req, p.message) })) : [],
});

const batchPage = {
  view: "pages/finance/batch",
  refusal: batchRefusal,
  locals: async (req: Request, err: AppError) => ({ ...(await batchLocals(req)), ...refusedBatchLocals(req, err) }),
};

financeRoutes.post("/finance/sepa/:id/executed", finance, requireFreshSecondFactor, formRoute(batchPage, async (req, res) => {
  const id = idParam(req);
  const results = await markBatchExecuted(req.ctx, id);
  flashResults(req, results);
  res.redirect(303, `/finance/sepa/${id}`);
}));

const cancelForm = z.object({
  confirm: field.checkbox().refine((v) => v, check(msg("errors:fieldChecks.confirmNotSent"))),
  reason: field.optionalText(msg("errors:fields.reason"), 300),
});

/** An unticked confirmation is shown beside the box; a refusal of the cancellation itself like any batch refusal. */
const cancelBatchPage = {
  view: "pages/finance/batch",
  refusal: batchRefusal,
  locals: async (req: Request, err: AppError) => ({
    ...(await batchLocals(req)),
    ...(err instanceof ValidationError ? { errorMessage: pageText(req, msg("errors:finance.batchNotCancelled")) } : refusedBatchLocals(req, err)),
  }),
};

financeRoutes.post("/finance/sepa/:id/cancel", finance, formRoute(cancelBatchPage, async (req, res) => {
  const id = idParam(req);
  const input = parseBody(cancelForm, req.body);
  const batch = await cancelBatch(req.ctx, id, input.reason);
  flash(req, "success", pageTranslator(res)("finance:flash.batchCancelled", { messageId: batch.messageId }));
  res.redirect(303, `/finance/sepa/${id}`);
}));

// ---------------------------------------------------------------------------------------------
// One payment, and its return by the bank
// ---------------------------------------------------------------------------------------------

async function paymentLocals(req: Request) {
  const payment = await paymentDetail(req.ctx, idParam(req));
  return { pageTitle: requestTranslator(req)("finance:titles.payment", { reference: payment.bankReference }), payment };
}

financeRoutes.get("/finance/payments/:id", finance, async (req, res) => {
  res.render("pages/finance/payment", { ...(await paymentLocals(req)), values: { returnedOn: today(req) } });
});

const returnForm = z.object({
  returnedOn: field.date(msg("errors:fields.returnDate")),
  reason: field.name(msg("errors:fields.returnReason"), 200),
  confirm: field.checkbox().refine((v) => v, check(msg("errors:fieldChecks.confirmReturned"))),
});

const paymentPage = { view: "pages/finance/payment", locals: paymentLocals };

financeRoutes.post("/finance/payments/:id/returned", finance, requireFreshSecondFactor, formRoute(paymentPage, async (req, res) => {
  const id = idParam(req);
  const input = parseBody(returnForm, req.body, msg("errors:finance.returnNotRecorded"));
  const returned = await recordPaymentReturn(req.ctx, { paymentId: id, returnedOn: input.returnedOn, reason: input.reason });
  flash(req, "success", pageTranslator(res)("finance:flash.paymentReturned", { reference: returned.reference ?? "" }));
  res.redirect(303, `/finance/payments/${id}`);
}));

// ---------------------------------------------------------------------------------------------
// Ledger, exports, reconciliation
// ---------------------------------------------------------------------------------------------

function filterFrom(req: Request): LedgerFilter {
  return parseLedgerFilter(req.query, req.ctx.config.timeZone);
}

financeRoutes.get("/finance/ledger", financeOrAdmin, async (req, res) => {
  const f = filterFrom(req);
  const secret = req.ctx.config.sessionSecret;
  const at = parseLedgerCursor(req.query, f, secret);
  const { rows, totals, page, next, previous, options } = await ledgerPage(req.ctx.db, f, at);
  const qs = filterQuery(f);
  const t = pageTranslator(res);
  res.render("pages/finance/ledger", {
    pageTitle: t("finance:titles.ledger"), rows, totals, page, values: { ...f, call: f.callId ? String(f.callId) : "" }, options,
    kindOptions: [{ value: "commit", label: t("finance:ledger.kinds.commit") }, { value: "release", label: t("finance:ledger.kinds.release") }, { value: "payment", label: t("finance:ledger.kinds.payment") }],
    // The same labels on each of the page's entries, translated once rather than per entry.
    rowTexts: {
      noReference: t("finance:ledger.noReference"), summary: t("finance:ledger.details.summary"), recorded: t("finance:ledger.details.recorded"),
      region: t("finance:ledger.details.region"), call: t("finance:ledger.details.call"), voucherType: t("finance:ledger.details.voucherType"),
      originalAmount: t("finance:ledger.details.originalAmount"), paymentReference: t("finance:ledger.details.paymentReference"),
      paidOn: t("finance:ledger.details.paidOn"), releasedSoFar: t("finance:ledger.details.releasedSoFar"),
    },
    // A payment's page (and its return by the bank) is finance's; administrators read the ledger only.
    paymentLinks: req.ctx.actor?.role === "finance",
    csvLink: `/finance/ledger.csv${qs ? "?" + qs : ""}`, xlsxLink: `/finance/ledger.xlsx${qs ? "?" + qs : ""}`,
    ...pagerLinks("/finance/ledger", qs, { previous: previous ? ledgerCursor(previous, f, secret) : null, next: next ? ledgerCursor(next, f, secret) : null }),
  });
});

function exportName(f: LedgerFilter, ext: string): string {
  return `ledger${f.from ? "-from-" + f.from : ""}${f.to ? "-to-" + f.to : ""}.${ext}`;
}

const exportQuery = z.object(headersQuery);

async function streamExport(req: Request, res: Response, format: "csv" | "xlsx"): Promise<void> {
  const f = filterFrom(req);
  const choice = parseQuery(exportQuery, req.query).headers;
  const headers = ledgerHeaders(choice, pageTranslator(res));
  res.attachment(exportName(f, format));
  res.type(format === "csv" ? "text/csv; charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  res.setHeader("Cache-Control", "no-store");
  // A HEAD (a link checker, a browser's look ahead) gets the headers: no export is read or logged (R17).
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const rows = await startLedgerExport(req.ctx, format, f, "web");
  const timeZone = req.ctx.config.timeZone;
  try {
    if (format === "csv") await writeLedgerCsv(rows, res, { timeZone, headers });
    else await writeLedgerXlsx(rows, res, { timeZone, headers, ...ledgerXlsxWords(choice, pageTranslator(res)) });
  } catch (err) {
    // Once the 200 and part of the file are out, ending normally would hand the accountant a
    // truncated file that looks complete; cutting the connection makes the download fail.
    if (res.headersSent) {
      req.log?.error({ err }, "ledger export failed mid-stream");
      res.destroy(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    throw err;
  }
  if (!res.writableEnded) res.end();
}

financeRoutes.get("/finance/ledger.csv", financeOrAdmin, (req, res) => streamExport(req, res, "csv"));
financeRoutes.get("/finance/ledger.xlsx", financeOrAdmin, (req, res) => streamExport(req, res, "xlsx"));

const reconQuery = z.object({
  check: z.enum(["entries"], { error: check(msg("errors:finance.reconCheck")) }).optional(),
  ...pageIdFields(),
});

financeRoutes.get("/finance/reconciliation", financeOrAdmin, async (req, res) => {
  const f = filterFrom(req);
  const { check: sumAgain, after, before } = parseQuery(reconQuery, req.query);
  const qs = filterQuery(f);
  const t = pageTranslator(res);
  const recon = await reconciliation(req.ctx.db, f, sumAgain ? "entries" : "sums", after ? { after } : before ? { before } : {});
  const kept = [qs, sumAgain ? "check=entries" : ""].filter(Boolean).join("&");
  res.render("pages/finance/reconciliation", {
    // The total's label is the export's; the page says it in the reader's language.
    pageTitle: t("finance:titles.reconciliation"), recon: { ...recon, total: { ...recon.total, label: t("finance:reconciliation.allCalls") } }, values: { ...f, call: f.callId ? String(f.callId) : "" },
    options: recon.options,
    csvLink: `/finance/ledger.csv${qs ? "?" + qs : ""}`, xlsxLink: `/finance/ledger.xlsx${qs ? "?" + qs : ""}`,
    sumAgainLink: `/finance/reconciliation?${qs ? qs + "&" : ""}check=entries`,
    ...pagerLinks("/finance/reconciliation", kept, recon.calls),
  });
});
