import { type Request, type Response, Router } from "express";
import { z } from "zod";
import { BudgetExceededError } from "../../domain/budget";
import { APP_STATES, STATE_LABELS } from "../../domain/lifecycle";
import { formatMoney, type Cents } from "../../domain/money";
import { type Message, msg } from "../../domain/message";
import { type AppError, ValidationError, type FieldTexts } from "../../errors";
import { type CallInput, closeCall, createCall, openCall, updateDraftCall } from "../../services/calls/calls";
import { formKeyOf, keyForRefusedForm, newFormKey } from "../form-keys";
import { callBudget, callOptions, getCall, listCalls } from "../../services/calls/queries";
import { cancelVoucher } from "../../services/review/cancel";
import { approve, declareConflict, reject, requestInfo, reserve, saveRejectionTemplate } from "../../services/review/decisions";
import { type DecisionKind, type DecisionPreview, previewDecision } from "../../services/review/decision-preview";
import { conflictHandovers, listRejectionTemplates, reviewApplication, reviewQueue } from "../../services/review/queries";
import { type LineAnswers, rejectClaim, verifyClaim } from "../../services/claims/verification";
import { claimsToVerify, reviewClaim } from "../../services/claims/queries";
import { listPartners, listVoucherTypes } from "../../services/scheme/reference";
import { formRoute } from "../forms";
import { check, field, pageKeyFields, parseBody, parseQuery } from "../input";
import { pagerLinks } from "../pager-links";
import { TIME_KEY_LENGTH } from "../../services/platform/keyset";
import { codeText, pageLanguage, pageTranslator } from "../language";
import { flash, idParam, requireRole } from "../middleware";
import { requestTranslator } from "../request-translator";

export const managerRoutes = Router();
// Managers run the calls and decide; administrators may step in (e.g. after a conflict of interest).
const staff = requireRole("manager", "admin");

// ---------------------------------------------------------------------------------------------
// Review queue
// ---------------------------------------------------------------------------------------------

const queueQuery = z.object({
  call: field.optionalId(msg("errors:fields.aCall")),
  state: field.filter(msg("errors:fields.state"), 30),
  type: field.filter(msg("errors:fields.voucherType"), 10),
  page: field.page(),
  ...pageKeyFields(TIME_KEY_LENGTH),
});

managerRoutes.get("/manager", staff, async (req, res) => {
  const q = parseQuery(queueQuery, req.query);
  const callId = q.call ?? undefined;
  const state = APP_STATES.includes(q.state as never) ? q.state : undefined;
  const typeCode = /^[A-Z]{1,10}$/.test(q.type) ? q.type : undefined;
  const result = await reviewQueue(req.ctx, { callId, typeCode, state, page: q.page, after: q.after, before: q.before });
  const link = (page: number, key: Record<string, string>) => `?${new URLSearchParams({
    ...(callId ? { call: String(callId) } : {}), ...(typeCode ? { type: typeCode } : {}), ...(state ? { state } : {}), page: String(page), ...key,
  }).toString()}`;
  res.render("pages/manager/home", {
    pageTitle: pageTranslator(res)("manager:titles.queue"),
    ...result,
    handovers: await conflictHandovers(req.ctx),
    values: { call: callId ?? "", type: typeCode ?? "", state: state ?? "" },
    callOptions: await callOptions(req.ctx),
    typeOptions: (await listVoucherTypes(req.ctx.db)).map((t) => ({ value: t.code, label: t.name })),
    stateOptions: APP_STATES.filter((s) => s !== "draft").map((s) => ({ value: s, label: codeText(pageLanguage(res), "state", s, STATE_LABELS[s]) })),
    // The first page needs no key, so going back to it gives the same link as the filter form.
    prevLink: result.prevKey ? (result.page <= 2 ? link(1, {}) : link(result.page - 1, { before: result.prevKey })) : null,
    nextLink: result.nextKey ? link(result.page + 1, { after: result.nextKey }) : null,
  });
});

// ---------------------------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------------------------

const callListQuery = z.object(pageKeyFields(TIME_KEY_LENGTH));

