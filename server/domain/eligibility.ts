/**
 * Automatic eligibility checks (R3, R6-R11, R12), shown to the manager with reasons and used to
 * refuse submission/approval when a check certainly fails.
 */
import { Decimal } from "decimal.js";
import { englishText, ValidationError } from "../errors";
import { code, day, dayTime, type Message, money, msg, type Text } from "./message";
import { isLive } from "./lifecycle";
import type { AppState } from "./lifecycle";
import { type Cents, assertCents, sumCents } from "./money";
import { SECTORS, type VoucherType, findVoucherType } from "./scheme";
import { costLineDateStatus, voucherDeadlines } from "./claims";
import { deMinimisAid, type ProgrammeAward } from "./de-minimis";
import { instantMillis, isValidDate, localDate } from "./time";

export { addDays, localDate, zonedLocalToInstant } from "./time";
export { deMinimisWindowStart } from "./de-minimis";

// ---------------------------------------------------------------------------------------------
// R6: SME status (EU Recommendation 2003/361/EC)
// ---------------------------------------------------------------------------------------------

export const SME_RECOMMENDATION = "EU Recommendation 2003/361/EC";

/** Thresholds in cents. Staff limits are strict ("fewer than"), money limits inclusive ("not exceeding"). */
export const SME_THRESHOLDS = {
  medium: { staffBelow: 250, turnoverCents: 5_000_000_000, balanceSheetCents: 4_300_000_000 },
  small: { staffBelow: 50, turnoverCents: 1_000_000_000, balanceSheetCents: 1_000_000_000 },
  micro: { staffBelow: 10, turnoverCents: 200_000_000, balanceSheetCents: 200_000_000 },
} as const;

export interface RelatedEnterprise {
  name: string;
  kind: "partner" | "linked";
  /** Decimal string, e.g. "30" or "33.5" (a comma is accepted as decimal separator). */
  sharePercent: string;
  staffHeadcount: number;
  turnoverCents: Cents;
  balanceSheetCents: Cents;
}

export interface SmeInput {
  staffHeadcount: number;
  turnoverCents: Cents;
  balanceSheetCents: Cents;
  relations: RelatedEnterprise[];
}

export type SmeCategory = "micro" | "small" | "medium" | "not-sme";

export interface SmeResult {
  category: SmeCategory;
  /** Staff in annual work units; fractional when partner enterprises are added pro rata. */
  staff: string;
  turnoverCents: Cents;
  balanceSheetCents: Cents;
  /** The classification with its figures, in English; `reasonText` is the same as a message. */
  reason: string;
  reasonText: Message;
}

function parseShare(share: string, name: string): Decimal {
  const s = typeof share === "string" ? share.trim().replace(",", ".") : String(share);
  if (!/^\d{1,3}(?:\.\d+)?$/.test(s) || new Decimal(s).gt(100)) {
    throw new ValidationError(msg("errors:sme.share", { name, share: String(share) }));
  }
  return new Decimal(s);
}

function parseStaff(n: number, name: Text): Decimal {
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
    throw new ValidationError(msg("errors:sme.staff", { name }));
  }
  return new Decimal(n);
}

/**
 * Aggregates the applicant with its partner and linked enterprises and classifies it.
 *
 * How a relation counts (Article 3 and 6 of the Annex to the Recommendation):
 * - linked (declared as linked, i.e. controlled or controlling, or a share above 50%): added in
 *   full;
 * - partner (a share from 25% up to and including 50%): added pro rata to the share;
 * - a share below 25% that is not declared linked: autonomous, not counted.
 * Pro-rata staff stays an exact decimal (staff are annual work units, fractions are normal).
 * Each pro-rata money figure is rounded to the cent (half up) before adding, so the figures in the
 * sentence are exactly the ones compared with the thresholds.
 */
