/**
 * The life of an application, from draft to closed, as one table. Every state change in the
 * system goes through assertTransition (or assertStateChange), so a state can only be reached by
 * a listed action performed by a listed role.
 */
import { code, codeInSentence, type MessageParam, msg, orList } from "./message";
import { ConflictError, ForbiddenError } from "../errors";

export type AppState =
  | "draft"
  | "submitted"
  | "more-info-requested"
  | "approved"
  | "rejected"
  | "reserve-listed"
  | "withdrawn"
  | "accepted"
  | "claim-submitted"
  | "claim-verified"
  | "claim-rejected"
  | "paid"
  | "closed"
  | "cancelled"
  | "expired";

export type Role = "applicant" | "manager" | "finance" | "admin" | "system";

export const APP_STATES: readonly AppState[] = [
  "draft",
  "submitted",
  "more-info-requested",
  "approved",
  "rejected",
  "reserve-listed",
  "withdrawn",
  "accepted",
  "claim-submitted",
  "claim-verified",
  "claim-rejected",
  "paid",
  "closed",
  "cancelled",
  "expired",
];

export const ROLES: readonly Role[] = ["applicant", "manager", "finance", "admin", "system"];

export interface Transition {
  from: AppState;
  to: AppState;
  action: string;
  roles: Role[];
}

const MGR: Role[] = ["manager", "admin"];

export const TRANSITIONS: readonly Transition[] = [
  { from: "draft", to: "submitted", action: "submit", roles: ["applicant"] },
  { from: "submitted", to: "approved", action: "approve", roles: MGR },
  { from: "submitted", to: "rejected", action: "reject", roles: MGR },
  { from: "submitted", to: "reserve-listed", action: "reserve", roles: MGR },
  { from: "reserve-listed", to: "approved", action: "approve", roles: MGR },
  { from: "reserve-listed", to: "rejected", action: "reject", roles: MGR },
  { from: "submitted", to: "more-info-requested", action: "request-info", roles: MGR },
  { from: "more-info-requested", to: "submitted", action: "resubmit", roles: ["applicant"] },
  { from: "draft", to: "withdrawn", action: "withdraw", roles: ["applicant"] },
  { from: "submitted", to: "withdrawn", action: "withdraw", roles: ["applicant"] },
  { from: "more-info-requested", to: "withdrawn", action: "withdraw", roles: ["applicant"] },
  { from: "reserve-listed", to: "withdrawn", action: "withdraw", roles: ["applicant"] },
  { from: "approved", to: "accepted", action: "accept", roles: ["applicant"] },
  { from: "accepted", to: "claim-submitted", action: "claim", roles: ["applicant"] },
  { from: "claim-submitted", to: "claim-verified", action: "verify-claim", roles: MGR },
  { from: "claim-submitted", to: "claim-rejected", action: "reject-claim", roles: MGR },
  { from: "claim-rejected", to: "claim-submitted", action: "claim", roles: ["applicant"] },
  { from: "claim-verified", to: "paid", action: "pay", roles: ["finance"] },
  // The bank sent the money back (R5: the payment entry is reversed); the claim waits for payment again.
  { from: "paid", to: "claim-verified", action: "return-payment", roles: ["finance"] },
  { from: "paid", to: "closed", action: "close", roles: ["finance", "admin", "system"] },
  { from: "approved", to: "cancelled", action: "cancel", roles: MGR },
  { from: "accepted", to: "cancelled", action: "cancel", roles: MGR },
  // A verified claim not yet paid, typically after the bank sent its payment back and the company
  // cannot be paid (dissolved, no account): the award would otherwise stay committed for good.
  { from: "claim-verified", to: "cancelled", action: "cancel", roles: MGR },
  { from: "approved", to: "expired", action: "expire", roles: ["system"] },
  { from: "accepted", to: "expired", action: "expire", roles: ["system"] },
  { from: "claim-rejected", to: "expired", action: "expire", roles: ["system"] },
];

export const ACTIONS: readonly string[] = [...new Set(TRANSITIONS.map((t) => t.action))];

export const STATE_LABELS: Record<AppState, string> = {
  draft: "Draft",
  submitted: "Submitted",
  "more-info-requested": "More information requested",
  approved: "Approved",
  rejected: "Rejected",
  "reserve-listed": "On the reserve list",
  withdrawn: "Withdrawn",
  accepted: "Award accepted",
  "claim-submitted": "Claim submitted",
  "claim-verified": "Claim verified",
  "claim-rejected": "Claim rejected",
  paid: "Paid",
  closed: "Closed",
  cancelled: "Cancelled",
  expired: "Expired",
};

