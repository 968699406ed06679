import { Router, type Request, type Response } from "express";
import { fromBuffer } from "file-type";
import { z } from "zod";
import { type Message, msg } from "../../domain/message";
import { AppError, ConflictError, ValidationError } from "../../errors";
import { type Cents } from "../../domain/money";
import { allowedActions, STATE_LABELS } from "../../domain/lifecycle";
import { dayInWords } from "../../domain/date-format";
import { downloadFileName, storedFileName } from "../../domain/file-names";
import { draftInputOf, type DraftInput } from "../../services/applications/checks";
import { assertCallOpenForNew, createDraft, updateDraft } from "../../services/applications/drafts";
import { formKeyOf, keyForRefusedForm, newFormKey } from "../form-keys";
import { applicationDetail, checkAnswers, formReference, listCompanyApplications, listOpenCalls, loadCallAndType } from "../../services/applications/queries";
import { acceptAward, submitApplication, withdrawApplication } from "../../services/applications/submission";
import { addApplicationAttachments, MAX_COST_LINES, submitClaim, type CheckedFile } from "../../services/claims/claims";
import { claimForm, loadAttachment } from "../../services/claims/queries";
import { loadApplication } from "../../services/applications/records";
import { callVoucherType } from "../../services/scheme/reference";
import { csrfAfterUpload, uploadParser } from "../csrf";
import { errorSummary, formRoute } from "../forms";
import { codeParam, field, parseBody } from "../input";
import { pageTranslator } from "../language";
import { flash, idParam, requireAuth, requireRole } from "../middleware";
import { refusalMessage } from "../error-text";

export const applicantRoutes = Router();
const applicant = requireRole("applicant");

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const ALLOWED_MIME = ["application/pdf", "image/png", "image/jpeg"];

const uploadLimits = { fileSize: MAX_UPLOAD_BYTES, files: 5, fields: 100 };

/** The type comes from the bytes, never from the name or the browser's claim. */
async function checkFiles(files: Express.Multer.File[] | undefined, field: string): Promise<CheckedFile[]> {
  const out: CheckedFile[] = [];
  for (const file of files ?? []) {
    // A refused file is named as it would have been stored, so the refusal cannot be made to lie either.
    const name = storedFileName(file.originalname, "");
    if (file.size === 0) throw new ValidationError(msg("errors:web.fileNotAccepted"), { [field]: msg("errors:web.fileEmpty", { name }) });
    const type = await fromBuffer(file.buffer);
    if (!type || !ALLOWED_MIME.includes(type.mime)) {
      throw new ValidationError(msg("errors:web.fileNotAccepted"), { [field]: msg("errors:web.fileType", { name }) });
    }
    out.push({ originalName: file.originalname, mime: type.mime, content: file.buffer });
  }
  return out;
}

applicantRoutes.get("/applicant", applicant, async (req, res) => {
  const applications = await listCompanyApplications(req.ctx);
  res.render("pages/applicant/home", { pageTitle: pageTranslator(res)("applicant:home.pageTitle"), applications });
});

applicantRoutes.get("/calls", applicant, async (req, res) => {
  res.render("pages/applicant/calls", { pageTitle: pageTranslator(res)("applicant:calls.pageTitle"), ...(await listOpenCalls(req.ctx)) });
});

// ---------------------------------------------------------------------------------------------
// The application form (new and edit)
// ---------------------------------------------------------------------------------------------

const cost = (label: Message) => field.money(label, { allowZero: true });