managerRoutes.get("/manager/calls", staff, async (req, res) => {
  const q = parseQuery(callListQuery, req.query);
  const page = await listCalls(req.ctx, q);
  res.render("pages/manager/calls", {
    pageTitle: pageTranslator(res)("manager:titles.calls"), calls: page.rows, total: page.total,
    ...pagerLinks("/manager/calls", "", { previous: page.prevKey, next: page.nextKey }),
  });
});

async function callFormLocals(req: Request) {
  return { types: await listVoucherTypes(req.ctx.db), partners: await listPartners(req.ctx.db) };
}

/** The call form has a field per voucher type and per partner, so its schema is built from them. */
async function parseCallForm(req: Request): Promise<CallInput> {
  const { types, partners } = await callFormLocals(req);
  const ceiling = (label: Message) => field.money(label);
  const schema = z.object({
    title: field.name(msg("errors:fields.callTitle"), 200),
    description: field.optionalText(msg("errors:fields.description"), 5000),
    // The service reads these as local date-times in the programme's time zone and says what is wrong.
    opensAt: field.optionalName(msg("errors:fields.opensAt"), 20),
    closesAt: field.optionalName(msg("errors:fields.closesAt"), 20),
    total: field.money(msg("errors:fields.totalBudget"), { required: true }),
    ...Object.fromEntries(types.flatMap((t) => [
      [`type_${t.id}`, field.checkbox()],
      [`completion_${t.id}`, field.optionalName(msg("errors:fields.completionDaysOf", { type: t.name }), 10)],
      [`ceiling_type_${t.id}`, ceiling(msg("errors:fields.ceilingFor", { name: t.name }))],
    ])),
    ...Object.fromEntries(partners.map((p) => [`ceiling_partner_${p.id}`, ceiling(msg("errors:fields.ceilingFor", { name: p.name }))])),
  });
  const input = parseBody(schema, req.body, msg("errors:fieldChecks.callNotSaved")) as Record<string, unknown> & { title: string; description: string; opensAt: string; closesAt: string; total: Cents };
  const fields: FieldTexts = {};
  const offered: CallInput["types"] = [];
  const perTypeCents: Record<number, Cents> = {};
  for (const t of types) {
    if (input[`type_${t.id}`] !== true) continue;
    const raw = String(input[`completion_${t.id}`]).trim();
    // Anything but digits is left to the service, which names the days' range beside the other refusals.
    const days = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
    offered.push({ voucherTypeId: t.id, completionDays: days });
    const c = input[`ceiling_type_${t.id}`] as Cents | null;
    if (c !== null) perTypeCents[t.id] = c;
  }
  const perPartnerCents: Record<number, Cents> = {};
  for (const p of partners) {
    const c = input[`ceiling_partner_${p.id}`] as Cents | null;
    if (c !== null) perPartnerCents[p.id] = c;
  }
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:web.callNotSaved"), fields);
  return {
    title: input.title, description: input.description, opensLocal: input.opensAt, closesLocal: input.closesAt,
    types: offered, totalCents: input.total, perTypeCents, perPartnerCents,
  };
}

managerRoutes.get("/manager/calls/new", staff, async (req, res) => {
  const { types } = await callFormLocals(req);
  const values: Record<string, unknown> = {};
  for (const t of types) { values[`type_${t.id}`] = "on"; values[`completion_${t.id}`] = String(t.completionDays); }
  res.render("pages/manager/call-form", { pageTitle: pageTranslator(res)("manager:titles.newCall"), action: "/manager/calls", ...(await callFormLocals(req)), values, formKey: newFormKey() });
});

const newCallPage = {
  view: "pages/manager/call-form",
  locals: async (req: Request, err: AppError) => ({
    pageTitle: requestTranslator(req)("manager:titles.newCall"), action: "/manager/calls", ...(await callFormLocals(req)), formKey: keyForRefusedForm(req, err),
  }),
};

managerRoutes.post("/manager/calls", staff, formRoute(newCallPage, async (req, res) => {
  const id = await createCall(req.ctx, await parseCallForm(req), formKeyOf(req.body));
  flash(req, "success", pageTranslator(res)("manager:flash.callCreated"));
  res.redirect(303, `/manager/calls/${id}`);
}));

managerRoutes.get("/manager/calls/:id", staff, async (req, res) => {
  const call = await getCall(req.ctx, idParam(req));
  const budget = await callBudget(req.ctx, call.id, req.ctx.actor?.role === "manager" ? req.ctx.actor.partnerId : null);
  res.render("pages/manager/call", { pageTitle: call.title, call, budget });
});