export function classifySme(input: SmeInput): SmeResult {
  let staff = parseStaff(input.staffHeadcount, msg("errors:sme.theCompany"));
  const ownTurnover = assertCents(input.turnoverCents);
  const ownBalance = assertCents(input.balanceSheetCents);
  if (ownTurnover < 0 || ownBalance < 0) throw new ValidationError(msg("errors:sme.negative"));
  const turnoverParts: Cents[] = [ownTurnover];
  const balanceParts: Cents[] = [ownBalance];
  let partners = 0;
  let linked = 0;
  let ignored = 0;

  for (const r of input.relations ?? []) {
    const share = parseShare(r.sharePercent, r.name);
    const rStaff = parseStaff(r.staffHeadcount, r.name);
    const rTurnover = assertCents(r.turnoverCents);
    const rBalance = assertCents(r.balanceSheetCents);
    if (r.kind === "linked" || share.gt(50)) {
      linked++;
      staff = staff.plus(rStaff);
      turnoverParts.push(rTurnover);
      balanceParts.push(rBalance);
    } else if (share.gte(25)) {
      partners++;
      const f = share.div(100);
      staff = staff.plus(rStaff.mul(f));
      turnoverParts.push(new Decimal(rTurnover).mul(f).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber());
      balanceParts.push(new Decimal(rBalance).mul(f).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber());
    } else {
      ignored++;
    }
  }

  const turnoverCents = sumCents(turnoverParts);
  const balanceSheetCents = sumCents(balanceParts);
  const fits = (t: (typeof SME_THRESHOLDS)[keyof typeof SME_THRESHOLDS]) =>
    staff.lt(t.staffBelow) && (turnoverCents <= t.turnoverCents || balanceSheetCents <= t.balanceSheetCents);

  const category: SmeCategory = fits(SME_THRESHOLDS.micro)
    ? "micro"
    : fits(SME_THRESHOLDS.small)
      ? "small"
      : fits(SME_THRESHOLDS.medium)
        ? "medium"
        : "not-sme";

  // decimal.js toFixed(): exact notation of the (possibly pro-rata) headcount, no float involved.
  const staffText = staff.toFixed();
  const counted: Message[] = [];
  if (partners > 0) counted.push(msg("errors:sme.partners", { count: partners }));
  if (linked > 0) counted.push(msg("errors:sme.linked", { count: linked }));
  const [firstCounted, secondCounted] = counted;
  const countedText: Text = secondCounted && firstCounted ? msg("errors:sme.countingTwo", { first: firstCounted, second: secondCounted })
    : firstCounted ? msg("errors:sme.countingOne", { first: firstCounted }) : "";
  const ignoredText: Text = ignored > 0 ? msg("errors:sme.ignored", { count: ignored }) : "";
  const recommendation = msg("errors:sme.recommendation");
  const figures = msg("errors:sme.figures", {
    staff: staffText, turnover: money(turnoverCents), balance: money(balanceSheetCents), counted: countedText, ignored: ignoredText,
  });
  const m = SME_THRESHOLDS.medium;
  const limits = msg("errors:sme.limits", { staffBelow: m.staffBelow, turnover: money(m.turnoverCents), balance: money(m.balanceSheetCents) });

  let reasonText: Message;
  if (category === "not-sme") {
    const why: Message[] = [];
    if (!staff.lt(m.staffBelow)) why.push(msg("errors:sme.whyStaff", { staff: staffText, staffBelow: m.staffBelow }));
    if (turnoverCents > m.turnoverCents && balanceSheetCents > m.balanceSheetCents) {
      why.push(msg("errors:sme.whyMoney", { turnover: money(m.turnoverCents), balance: money(m.balanceSheetCents) }));
    }
    const [firstWhy, secondWhy] = why;
    const whyText: Text = firstWhy && secondWhy ? msg("errors:sme.whyBoth", { first: firstWhy, second: secondWhy }) : (firstWhy ?? "");
    reasonText = msg("errors:sme.notSme", { recommendation, figures, why: whyText, limits });
  } else {
    const name = { micro: "Micro enterprise", small: "Small enterprise", medium: "Medium-sized enterprise" }[category];
    reasonText = msg("errors:sme.sme", { category: code("smeCategory", category, name), recommendation, figures, limits });
  }
  return { category, staff: staffText, turnoverCents, balanceSheetCents, reason: englishText(reasonText), reasonText };
}

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

export type RuleId = "R3" | "R6" | "R7" | "R8" | "R9" | "R10" | "R11" | "R12";

