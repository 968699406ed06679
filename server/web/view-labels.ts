import Handlebars from "handlebars";
import { STATE_LABELS, type AppState } from "../domain/lifecycle";
import { DEFAULT_VOUCHER_TYPES } from "../domain/scheme";
import type { Finding } from "../domain/eligibility";
import { ORG_KINDS } from "../services/directory/directory-queries";
import { translator } from "../i18n";
import { type Language, SOURCE_LANGUAGE } from "../languages";
import { codeText, helperLanguage } from "./language";

/**
 * Human words for the codes the database stores, for views. A page never shows a stored code
 * ("IN", "expert", "prepared"): it asks for the label here, so one code reads the same everywhere.
 */

/** A template value as text: strings and numbers as they are, anything else as nothing. */
function text(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : "";
}

/** The four families a state belongs to; a state tag's colour and symbol follow its family. */
export type StateFamily = "progress" | "positive" | "negative" | "money";

const STATE_FAMILY: Record<AppState, StateFamily> = {
  draft: "progress",
  submitted: "progress",
  "more-info-requested": "progress",
  "reserve-listed": "progress",
  "claim-submitted": "progress",
  approved: "positive",
  accepted: "positive",
  "claim-verified": "positive",
  rejected: "negative",
  withdrawn: "negative",
  "claim-rejected": "negative",
  cancelled: "negative",
  expired: "negative",
  paid: "money",
  closed: "money",
};

export const FAMILY_LABELS: Record<StateFamily, string> = {
  progress: "In progress",
  positive: "Decided positively",
  negative: "Decided negatively",
  money: "Money moved",
};

export function stateFamily(state: string): StateFamily {
  return STATE_FAMILY[state as AppState] ?? "progress";
}

export function stateLabel(state: string): string {
  return STATE_LABELS[state as AppState] ?? state;
}

const LABELS: Record<string, Record<string, string>> = {
  voucherType: Object.fromEntries(DEFAULT_VOUCHER_TYPES.map((t) => [t.code, t.name])),
  counterpartKind: Object.fromEntries(ORG_KINDS.map((k) => [k.value, k.label])),
  callStatus: { draft: "Draft, not yet open", open: "Open for applications", closed: "Closed" },
  claimStatus: { submitted: "Submitted, to verify", verified: "Verified, payable", rejected: "Rejected", paid: "Paid" },
  batchStatus: { prepared: "Prepared, not yet sent", executed: "Executed by the bank, payments recorded", cancelled: "Cancelled, not to be sent" },
  entryKind: { commit: "Commitment", release: "Release", payment: "Payment" },
  smeCategory: { micro: "Micro enterprise", small: "Small enterprise", medium: "Medium-sized enterprise", "not-sme": "Not an SME" },
  role: { applicant: "Applicant", manager: "Cluster manager", finance: "Finance officer", admin: "Administrator", system: "System" },
  purpose: { application: "Application file", evidence: "Claim evidence" },
};

/** The label of a code of a given kind; an unknown code is shown as it is rather than hidden. */
export function codeLabel(kind: string, code: unknown): string {
  const c = text(code);
  if (c === "") return "";
  return LABELS[kind]?.[c] ?? c;
}

/** The tag family of a claim, batch or call status, for tags outside the application lifecycle. */
export function statusFamily(kind: string, code: unknown): StateFamily | "neutral" {
  const c = text(code);
  const families: Record<string, Record<string, StateFamily | "neutral">> = {
    callStatus: { draft: "progress", open: "positive", closed: "negative" },
    claimStatus: { submitted: "progress", verified: "positive", rejected: "negative", paid: "money" },
    batchStatus: { prepared: "progress", executed: "money", cancelled: "negative" },
    // A release is neither good nor bad news: money goes back to the budget.
    entryKind: { commit: "progress", release: "neutral", payment: "money" },
  };
  return families[kind]?.[c] ?? "neutral";
}

/**
 * An audit action in words in a language, from the codes catalogue ("codes:audit.letter.issued").
 * The stored code stays the auditors' key (pages show it beside the label); an unknown code is
 * shown as it is rather than hidden.
 */
export function auditActionLabel(code: string, language: Language = SOURCE_LANGUAGE): string {
  // Only a dotted action names a label; a bare group ("application") would name a whole branch.
  if (!/^[a-z0-9_-]+\.[a-z0-9_.-]+$/i.test(code)) return code;
  const label = translator(language)(AUDIT_LABEL + code, { defaultValue: code });
  return typeof label === "string" ? label : code;
}
const AUDIT_LABEL = "codes:audit.";

/** Findings grouped as met / not met / to check, each group in the order the rules are checked; titles in `language`. */
export function findingGroups(findings: unknown, language: Language = SOURCE_LANGUAGE): { key: string; title: string; items: Finding[] }[] {
  const list = Array.isArray(findings) ? (findings as Finding[]) : [];
  const t = translator(language);
  const groups = [
    { key: "pass", title: t("common:findings.groups.pass") },
    { key: "fail", title: t("common:findings.groups.fail") },
    { key: "review", title: t("common:findings.groups.review") },
  ];
  return groups.map((g) => ({ ...g, items: list.filter((f) => f.status === g.key) })).filter((g) => g.items.length > 0);
}