const draftSchema = z.object({
  title: field.optionalName(msg("errors:fields.title"), 200),
  description: field.optionalText(msg("errors:fields.description"), 5000),
  objectives: field.optionalText(msg("errors:fields.objectives"), 5000),
  expectedResult: field.optionalText(msg("errors:fields.expectedResult"), 5000),
  counterpartOrgId: field.optionalId(msg("errors:fields.anOrganisation")),
  counterpartName: field.optionalName(msg("errors:fields.counterpartName"), 200),
  counterpartCountry: field.optionalName(msg("errors:fields.countryCodeShort"), 2).transform((s) => s.toUpperCase()),
  counterpartRegionId: field.optionalId(msg("errors:fields.aRegion")),
  counterpartKind: field.optionalName(msg("errors:fields.orgKind"), 30),
  activityStart: field.optionalDate(msg("errors:fields.activityStart")),
  activityEnd: field.optionalDate(msg("errors:fields.activityEnd")),
  costTravel: cost(msg("errors:fields.travelCosts")),
  costAccommodation: cost(msg("errors:fields.accommodationCosts")),
  costOther: cost(msg("errors:fields.otherCosts")),
  next: field.optionalName(msg("errors:fields.nextStep"), 10),
});

/** Money fields: empty means "not given yet"; anything else must parse (R1), reason beside the field. */
function parseDraft(body: unknown): DraftInput & { next: string } {
  const parsed = parseBody(draftSchema, body);
  const manual = parsed.counterpartOrgId === null;
  return {
    title: parsed.title, description: parsed.description, objectives: parsed.objectives, expectedResult: parsed.expectedResult,
    counterpartOrgId: parsed.counterpartOrgId, counterpartName: parsed.counterpartName,
    counterpartCountry: manual && parsed.counterpartCountry ? parsed.counterpartCountry : null,
    counterpartRegionId: manual ? parsed.counterpartRegionId : null,
    counterpartKind: manual && parsed.counterpartKind ? parsed.counterpartKind : null,
    activityStart: parsed.activityStart, activityEnd: parsed.activityEnd,
    costTravelCents: parsed.costTravel, costAccommodationCents: parsed.costAccommodation, costOtherCents: parsed.costOther,
    next: parsed.next,
  };
}

const centsText = (c: Cents | null) => (c === null ? "" : `${Math.trunc(c / 100)}.${String(c % 100).padStart(2, "0")}`);

function valuesOf(d: DraftInput): Record<string, unknown> {
  return {
    ...d, counterpartOrgId: d.counterpartOrgId ?? "", counterpartRegionId: d.counterpartRegionId ?? "",
    counterpartCountry: d.counterpartCountry ?? "", counterpartKind: d.counterpartKind ?? "",
    activityStart: d.activityStart ?? "", activityEnd: d.activityEnd ?? "",
    costTravel: centsText(d.costTravelCents), costAccommodation: centsText(d.costAccommodationCents), costOther: centsText(d.costOtherCents),
  };
}

async function formLocals(req: Request, extra: Record<string, unknown>) {
  return { ...(await formReference(req.ctx.db)), ...extra };
}

applicantRoutes.get("/calls/:callId/apply/:typeCode", applicant, async (req, res) => {
  const { call, type } = await loadCallAndType(req.ctx, idParam(req, "callId"), codeParam(req, "typeCode"));
  assertCallOpenForNew(req.ctx, call);
  res.render("pages/applicant/application-form", await formLocals(req, {
    pageTitle: pageTranslator(res)("applicant:form.pageTitle", { name: type.name }), call, voucherType: type, capped: type.amountRule === "capped", values: {},
    action: `/calls/${call.id}/apply/${type.code}`, formKey: newFormKey(),
  }));
});

const newApplicationPage = {
  view: "pages/applicant/application-form",
  locals: async (req: Request, err: AppError, res: Response) => {
    const { call, type } = await loadCallAndType(req.ctx, idParam(req, "callId"), codeParam(req, "typeCode"));
    return formLocals(req, {
      pageTitle: pageTranslator(res)("applicant:form.pageTitle", { name: type.name }), call, voucherType: type, capped: type.amountRule === "capped", action: `/calls/${call.id}/apply/${type.code}`,
      formKey: keyForRefusedForm(req, err),
    });
  },
};