managerRoutes.get("/manager/calls/:id/edit", staff, async (req, res) => {
  const call = await getCall(req.ctx, idParam(req));
  const budget = await callBudget(req.ctx, call.id);
  const locals = await callFormLocals(req);
  const values: Record<string, unknown> = { title: call.title, description: call.description, opensAt: call.opensAt, closesAt: call.closesAt };
  for (const t of locals.types) values[`completion_${t.id}`] = String(t.completionDays);
  for (const t of call.types) { values[`type_${t.voucherTypeId}`] = "on"; values[`completion_${t.voucherTypeId}`] = String(t.completionDays); }
  const cents = (key: string) => budget.ceilings.find((c) => c.key === key)?.ceilingCents;
  values.totalCents = cents("total");
  for (const t of locals.types) values[`ceiling_type_${t.id}_cents`] = cents(`type:${t.code}`);
  for (const p of locals.partners) values[`ceiling_partner_${p.id}_cents`] = cents(`partner:${p.id}`);
  res.render("pages/manager/call-form", { pageTitle: pageTranslator(res)("manager:titles.editCall", { title: call.title }), action: `/manager/calls/${call.id}`, call, ...locals, values });
});

const editCallPage = {
  view: "pages/manager/call-form",
  locals: async (req: Request) => {
    const call = await getCall(req.ctx, idParam(req));
    return { pageTitle: requestTranslator(req)("manager:titles.editCall", { title: call.title }), action: `/manager/calls/${call.id}`, call, ...(await callFormLocals(req)) };
  },
};

managerRoutes.post("/manager/calls/:id", staff, formRoute(editCallPage, async (req, res) => {
  const id = idParam(req);
  await updateDraftCall(req.ctx, id, await parseCallForm(req));
  flash(req, "success", pageTranslator(res)("manager:flash.callSaved"));
  res.redirect(303, `/manager/calls/${id}`);
}));

managerRoutes.post("/manager/calls/:id/open", staff, async (req, res) => {
  const id = idParam(req);
  await openCall(req.ctx, id);
  flash(req, "success", pageTranslator(res)("manager:flash.callOpened"));
  res.redirect(303, `/manager/calls/${id}`);
});

managerRoutes.post("/manager/calls/:id/close", staff, async (req, res) => {
  const id = idParam(req);
  await closeCall(req.ctx, id);
  flash(req, "success", pageTranslator(res)("manager:flash.callClosed"));
  res.redirect(303, `/manager/calls/${id}`);
});

// ---------------------------------------------------------------------------------------------
// Application decisions
// ---------------------------------------------------------------------------------------------

async function reviewLocals(req: Request, id: number) {
  const review = await reviewApplication(req.ctx, id);
  const has = (a: string) => review.actions.includes(a);
  return {
    pageTitle: requestTranslator(req)("manager:titles.application", { reference: review.app.reference ?? review.app.id }),
    ...review,
    can: { approve: has("approve"), reject: has("reject"), requestInfo: has("request-info"), reserve: has("reserve"), cancel: has("cancel") },
    capped: review.type.amountRule === "capped",
  };
}

managerRoutes.get("/manager/applications/:id", staff, async (req, res) => {
  res.render("pages/manager/application", { ...(await reviewLocals(req, idParam(req))), values: {} });
});

const decisionPage = (id: number) => `/manager/applications/${id}`;

/** Every decision form sits on the application's page; a refusal shows that page again with the reason. */
const applicationPage = {
  view: "pages/manager/application",
  locals: async (req: Request, err: unknown) => ({
    ...(await reviewLocals(req, idParam(req))),
    budgetExceeded: err instanceof BudgetExceededError ? { shortfalls: err.exceeded } : null,
  }),
};

const approveSchema = z.object({ amount: field.money(msg("errors:fields.amount")), skipReason: field.optionalText(msg("errors:fields.skipReason"), 2000) });
const rejectSchema = z.object({
  templateId: field.optionalId(msg("errors:fields.rejectionReason")),
  reason: field.optionalText(msg("errors:fields.reason"), 5000),
});
const requestInfoSchema = z.object({ message: field.text(msg("errors:fields.infoNeeded"), 5000) });