/** The path of an application as the applicant sees it, with where it is now, in `language`. */
export function lifecycleSteps(state: string, language: Language = SOURCE_LANGUAGE): { label: string; status: "done" | "current" | "todo" | "stopped" }[] {
  const t = translator(language);
  const steps: { key: string; states: string[] }[] = [
    { key: "draft", states: ["draft"] },
    { key: "submitted", states: ["submitted", "more-info-requested", "reserve-listed"] },
    { key: "approved", states: ["approved", "rejected", "withdrawn"] },
    { key: "accepted", states: ["accepted", "cancelled", "expired"] },
    { key: "claim", states: ["claim-submitted", "claim-verified", "claim-rejected"] },
    { key: "paid", states: ["paid", "closed"] },
  ];
  const at = steps.findIndex((s) => s.states.includes(state));
  const stopped = stateFamily(state) === "negative";
  const current = codeText(language, "state", state, stateLabel(state));
  return steps.map((s, i) => {
    const label = t(LIFECYCLE_STEP + s.key);
    return {
      label: i === at && label !== current ? current : label,
      status: i < at ? "done" : i === at ? (stopped ? "stopped" : state === "paid" || state === "closed" ? "done" : "current") : "todo",
    };
  });
}
const LIFECYCLE_STEP = "codes:lifecycleStep.";

/** The steps of applying, with the one the applicant is on (1: answers, 2: check, 3: submitted), in `language`. */
export function applySteps(current: number, language: Language = SOURCE_LANGUAGE): { label: string; status: "done" | "current" | "todo" }[] {
  const t = translator(language);
  return ["codes:applyStep.answers", "codes:applyStep.check", "codes:applyStep.submit"].map((key, i) => ({
    label: t(key), status: i + 1 < current ? "done" : i + 1 === current ? "current" : "todo",
  }));
}

/** A value of the frozen submission in words: codes named, dates written out by `formatDate`. */
export function submissionValue(field: unknown, value: unknown, formatDate: (iso: string) => string, language: Language = SOURCE_LANGUAGE): string {
  const v = text(value);
  if (field === "voucherTypeCode") return codeText(language, "voucherType", v, codeLabel("voucherType", v));
  if (field === "counterpartKind") return codeText(language, "counterpartKind", v, codeLabel("counterpartKind", v));
  if (field === "activityStart" || field === "activityEnd") return formatDate(v);
  return v;
}

/**
 * The number an application had before approval gave it its voucher reference; it is the
 * submission number of services/applications (APP- and the id in five digits), which is not kept
 * once the reference replaces it.
 */
export function applicationNumber(id: unknown): string {
  return `APP-${text(id).padStart(5, "0")}`;
}


/** An application state's label in the reader's language. */
export function stateText(language: Language, s: unknown): string {
  return codeText(language, "state", text(s), STATE_LABELS[s as AppState] ?? text(s));
}

/*
 * The coloured tag of a state or status. A helper rather than a partial: a partial given
 * arguments copies every field of the row it is called from, and lists call it on every row.
 */
function tagHtml(family: string, label: string, dataFamily: boolean): Handlebars.SafeString {
  const e = Handlebars.escapeExpression;
  return new Handlebars.SafeString(`<span class="tag tag--${e(family)}"${dataFamily ? ` data-family="${e(family)}"` : ""}>${e(label)}</span>`);
}

/** Handlebars helpers built on the labels above. */
export function labelHelpers(formatDate: (iso: string, options?: unknown) => string) {
  return {
    /** `{{stateTag state}}`: an application state as a tag. */
    stateTag: (s: unknown, options: unknown) => tagHtml(stateFamily(text(s)), stateText(helperLanguage(options), s), true),
    /** `{{statusTag "claimStatus" status}}`: a stored status of the given kind as a tag. */
    statusTag: (kind: unknown, code: unknown, options: unknown) =>
      tagHtml(statusFamily(String(kind), code), codeText(helperLanguage(options), String(kind), text(code), codeLabel(String(kind), code)), false),
    stateFamily: (s: unknown) => stateFamily(text(s)),
    familyLabel: (s: unknown, options: unknown) => codeText(helperLanguage(options), "family", stateFamily(text(s)), FAMILY_LABELS[stateFamily(text(s))]),
    codeLabel: (kind: unknown, code: unknown, options: unknown) => codeText(helperLanguage(options), String(kind), text(code), codeLabel(String(kind), code)),
    auditActionLabel: (code: unknown, options: unknown) => auditActionLabel(text(code), helperLanguage(options)),
    statusFamily: (kind: unknown, code: unknown) => statusFamily(String(kind), code),
    findingGroups: (findings: unknown, options: unknown) => findingGroups(findings, helperLanguage(options)),
    lifecycleSteps: (s: unknown, options: unknown) => lifecycleSteps(text(s), helperLanguage(options)),
    submissionValue: (field: unknown, value: unknown, options: unknown) =>
      submissionValue(field, value, (iso) => formatDate(iso, options), helperLanguage(options)),
    applySteps: (n: unknown, options: unknown) => applySteps(Number(n), helperLanguage(options)),
    applicationNumber: (id: unknown) => applicationNumber(id),
    subtract: (a: unknown, b: unknown) => Number(a) - Number(b),
  };
}