applicantRoutes.post("/calls/:callId/apply/:typeCode", applicant, formRoute(newApplicationPage, async (req, res) => {
  const callId = idParam(req, "callId");
  const typeCode = codeParam(req, "typeCode");
  const { next, ...draft } = parseDraft(req.body);
  const id = await createDraft(req.ctx, callId, typeCode, draft, formKeyOf(req.body));
  flash(req, "success", pageTranslator(res)("applicant:form.draftSaved"));
  res.redirect(303, next === "check" ? `/applications/${id}/check` : `/applications/${id}/edit`);
}));

async function editLocals(req: Request, res: Response, id: number) {
  const app = await loadApplication(req.ctx, id);
  const type = await callVoucherType(req.ctx.db, app.callId, app.voucherTypeId);
  const call = { id: app.callId, title: app.callTitle };
  return { app, type, base: await formLocals(req, { pageTitle: pageTranslator(res)("applicant:form.editPageTitle", { title: app.title || type.name }), call, voucherType: type, app, capped: type.amountRule === "capped", action: `/applications/${id}/edit` }) };
}

applicantRoutes.get("/applications/:id/edit", applicant, async (req, res) => {
  const { app, base } = await editLocals(req, res, idParam(req));
  if (app.state !== "draft" && app.state !== "more-info-requested") return res.redirect(303, `/applications/${app.id}`);
  res.render("pages/applicant/application-form", { ...base, values: valuesOf(draftInputOf(app)), editing: true });
});

const editApplicationPage = {
  view: "pages/applicant/application-form",
  locals: async (req: Request, _err: AppError, res: Response) => ({ ...(await editLocals(req, res, idParam(req))).base, editing: true }),
};

applicantRoutes.post("/applications/:id/edit", applicant, formRoute(editApplicationPage, async (req, res) => {
  const id = idParam(req);
  const { next, ...draft } = parseDraft(req.body);
  await updateDraft(req.ctx, id, draft);
  flash(req, "success", pageTranslator(res)("applicant:form.changesSaved"));
  res.redirect(303, next === "check" ? `/applications/${id}/check` : `/applications/${id}/edit`);
}));

// ---------------------------------------------------------------------------------------------
// Check, submit, withdraw, accept
// ---------------------------------------------------------------------------------------------

async function checkLocals(req: Request, res: Response) {
  const data = await checkAnswers(req.ctx, idParam(req));
  return { pageTitle: pageTranslator(res)("applicant:check.pageTitle"), ...data, canSubmit: data.app.state === "draft" || data.app.state === "more-info-requested" };
}

applicantRoutes.get("/applications/:id/check", applicant, async (req, res) => {
  res.render("pages/applicant/check", { ...(await checkLocals(req, res)), values: {} });
});

const declarationSchema = z.object({
  truthful: field.checkbox(), smeStatus: field.checkbox(), deMinimisComplete: field.checkbox(), noDoubleFunding: field.checkbox(),
});

const checkPage = {
  view: "pages/applicant/check",
  // Rule refusals point at the eligibility list; declaration and completeness errors at their fields.
  locals: async (req: Request, err: AppError, res: Response) => ({
    ...(await checkLocals(req, res)),
    errorSummary: errorSummary(err.fields).map((item) => (item.field.startsWith("rule-") ? { ...item, field: "findings" } : item)),
  }),
};

/** Codes of a submission that already happened: a second click or the browser's back button. */
const ALREADY_SUBMITTED = new Set(["already_submitted", "illegal_transition", "stale_application"]);

applicantRoutes.post("/applications/:id/submit", applicant, formRoute(checkPage, async (req, res) => {
  const id = idParam(req);
  try {
    await submitApplication(req.ctx, id, parseBody(declarationSchema, req.body));
    flash(req, "success", pageTranslator(res)("applicant:application.submitted"));
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    // Say so and change nothing.
    flash(req, "info", ALREADY_SUBMITTED.has(err.code) ? pageTranslator(res)("applicant:application.alreadySubmitted") : refusalMessage(req, err));
  }
  res.redirect(303, `/applications/${id}`);
}));

