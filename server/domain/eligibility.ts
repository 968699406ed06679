/**
 * Automatic eligibility checks (R3, R6-R11, R12), shown to the manager with reasons and used to
 * refuse submission/approval when a check certainly fails.
 */
import { dayInWords, dayTimeInWords } from "./date-format";
import { Decimal } from "decimal.js";
import { ValidationError } from "../errors";
import { isLive } from "./lifecycle";
import type { AppState } from "./lifecycle";
import { type Cents, assertCents, formatMoney, sumCents } from "./money";
import { DE_MINIMIS_REGULATION, SECTORS, type VoucherType, findVoucherType } from "./scheme";
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
  reason: string;
}

function parseShare(share: string, name: string): Decimal {
  const s = typeof share === "string" ? share.trim().replace(",", ".") : String(share);
  if (!/^\d{1,3}(?:\.\d+)?$/.test(s) || new Decimal(s).gt(100)) {
    throw new ValidationError(`The share in ${name} ("${String(share)}") must be a percentage between 0 and 100.`);
  }
  return new Decimal(s);
}

function parseStaff(n: number, name: string): Decimal {
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
    throw new ValidationError(`The staff headcount of ${name} must be zero or more.`);
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
  let staff = parseStaff(input.staffHeadcount, "the company");
  const ownTurnover = assertCents(input.turnoverCents);
  const ownBalance = assertCents(input.balanceSheetCents);
  if (ownTurnover < 0 || ownBalance < 0) throw new ValidationError("Turnover and balance sheet total cannot be negative.");
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
  const counted: string[] = [];
  if (partners > 0) counted.push(`${partners} partner enterprise${partners === 1 ? "" : "s"} pro rata`);
  if (linked > 0) counted.push(`${linked} linked enterprise${linked === 1 ? "" : "s"} in full`);
  const countedText = counted.length > 0 ? `, counting ${counted.join(" and ")}` : "";
  const ignoredText = ignored > 0 ? ` (${ignored} holding${ignored === 1 ? "" : "s"} below 25% not counted)` : "";
  const figures =
    `${staffText} staff, annual turnover ${formatMoney(turnoverCents)} and balance sheet total ` +
    `${formatMoney(balanceSheetCents)}${countedText}${ignoredText}`;
  const m = SME_THRESHOLDS.medium;
  const limits = `fewer than ${m.staffBelow} staff, and turnover up to ${formatMoney(m.turnoverCents)} or balance sheet total up to ${formatMoney(m.balanceSheetCents)}`;

  let reason: string;
  if (category === "not-sme") {
    const why: string[] = [];
    if (!staff.lt(m.staffBelow)) why.push(`${staffText} staff is not fewer than ${m.staffBelow}`);
    if (turnoverCents > m.turnoverCents && balanceSheetCents > m.balanceSheetCents) {
      why.push(
        `both the turnover (above ${formatMoney(m.turnoverCents)}) and the balance sheet total (above ${formatMoney(m.balanceSheetCents)}) are over the limits`,
      );
    }
    reason = `Not an SME under ${SME_RECOMMENDATION}: ${figures}; ${why.join(", and ")}. An SME has ${limits}.`;
  } else {
    const name = { micro: "Micro enterprise", small: "Small enterprise", medium: "Medium-sized enterprise" }[category];
    reason = `${name} under ${SME_RECOMMENDATION}: ${figures}. An SME has ${limits}.`;
  }
  return { category, staff: staffText, turnoverCents, balanceSheetCents, reason };
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
  message: string;
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
  /** The scheme's type as configured; when omitted it is looked up among DEFAULT_VOUCHER_TYPES. */
  voucherType?: VoucherType;
  /** Optional display names for region codes, used in messages. */
  regionNames?: Record<string, string>;
}

const pass = (rule: RuleId, message: string): Finding => ({ rule, status: "pass", certain: false, message });
const review = (rule: RuleId, message: string): Finding => ({ rule, status: "review", certain: false, message });
const refuse = (rule: RuleId, message: string): Finding => ({ rule, status: "fail", certain: true, message });

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
  ];
}

/** The findings that refuse the action at this stage. */
export function blockingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.status === "fail" && f.certain);
}

function checkCall(input: EligibilityInput, typeName: string): Finding {
  const { call, timeZone } = input;
  const offered = call.voucherTypeCodes.includes(input.application.voucherTypeCode);
  if (!offered) return refuse("R3", `This call does not offer the ${typeName} voucher.`);
  // Approval happens after the call has closed; whether the application was submitted while the
  // call was open was checked at submission (the lifecycle only reaches "submitted" that way).
  if (input.stage === "approve") return pass("R3", `The call offers the ${typeName} voucher.`);

  const at = (iso: string) => `${dayTimeInWords(iso, timeZone)} (${timeZone} time)`;
  if (call.status === "draft") return refuse("R3", "The call has not been opened yet, so applications cannot be submitted.");
  const now = instantMillis(input.now);
  // The closing moment itself is already closed: open means opensAt <= now < closesAt.
  if (now >= instantMillis(call.closesAt)) {
    return refuse("R3", `The call closed on ${at(call.closesAt)}; applications can no longer be submitted.`);
  }
  if (call.status === "closed") return refuse("R3", "The call was closed early by the programme, so applications can no longer be submitted.");
  if (now < instantMillis(call.opensAt)) {
    return refuse("R3", `The call opens on ${at(call.opensAt)}; applications can be submitted from then on.`);
  }
  return pass("R3", `The call is open until ${at(call.closesAt)} and offers the ${typeName} voucher.`);
}