/*
 * Each decision is taken in two steps: its form on the application's page posts to .../confirm,
 * which changes nothing and shows what will happen (the exact amount, the ceilings after it, who
 * is told what); that page's Confirm posts to the decision itself, its Back to .../decision,
 * which shows the application's page again with what was typed. The confirmation carries the
 * input in hidden fields, so the step needs no session state and no JavaScript.
 */
function renderConfirmation(res: Response, preview: DecisionPreview, values: Record<string, unknown>) {
  const t = pageTranslator(res);
  const heading = t(CONFIRM_TITLES[preview.kind]);
  res.render("pages/manager/decision-confirm", {
    pageTitle: t("manager:titles.confirm", { title: heading }),
    heading,
    preview, values,
    isApprove: preview.kind === "approve", isReject: preview.kind === "reject",
    isRequestInfo: preview.kind === "request-info", isReserve: preview.kind === "reserve",
  });
}

const CONFIRM_TITLES: Record<DecisionKind, string> = {
  approve: "manager:confirm.titles.approve",
  reject: "manager:confirm.titles.reject",
  "request-info": "manager:confirm.titles.requestInfo",
  reserve: "manager:confirm.titles.reserve",
};

managerRoutes.post("/manager/applications/:id/approve/confirm", staff, formRoute(applicationPage, async (req, res) => {
  const id = idParam(req);
  const { amount, skipReason } = parseBody(approveSchema, req.body, msg("errors:fieldChecks.amountNotAccepted"));
  const preview = await previewDecision(req.ctx, id, { kind: "approve", amountCents: amount, skipReason });
  renderConfirmation(res, preview, { skipReason: preview.skipReason ?? "" });
}));

managerRoutes.post("/manager/applications/:id/reject/confirm", staff, formRoute(applicationPage, async (req, res) => {
  const id = idParam(req);
  const input = parseBody(rejectSchema, req.body);
  const preview = await previewDecision(req.ctx, id, { kind: "reject", templateId: input.templateId ?? null, reason: input.reason });
  renderConfirmation(res, preview, { templateId: input.templateId ?? "", reason: input.reason });
}));

managerRoutes.post("/manager/applications/:id/request-info/confirm", staff, formRoute(applicationPage, async (req, res) => {
  const id = idParam(req);
  const input = parseBody(requestInfoSchema, req.body);
  renderConfirmation(res, await previewDecision(req.ctx, id, { kind: "request-info", message: input.message }), { message: input.message });
}));

managerRoutes.post("/manager/applications/:id/reserve/confirm", staff, formRoute(applicationPage, async (req, res) => {
  renderConfirmation(res, await previewDecision(req.ctx, idParam(req), { kind: "reserve" }), {});
}));

const backSchema = z.object({
  choice: z.enum(["approve", "reject", "request-info", "reserve"], { message: check(msg("errors:fieldChecks.chooseDecision")) }),
  amount: field.optionalName(msg("errors:fields.amount"), 30),
  skipReason: field.optionalText(msg("errors:fields.skipReason"), 2000),
  templateId: field.optionalName(msg("errors:fields.rejectionReason"), 12),
  reason: field.optionalText(msg("errors:fields.reason"), 5000),
  message: field.optionalText(msg("errors:fields.infoNeeded"), 5000),
});

/** Back from a confirmation: the application's page with the chosen decision open and its fields as typed. */
managerRoutes.post("/manager/applications/:id/decision", staff, async (req, res) => {
  const locals = await reviewLocals(req, idParam(req));
  const { choice, ...values } = parseBody(backSchema, req.body);
  res.render("pages/manager/application", { ...locals, values, openChoice: choice });
});

managerRoutes.post("/manager/applications/:id/approve", staff, formRoute(applicationPage, async (req, res) => {
  const id = idParam(req);
  const { amount, skipReason } = parseBody(approveSchema, req.body, msg("errors:fieldChecks.amountNotAccepted"));
  const result = await approve(req.ctx, id, { amountCents: amount, skipReason });
  const done = { amount: formatMoney(result.amountCents, pageLanguage(res)), reference: result.letterReference };
  flash(req, "success", pageTranslator(res)("manager:flash.approved", done));
  res.redirect(303, decisionPage(id));
}));