applicantRoutes.post("/applications/:id/withdraw", applicant, async (req, res) => {
  const id = idParam(req);
  try {
    await withdrawApplication(req.ctx, id);
    flash(req, "success", pageTranslator(res)("applicant:application.withdrawn"));
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    flash(req, "error", pageTranslator(res)("applicant:application.notWithdrawn", { reason: refusalMessage(req, err) }));
  }
  res.redirect(303, `/applications/${id}`);
});

applicantRoutes.post("/applications/:id/accept", applicant, async (req, res) => {
  const id = idParam(req);
  try {
    await acceptAward(req.ctx, id);
    flash(req, "success", pageTranslator(res)("applicant:application.accepted"));
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    flash(req, "info", pageTranslator(res)("applicant:application.nothingChanged", { reason: refusalMessage(req, err) }));
  }
  res.redirect(303, `/applications/${id}`);
});

// Every role may open an application page; loadApplication decides which ones they see.
applicantRoutes.get("/applications/:id", requireAuth, async (req, res) => {
  const d = await applicationDetail(req.ctx, idParam(req));
  const isApplicant = req.ctx.actor?.role === "applicant";
  const actions = d.applicantActions;
  res.render("pages/applicant/application", {
    pageTitle: d.app.title || pageTranslator(res)("applicant:application.pageTitle", { id: d.app.id }), ...d, isApplicant, state: d.currentState,
    canEdit: isApplicant && (d.app.state === "draft" || d.app.state === "more-info-requested"),
    canWithdraw: actions.includes("withdraw"), canAccept: actions.includes("accept"), canClaim: actions.includes("claim"),
    cancelled: d.app.state === "cancelled",
    // A payment's page (and its return by the bank) is finance's.
    paymentLinks: req.ctx.actor?.role === "finance",
  });
});

// ---------------------------------------------------------------------------------------------
// Attachments
// ---------------------------------------------------------------------------------------------

/** A refused upload shows the application form again with the saved answers (an upload carries none). */
const attachmentsPage = {
  view: "pages/applicant/application-form",
  locals: async (req: Request, _err: AppError, res: Response) => {
    const { base, app } = await editLocals(req, res, idParam(req));
    return { ...base, values: valuesOf(draftInputOf(app)), editing: true };
  },
  refusal: (err: unknown): err is ValidationError => err instanceof ValidationError,
};

applicantRoutes.post("/applications/:id/attachments", applicant, uploadParser({ limits: uploadLimits, array: { field: "files", max: 5 } }), csrfAfterUpload, formRoute(attachmentsPage, async (req, res) => {
  const id = idParam(req);
  const files = await checkFiles(req.files as Express.Multer.File[] | undefined, "files");
  if (files.length === 0) throw new ValidationError(msg("errors:web.noFile"), { files: msg("errors:web.chooseUpload") });
  const added = (await addApplicationAttachments(req.ctx, id, files)).length;
  const t = pageTranslator(res);
  const already = files.length - added;
  flash(req, added ? "success" : "info", [
    ...(added ? [t("applicant:form.fileAdded", { count: added })] : []), ...(already ? [t("applicant:form.fileAlreadyAttached", { count: already })] : []),
  ].join(" "));
  res.redirect(303, `/applications/${id}/edit`);
}));

applicantRoutes.get("/attachments/:id", requireAuth, async (req, res) => {
  const file = await loadAttachment(req.ctx, idParam(req));
  // res.attachment() also sets a Content-Type guessed from the name's extension; the type checked
  // from the bytes at upload is set after it, so no name decides how a browser treats the file.
  res.attachment(downloadFileName(file.name, file.mime));
  res.setHeader("Content-Type", file.mime);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.send(file.content);
});