/** Button/verb labels for actions, e.g. for audit log lines and forms. */
export const ACTION_LABELS: Record<string, string> = {
  submit: "Submit",
  approve: "Approve",
  reject: "Reject",
  reserve: "Put on the reserve list",
  "request-info": "Request more information",
  resubmit: "Resubmit",
  withdraw: "Withdraw",
  accept: "Accept the award",
  claim: "Submit the claim",
  "verify-claim": "Verify the claim",
  "reject-claim": "Reject the claim",
  pay: "Record the payment",
  "return-payment": "Record the returned payment",
  close: "Close",
  cancel: "Cancel",
  expire: "Expire",
};

export function isAppState(s: unknown): s is AppState {
  return typeof s === "string" && (APP_STATES as readonly string[]).includes(s);
}

function label(state: string): MessageParam {
  return isAppState(state) ? codeInSentence("state", state, STATE_LABELS[state]) : `"${state}"`;
}

export class IllegalTransitionError extends ConflictError {
  constructor(
    readonly from: AppState,
    readonly action: string,
    readonly to?: AppState,
  ) {
    super(
      to === from
        ? msg("errors:lifecycle.alreadyIn", { state: label(from) })
        : to
        ? msg("errors:lifecycle.cannotBecome", { from: label(from), to: label(to) })
        : msg("errors:lifecycle.notPossibleNow", { from: label(from), action: code("action", action, ACTION_LABELS[action] ?? action) }),
      "illegal_transition",
    );
  }
}

/**
 * The state `action` leads to from `from`, if `role` may do it. Wrong state (including an unknown
 * action) is an IllegalTransitionError (409); right state but wrong role is a ForbiddenError (403).
 */
export function assertTransition(from: AppState, action: string, role: Role): AppState {
  const t = TRANSITIONS.find((x) => x.from === from && x.action === action);
  if (!t) {
    const targets = [...new Set(TRANSITIONS.filter((x) => x.action === action).map((x) => x.to))];
    throw new IllegalTransitionError(from, action, targets.length === 1 ? targets[0] : undefined);
  }
  if (!t.roles.includes(role)) {
    throw new ForbiddenError(msg("errors:lifecycle.rolesOnly", {
      roles: orList(t.roles.map((r) => codeInSentence("role", r))), action: code("action", action, ACTION_LABELS[action] ?? action),
    }));
  }
  return t.to;
}

/**
 * The same check by target state, for code that knows where it wants to go; returns the action.
 */
export function assertStateChange(from: AppState, to: AppState, role: Role): string {
  const candidates = TRANSITIONS.filter((x) => x.from === from && x.to === to);
  if (candidates.length === 0) throw new IllegalTransitionError(from, "", to);
  const t = candidates.find((x) => x.roles.includes(role));
  if (!t) {
    const roles = [...new Set(candidates.flatMap((x) => x.roles))];
    throw new ForbiddenError(msg("errors:lifecycle.rolesOnlyThis", { roles: orList(roles.map((r) => codeInSentence("role", r))) }));
  }
  return t.action;
}

export function allowedActions(state: AppState, role: Role): string[] {
  return TRANSITIONS.filter((t) => t.from === state && t.roles.includes(role)).map((t) => t.action);
}

const NOT_LIVE: readonly AppState[] = ["withdrawn", "rejected", "cancelled", "expired"];

/** Counts for R10 (one voucher of a type per company per call). */
export function isLive(state: AppState): boolean {
  return !NOT_LIVE.includes(state);
}

/** The applicant may still change the application's answers and files. */
export function isEditable(state: AppState): boolean {
  return state === "draft" || state === "more-info-requested";
}

/** The award is committed against the budget ceilings in these states (R4). */
export function holdsCommitment(state: AppState): boolean {
  return (["approved", "accepted", "claim-submitted", "claim-rejected", "claim-verified"] as AppState[]).includes(state);
}

/**
 * R10: a voucher's claim is open from approval, whether or not the SME has accepted the award
 * yet, until it is paid, expired or cancelled. An unaccepted award still holds budget and can
 * still be claimed, so it must block a new application just as an accepted one does.
 */
export function hasOpenClaim(state: AppState): boolean {
  return (["approved", "accepted", "claim-submitted", "claim-rejected", "claim-verified"] as AppState[]).includes(state);
}

/** No transition leaves these states. */
export function isFinal(state: AppState): boolean {
  return !TRANSITIONS.some((t) => t.from === state);
}