managerRoutes.post("/manager/applications/:id/reject", staff, formRoute(applicationPage, async (req, res) => {
  const id = idParam(req);
  const input = parseBody(rejectSchema, req.body);
  await reject(req.ctx, id, { templateId: input.templateId ?? null, reason: input.reason });
  flash(req, "success", pageTranslator(res)("manager:flash.rejected"));
  res.redirect(303, decisionPage(id));
}));

managerRoutes.post("/manager/applications/:id/request-info", staff, formRoute(applicationPage, async (req, res) => {
  const id = idParam(req);
  const input = parseBody(requestInfoSchema, req.body);
  await requestInfo(req.ctx, id, input.message);
  flash(req, "success", pageTranslator(res)("manager:flash.infoRequested"));
  res.redirect(303, decisionPage(id));
}));

managerRoutes.post("/manager/applications/:id/reserve", staff, formRoute(applicationPage, async (req, res) => {
  const id = idParam(req);
  await reserve(req.ctx, id);
  flash(req, "success", pageTranslator(res)("manager:flash.reserved"));
  res.redirect(303, decisionPage(id));
}));

const cancelSchema = z.object({ cancelReason: field.text(msg("errors:fields.cancelReason"), 2000) });

managerRoutes.post("/manager/applications/:id/cancel", staff, formRoute(applicationPage, async (req, res) => {
  const id = idParam(req);
  const input = parseBody(cancelSchema, req.body);
  const { releasedCents, offered } = await cancelVoucher(req.ctx, id, input.cancelReason);
  const t = pageTranslator(res);
  flash(req, "success", t("manager:flash.cancelled", { amount: formatMoney(releasedCents, pageLanguage(res)) }));
  if (offered) {
    const reference = offered.reference ?? t("manager:common.applicationN", { id: offered.id });
    flash(req, "info", t("manager:flash.reserveOffered", { reference, company: offered.companyName }));
  }
  res.redirect(303, decisionPage(id));
}));

const conflictSchema = z.object({ conflictReason: field.text(msg("errors:fields.conflictReason"), 2000) });

managerRoutes.post("/manager/applications/:id/conflict", staff, formRoute(applicationPage, async (req, res) => {
  const id = idParam(req);
  const input = parseBody(conflictSchema, req.body);
  const { handedTo } = await declareConflict(req.ctx, id, input.conflictReason);
  flash(req, "success", handedTo
    ? pageTranslator(res)("manager:flash.conflictHandedTo", { name: handedTo })
    : pageTranslator(res)("manager:flash.conflictNoOne"));
  res.redirect(303, decisionPage(id));
}));

// ---------------------------------------------------------------------------------------------
// Claims
// ---------------------------------------------------------------------------------------------

const claimsQuery = z.object({
  page: field.page(),
  ...pageKeyFields(TIME_KEY_LENGTH),
});

managerRoutes.get("/manager/claims", staff, async (req, res) => {
  const q = parseQuery(claimsQuery, req.query);
  const result = await claimsToVerify(req.ctx, { page: q.page, after: q.after, before: q.before });
  const link = (page: number, key: Record<string, string>) => `?${new URLSearchParams({ page: String(page), ...key }).toString()}`;
  res.render("pages/manager/claims", {
    pageTitle: pageTranslator(res)("manager:titles.claims"),
    ...result,
    // The first page needs no key, so going back to it gives the page's own address.
    prevLink: result.prevKey ? (result.page <= 2 ? "/manager/claims" : link(result.page - 1, { before: result.prevKey })) : null,
    nextLink: result.nextKey ? link(result.page + 1, { after: result.nextKey }) : null,
  });
});

/** The line decisions of the verification form, by the cost line ids its numbered fields carry. */
function lineAnswers(body: unknown): LineAnswers {
  const ids = [...new Set(Object.keys(body ?? {}).flatMap((k) => /^(?:eligible|reason)_([1-9]\d{0,9})$/.exec(k)?.[1] ?? []).map(Number))];
  const schema = z.object({
    intent: field.optionalName(msg("errors:fields.action"), 20),
    ...Object.fromEntries(ids.flatMap((id) => [
      [`eligible_${id}`, field.optionalName(msg("errors:fields.eligibleOrNot"), 5)],
      [`reason_${id}`, field.optionalText(msg("errors:fields.reason"), 2000)],
    ])),
  });
  const input = parseBody(schema, body, msg("errors:input.summary")) as Record<string, string>;
  return new Map(ids.map((id) => [id, { eligible: input[`eligible_${id}`] !== "no", reason: input[`reason_${id}`] ?? "" }]));
}