// ---------------------------------------------------------------------------------------------
// Claim
// ---------------------------------------------------------------------------------------------

const lineIndexes = Array.from({ length: MAX_COST_LINES }, (_, i) => i);

async function claimLocals(req: Request, res: Response, id: number) {
  const { app, today, window, state, type } = await claimForm(req.ctx, id);
  return {
    pageTitle: pageTranslator(res)("applicant:claim.pageTitle", { title: app.title }), app, today, window, state, lineIndexes,
    lumpSum: type.paymentBasis === "lump-sum" ? { type: type.name, awardCents: app.approvedCents } : null,
  };
}

applicantRoutes.get("/applications/:id/claim", applicant, async (req, res) => {
  const locals = await claimLocals(req, res, idParam(req));
  const { state } = locals;
  if (!allowedActions(state, "applicant").includes("claim")) {
    const t = pageTranslator(res);
    flash(req, "info", state === "approved"
      ? t("applicant:claim.acceptFirst")
      : state === "expired" && locals.app.claimDeadline
        ? t("applicant:claim.expired", { deadline: dayInWords(locals.app.claimDeadline) })
        : t("applicant:claim.notNow", { state: STATE_LABELS[state].toLowerCase() }));
    res.redirect(303, `/applications/${locals.app.id}`);
    return;
  }
  res.render("pages/applicant/claim", { ...locals, values: {} });
});

// Only what can be read and stored is checked here; the claim rules (R11, R12, R14) are the service's.
const claimSchema = z.object({
  report: field.optionalText(msg("errors:fields.report"), 5000),
  organisationsMet: field.optionalText(msg("errors:fields.organisationsMet"), 5000),
  resultContacts: field.optionalText(msg("errors:fields.contacts"), 5000),
  resultProduct: field.optionalText(msg("errors:fields.productOrService"), 5000),
  followUp: field.optionalText(msg("errors:fields.followUp"), 5000),
  ...Object.fromEntries(lineIndexes.flatMap((i) => [
    [`date_${i}`, field.optionalDate(msg("errors:fields.costLineDate", { line: i + 1 }))],
    [`description_${i}`, field.optionalName(msg("errors:fields.costLineDescription", { line: i + 1 }), 300)],
    [`currency_${i}`, field.optionalName(msg("errors:fields.costLineCurrency", { line: i + 1 }), 3)],
    [`amount_${i}`, field.optionalName(msg("errors:fields.costLineAmount", { line: i + 1 }), 40)],
  ])),
});

const claimPage = { view: "pages/applicant/claim", locals: (req: Request, _err: AppError, res: Response) => claimLocals(req, res, idParam(req)) };

applicantRoutes.post("/applications/:id/claim", applicant, uploadParser({ limits: uploadLimits, array: { field: "evidence", max: 5 } }), csrfAfterUpload, formRoute(claimPage, async (req, res) => {
  const id = idParam(req);
  // The cost lines are numbered fields; each is a string, or null for a blank date.
  const input = parseBody(claimSchema, req.body) as Record<string, string | null | undefined>;
  const text = (k: string) => input[k] ?? "";
  const files = await checkFiles(req.files as Express.Multer.File[] | undefined, "evidence");
  try {
    await submitClaim(req.ctx, id, {
      report: text("report"), organisationsMet: text("organisationsMet"), resultContacts: text("resultContacts"),
      resultProduct: text("resultProduct"), followUp: text("followUp"),
      lines: lineIndexes.map((i) => ({ incurredOn: text(`date_${i}`), description: text(`description_${i}`), currency: text(`currency_${i}`), amount: text(`amount_${i}`) })),
    }, files);
    flash(req, "success", pageTranslator(res)("applicant:claim.submitted"));
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    flash(req, "info", pageTranslator(res)("applicant:application.nothingChanged", { reason: refusalMessage(req, err) }));
  }
  res.redirect(303, `/applications/${id}`);
}));