function checkSme(input: EligibilityInput): Finding {
  const c = input.company;
  if (c.staffHeadcount === null || c.staffHeadcount === undefined || c.turnoverCents === null || c.turnoverCents === undefined || c.balanceSheetCents === null || c.balanceSheetCents === undefined) {
    return review("R6", "The company has not declared its staff headcount, turnover and balance sheet total yet, so its SME status cannot be checked.");
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
    if (e instanceof ValidationError) return review("R6", `The SME declaration cannot be checked: ${e.message}`);
    throw e;
  }
  return result.category === "not-sme" ? refuse("R6", result.reason) : pass("R6", result.reason);
}

function checkSectorAndRegion(input: EligibilityInput, region: (code: string) => string): Finding[] {
  const { sectorCode, regionCode } = input.company;
  const sectorName = (code: string) => SECTORS.find((s) => s.code === code)?.name ?? code;
  const allowedSectors = input.sectorCodes.map(sectorName).join(", ");
  const sector = !sectorCode
    ? review("R7", "The company has not declared its sector yet.")
    : input.sectorCodes.includes(sectorCode)
      ? pass("R7", `The company works in ${sectorName(sectorCode)}, a health sector of the scheme.`)
      : refuse("R7", `The company's sector (${sectorName(sectorCode)}) is not one of the scheme's sectors: ${allowedSectors}.`);
  const place = !regionCode
    ? review("R7", "The company has not declared its region yet.")
    : input.programmeRegionCodes.includes(regionCode)
      ? pass("R7", `The company is based in ${region(regionCode)}, a programme region.`)
      : refuse("R7", `The company is based in ${region(regionCode)}, which is not one of the programme's regions.`);
  return [sector, place];
}

function checkCounterpart(input: EligibilityInput, region: (code: string) => string): Finding {
  const own = input.company.regionCode;
  const other = input.application.counterpartRegionCode;
  if (!own) return review("R8", "The company's region is not known, so the counterpart's region cannot be compared with it.");
  if (!other) {
    return review("R8", `The counterpart's region is unknown or outside the programme; please check that it is not in ${region(own)}.`);
  }
  if (other === own) {
    return refuse("R8", `The counterpart is in the same region as the company (${region(own)}); it must be in another region.`);
  }
  return pass("R8", `The counterpart is in ${region(other)}, another region than the company's (${region(own)}).`);
}

/** R9, rolling three years; the aid is counted by deMinimisAid. Exactly at the ceiling passes ("must not exceed"). */
function checkDeMinimis(input: EligibilityInput, today: string): Finding {
  const earlier = deMinimisAid({ today, declarations: input.deMinimis.declarations, awards: input.deMinimis.priorAwards }).earlierCents;
  const award = assertCents(input.application.amountCents);
  const total = earlier + award;
  const ceiling = assertCents(input.deMinimis.ceilingCents);
  const head = `De minimis: declared aid in the last three years ${formatMoney(earlier)} plus this award ${formatMoney(award)}`;
  if (total > ceiling) {
    return refuse("R9", `${head} would be ${formatMoney(total)}, above the ceiling of ${formatMoney(ceiling)} (${DE_MINIMIS_REGULATION}).`);
  }
  return pass("R9", `${head} is ${formatMoney(total)}, within the ceiling of ${formatMoney(ceiling)} (${DE_MINIMIS_REGULATION}).`);
}

function checkOneVoucher(input: EligibilityInput, typeName: string): Finding[] {
  const code = input.application.voucherTypeCode;
  const duplicate = input.otherApplications.some(
    (a) => a.sameCall && a.voucherTypeCode === code && isLive(a.state as AppState),
  );
  const sameType = duplicate
    ? refuse("R10", `The company already has a ${typeName} application in this call; only one voucher of each type per call is allowed.`)
    : pass("R10", `No other ${typeName} application of the company in this call.`);
  let claim: Finding;
  if (!input.hasOpenClaim) claim = pass("R10", "The company has no voucher with an open claim.");
  else if (input.blockWhileClaimOpen) {
    claim = refuse("R10", "The company has a voucher whose claim is still open; a new application is possible once that voucher has been paid or has ended.");
  } else claim = pass("R10", "The company has a voucher whose claim is still open; the scheme allows new applications meanwhile.");
  return [sameType, claim];
}

function checkActivityDate(input: EligibilityInput, today: string, type: VoucherType | undefined, typeName: string): Finding {
  const start = input.application.activityStart;
  if (!isValidDate(start)) return refuse("R11", "Please enter a valid activity start date.");
  const preApproval = type?.preApprovalRequired ?? false;
  if (input.stage === "submit") {
    if (start < today) {
      return refuse("R11", `The activity start date ${dayInWords(start)} has passed (today is ${dayInWords(today)}); an application whose activity date has passed cannot be submitted.`);
    }
    if (preApproval && start <= today) {
      // Not refused at submission by the rule's wording, but it cannot be approved: flag it.
      return {
        rule: "R11",
        status: "fail",
        certain: false,
        message: `The ${typeName} activity starts today (${dayInWords(start)}); it can only be approved before the day of the activity, so it cannot be approved.`,
      };
    }
    return pass("R11", `The activity starts on ${dayInWords(start)}, after today (${dayInWords(today)}).`);
  }
  // stage "approve": the approval day is today.
  if (preApproval && start <= today) {
    return refuse("R11", `The ${typeName} activity starts on ${dayInWords(start)}, which is not after the day of approval (${dayInWords(today)}); a ${typeName} must be approved before the activity takes place.`);
  }
  if (start < today) {
    return refuse("R11", `The activity started on ${dayInWords(start)}, before the day of approval (${dayInWords(today)}); the activity may not start before it is approved.`);
  }
  return pass("R11", `The activity starts on ${dayInWords(start)}, not before the day of approval (${dayInWords(today)}).`);
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