export interface Finding {
  rule: RuleId;
  status: "pass" | "fail" | "review";
  /** A fail that definitely refuses submission (stage "submit") or approval (stage "approve"). */
  certain: boolean;
  /** The reason in English, as stored with decisions; `text` is the same as a message to translate. */
  message: string;
  /** Absent in findings stored before they carried their message. */
  text?: Text;
}

export interface EligibilityInput {
  company: {
    regionCode: string | null;
    sectorCode: string | null;
    /** null when not declared yet: R6 becomes "review". */
    staffHeadcount: number | null;
    turnoverCents: Cents | null;
    balanceSheetCents: Cents | null;
    relations: RelatedEnterprise[];
  };
  programmeRegionCodes: string[];
  sectorCodes: string[];
  application: {
    voucherTypeCode: string;
    /** null = outside the programme or unknown. */
    counterpartRegionCode: string | null;
    /** YYYY-MM-DD */
    activityStart: string;
    /** YYYY-MM-DD; empty or absent for a one-day activity (it ends on its start day). */
    activityEnd?: string | null;
    amountCents: Cents;
  };
  call: {
    status: "draft" | "open" | "closed";
    /** ISO instants */
    opensAt: string;
    closesAt: string;
    voucherTypeCodes: string[];
  };
  /** The company's other applications (not this one). */
  /** `state`: an AppState as stored. */
  otherApplications: { sameCall: boolean; voucherTypeCode: string; state: string }[];
  /** The company has a voucher whose claim is still open (see lifecycle.hasOpenClaim). */
  hasOpenClaim: boolean;
  /** R10, configurable. */
  blockWhileClaimOpen: boolean;
  deMinimis: {
    declarations: { grantedOn: string; amountCents: Cents }[];
    /** This programme's earlier awards to the company (see programmeAwards). */
    priorAwards: ProgrammeAward[];
    ceilingCents: Cents;
  };
  /** ISO instant */
  now: string;
  /** Programme time zone, e.g. Europe/Copenhagen */
  timeZone: string;
  stage: "submit" | "approve";
  /**
   * When the application answers a request for more information: the moment it was first
   * submitted, which R3 judged then. Not a new submission, so the call may have closed since.
   */
  firstSubmittedAt?: string | null;
  /** The scheme's type as configured; when omitted it is looked up among DEFAULT_VOUCHER_TYPES. */
  voucherType?: VoucherType;
  /** Optional display names for region codes, used in messages. */
  regionNames?: Record<string, string>;
}

const finding = (rule: RuleId, status: Finding["status"], certain: boolean, text: Message): Finding =>
  ({ rule, status, certain, message: englishText(text), text });
const pass = (rule: RuleId, text: Message): Finding => finding(rule, "pass", false, text);
const review = (rule: RuleId, text: Message): Finding => finding(rule, "review", false, text);
const refuse = (rule: RuleId, text: Message): Finding => finding(rule, "fail", true, text);

/**
 * All findings, in rule order. Several findings may share a rule (R7 sector and region; R10 same
 * type and open claim). Missing data gives "review", never a silent pass.
 */
export function evaluateEligibility(input: EligibilityInput): Finding[] {
  const today = localDate(input.now, input.timeZone);
  const type = input.voucherType ?? findVoucherType(input.application.voucherTypeCode);
  const typeName = type?.name ?? input.application.voucherTypeCode;
  const region = (code: string) => input.regionNames?.[code] ?? code;
  return [
    checkCall(input, typeName),
    checkSme(input),
    ...checkSectorAndRegion(input, region),
    checkCounterpart(input, region),
    checkDeMinimis(input, today),
    ...checkOneVoucher(input, typeName),
    checkActivityDate(input, today, type, typeName),
    checkCompletion(input, today, type, typeName),
  ];
}

/** The findings that refuse the action at this stage. */
export function blockingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.status === "fail" && f.certain);
}