async function claimLocals(req: Request, id: number, decisions: LineAnswers | null = null) {
  const review = await reviewClaim(req.ctx, id, decisions);
  const t = requestTranslator(req);
  return { pageTitle: t("manager:titles.claim", { reference: review.app.reference ?? t("manager:claim.applicationN", { id: review.app.id }) }), ...review, pending: review.claim.status === "submitted", values: (req.body ?? {}) as Record<string, unknown> };
}

/** The manager's line decisions as submitted, or null when they cannot be read. */
function submittedAnswers(req: Request): LineAnswers | null {
  try {
    return lineAnswers(req.body);
  } catch (err) {
    if (err instanceof ValidationError) return null;
    throw err;
  }
}

managerRoutes.get("/manager/claims/:id", staff, async (req, res) => {
  res.render("pages/manager/claim", await claimLocals(req, idParam(req)));
});

/** A refused verification shows the claim again with the manager's line decisions applied. */
const verifyPage = {
  view: "pages/manager/claim",
  locals: (req: Request) => claimLocals(req, idParam(req), submittedAnswers(req)),
};

managerRoutes.post("/manager/claims/:id/verify", staff, formRoute(verifyPage, async (req, res) => {
  const id = idParam(req);
  const decisions = lineAnswers(req.body);
  const { intent, ratesShown } = parseBody(z.object({ intent: field.optionalName(msg("errors:fields.action"), 20), ratesShown: field.optionalText(msg("errors:fields.action"), 2000) }), req.body);
  // Only an explicit "verify" decides; anything else (a missing or unknown intent) recalculates.
  if (intent !== "verify") {
    res.render("pages/manager/claim", { ...(await claimLocals(req, id, decisions)), previewed: true });
    return;
  }
  // Forms from before the rates were carried have none: nothing to compare.
  const result = await verifyClaim(req.ctx, id, decisions, "ratesShown" in (req.body as object) ? ratesShown : undefined);
  flash(req, "success", pageTranslator(res)("manager:flash.claimVerified", { amount: formatMoney(result.payableCents, pageLanguage(res)) }));
  res.redirect(303, `/manager/claims/${id}`);
}));

const claimPage = { view: "pages/manager/claim", locals: (req: Request) => claimLocals(req, idParam(req)) };

managerRoutes.post("/manager/claims/:id/reject", staff, formRoute(claimPage, async (req, res) => {
  const id = idParam(req);
  const input = parseBody(z.object({ rejectReason: field.optionalText(msg("errors:fields.reason"), 5000) }), req.body);
  await rejectClaim(req.ctx, id, input.rejectReason);
  flash(req, "success", pageTranslator(res)("manager:flash.claimRejected"));
  res.redirect(303, `/manager/claims/${id}`);
}));

// ---------------------------------------------------------------------------------------------
// Rejection templates
// ---------------------------------------------------------------------------------------------

managerRoutes.get("/manager/rejection-templates", staff, async (req, res) => {
  res.render("pages/manager/rejection-templates", { pageTitle: pageTranslator(res)("manager:titles.templates"), templates: await listRejectionTemplates(req.ctx), values: {}, formKey: newFormKey() });
});

const templateSchema = z.object({ id: field.optionalId(msg("errors:fields.rejectionReason")), title: field.name(msg("errors:fields.aTitle"), 200), text: field.text(msg("errors:fields.reasonText"), 5000) });

const templatesPage = {
  view: "pages/manager/rejection-templates",
  locals: async (req: Request, err: AppError) => ({
    pageTitle: requestTranslator(req)("manager:titles.templates"), templates: await listRejectionTemplates(req.ctx), formKey: keyForRefusedForm(req, err),
  }),
};

managerRoutes.post("/manager/rejection-templates", staff, formRoute(templatesPage, async (req, res) => {
  const { id, ...template } = parseBody(templateSchema, req.body);
  await saveRejectionTemplate(req.ctx, id, template, formKeyOf(req.body));
  flash(req, "success", pageTranslator(res)("manager:flash.templateSaved"));
  res.redirect(303, "/manager/rejection-templates");
}));