function checkCall(input: EligibilityInput, typeName: string): Finding {
  const { call, timeZone } = input;
  const offered = call.voucherTypeCodes.includes(input.application.voucherTypeCode);
  if (!offered) return refuse("R3", msg("errors:eligibility.r3.typeNotOffered", { type: typeName }));
  // Approval happens after the call has closed; whether the application was submitted while the
  // call was open was checked at submission (the lifecycle only reaches "submitted" that way).
  if (input.stage === "approve") return pass("R3", msg("errors:eligibility.r3.typeOffered", { type: typeName }));

  const at = (iso: string) => msg("errors:eligibility.r3.at", { at: dayTime(iso, timeZone), timeZone });
  // Managers mostly ask for more information after the call has closed; the answer keeps the
  // submission's place (and its moment), as the reserve list's order of submission does (R4).
  if (input.firstSubmittedAt) return pass("R3", msg("errors:eligibility.r3.answered", { submittedAt: at(input.firstSubmittedAt) }));
  if (call.status === "draft") return refuse("R3", msg("errors:eligibility.r3.notOpened"));
  const now = instantMillis(input.now);
  // The closing moment itself is already closed: open means opensAt <= now < closesAt.
  if (now >= instantMillis(call.closesAt)) {
    return refuse("R3", msg("errors:eligibility.r3.closed", { closesAt: at(call.closesAt) }));
  }
  if (call.status === "closed") return refuse("R3", msg("errors:eligibility.r3.closedEarly"));
  if (now < instantMillis(call.opensAt)) {
    return refuse("R3", msg("errors:eligibility.r3.opensLater", { opensAt: at(call.opensAt) }));
  }
  return pass("R3", msg("errors:eligibility.r3.open", { closesAt: at(call.closesAt), type: typeName }));
}

function checkSme(input: EligibilityInput): Finding {
  const c = input.company;
  if (c.staffHeadcount === null || c.staffHeadcount === undefined || c.turnoverCents === null || c.turnoverCents === undefined || c.balanceSheetCents === null || c.balanceSheetCents === undefined) {
    return review("R6", msg("errors:eligibility.r6.notDeclared"));
  }
  let result: SmeResult;
  try {
    result = classifySme({
      staffHeadcount: c.staffHeadcount,
      turnoverCents: c.turnoverCents,
      balanceSheetCents: c.balanceSheetCents,
      relations: c.relations ?? [],
    });
  } catch (e) {
    if (e instanceof ValidationError) return review("R6", msg("errors:eligibility.r6.cannotCheck", { reason: e.text }));
    throw e;
  }
  return result.category === "not-sme" ? refuse("R6", result.reasonText) : pass("R6", result.reasonText);
}

function checkSectorAndRegion(input: EligibilityInput, region: (code: string) => string): Finding[] {
  const { sectorCode, regionCode } = input.company;
  const sectorName = (code: string) => SECTORS.find((s) => s.code === code)?.name ?? code;
  const allowedSectors = input.sectorCodes.map(sectorName).join(", ");
  const sector = !sectorCode
    ? review("R7", msg("errors:eligibility.r7.sectorNotDeclared"))
    : input.sectorCodes.includes(sectorCode)
      ? pass("R7", msg("errors:eligibility.r7.sectorMet", { sector: sectorName(sectorCode) }))
      : refuse("R7", msg("errors:eligibility.r7.sectorNotMet", { sector: sectorName(sectorCode), sectors: allowedSectors }));
  const place = !regionCode
    ? review("R7", msg("errors:eligibility.r7.regionNotDeclared"))
    : input.programmeRegionCodes.includes(regionCode)
      ? pass("R7", msg("errors:eligibility.r7.regionMet", { region: region(regionCode) }))
      : refuse("R7", msg("errors:eligibility.r7.regionNotMet", { region: region(regionCode) }));
  return [sector, place];
}

function checkCounterpart(input: EligibilityInput, region: (code: string) => string): Finding {
  const own = input.company.regionCode;
  const other = input.application.counterpartRegionCode;
  if (!own) return review("R8", msg("errors:eligibility.r8.ownUnknown"));
  if (!other) return review("R8", msg("errors:eligibility.r8.otherUnknown", { region: region(own) }));
  if (other === own) return refuse("R8", msg("errors:eligibility.r8.sameRegion", { region: region(own) }));
  return pass("R8", msg("errors:eligibility.r8.otherRegion", { other: region(other), own: region(own) }));
}

/** R9, rolling three years; the aid is counted by deMinimisAid. Exactly at the ceiling passes ("must not exceed"). */
function checkDeMinimis(input: EligibilityInput, today: string): Finding {
  const earlier = deMinimisAid({ today, declarations: input.deMinimis.declarations, awards: input.deMinimis.priorAwards }).earlierCents;
  const award = assertCents(input.application.amountCents);
  const total = earlier + award;
  const ceiling = assertCents(input.deMinimis.ceilingCents);
  const params = { earlier: money(earlier), award: money(award), total: money(total), ceiling: money(ceiling), regulation: msg("errors:eligibility.r9.regulation") };
  if (total > ceiling) return refuse("R9", msg("errors:eligibility.r9.above", params));
  return pass("R9", msg("errors:eligibility.r9.within", params));
}

function checkOneVoucher(input: EligibilityInput, typeName: string): Finding[] {
  const code = input.application.voucherTypeCode;
  const duplicate = input.otherApplications.some(
    (a) => a.sameCall && a.voucherTypeCode === code && isLive(a.state as AppState),
  );
  const sameType = duplicate
    ? refuse("R10", msg("errors:eligibility.r10.sameType", { type: typeName }))
    : pass("R10", msg("errors:eligibility.r10.noSameType", { type: typeName }));
  let claim: Finding;
  if (!input.hasOpenClaim) claim = pass("R10", msg("errors:eligibility.r10.noOpenClaim"));
  else if (input.blockWhileClaimOpen) claim = refuse("R10", msg("errors:eligibility.r10.openClaim"));
  else claim = pass("R10", msg("errors:eligibility.r10.openClaimAllowed"));
  return [sameType, claim];
}

function checkActivityDate(input: EligibilityInput, today: string, type: VoucherType | undefined, typeName: string): Finding {
  const start = input.application.activityStart;
  if (!isValidDate(start)) return refuse("R11", msg("errors:eligibility.r11.invalidDate"));
  const preApproval = type?.preApprovalRequired ?? false;
  const dates = { start: day(start), today: day(today), type: typeName };
  if (input.stage === "submit") {
    if (start < today) return refuse("R11", msg("errors:eligibility.r11.passed", dates));
    if (preApproval && start <= today) {
      // Not refused at submission by the rule's wording, but it cannot be approved: flag it.
      return finding("R11", "fail", false, msg("errors:eligibility.r11.startsToday", dates));
    }
    return pass("R11", msg("errors:eligibility.r11.afterToday", dates));
  }
  // stage "approve": the approval day is today.
  if (preApproval && start <= today) return refuse("R11", msg("errors:eligibility.r11.notBeforeActivity", dates));
  if (start < today) return refuse("R11", msg("errors:eligibility.r11.startedBeforeApproval", dates));
  return pass("R11", msg("errors:eligibility.r11.notBeforeApproval", dates));
}

/**
 * R12: the award's completion deadline is the approval day plus the call's completion days, so an
 * activity planned to end after it could never be claimed in time and would only expire. Refused
 * at approval; at submission, before the approval day is known, flagged for the manager when even
 * an approval today would set a deadline before the activity's end.
 */
function checkCompletion(input: EligibilityInput, today: string, type: VoucherType | undefined, typeName: string): Finding {
  const end = input.application.activityEnd || input.application.activityStart;
  if (!type || !isValidDate(end)) return review("R12", msg("errors:eligibility.r12.unknown"));
  const { completionDeadline } = voucherDeadlines(type, today);
  const dates = { end: day(end), deadline: day(completionDeadline), days: type.completionDays, type: typeName };
  if (end <= completionDeadline) return pass("R12", msg("errors:eligibility.r12.endsInTime", dates));
  if (input.stage === "approve") return refuse("R12", msg("errors:eligibility.r12.endsAfterDeadline", dates));
  return finding("R12", "fail", false, msg("errors:eligibility.r12.endsLate", dates));
}

// ---------------------------------------------------------------------------------------------
// Claims (R11, R12): the rules live in ./claims; these names stay for existing callers.
// ---------------------------------------------------------------------------------------------

export { isPastDeadline } from "./claims";

/** R11: costs dated before the day of approval are not eligible; costs on that day are. */
export function eligibleCostDate(costDate: string, approvedOn: string): boolean {
  return costLineDateStatus(costDate, approvedOn, costDate) !== "before-approval";
}

export const deadlinesFor = voucherDeadlines;
