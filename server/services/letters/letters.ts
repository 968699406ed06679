import { timingSafeEqual } from "node:crypto";
import { ConflictError, NotFoundError, ValidationError } from "../../errors";
import type { Db } from "../../db/connection";
import { deMinimisAid, programmeAwards } from "../../domain/de-minimis";
import { assertCents, type Cents } from "../../domain/money";
import { isValidDate } from "../../domain/time";
import {
  type AwardLetterData,
  type LetterLanguage,
  letterReference,
  renderAwardLetter,
  sha256Hex,
} from "../../letters/award-letter";
import { loadApplication, lockApplication } from "../applications/records";
import { audit } from "../platform/audit";
import type { ServiceContext, Trx } from "../platform/context";
import { nowIso } from "../platform/context";
import { callVoucherType } from "../scheme/reference";

/*
 * Award letters (R13). The letter is rendered once, inside the approval's transaction, and its
 * bytes are stored: downloads and verification always use the stored bytes, never a new
 * rendering, because a changed template or library would give a different file.
 */

export const LETTER_PROGRAMME = "IN2LS";
const LETTER_LANGUAGE: LetterLanguage = "en";

export interface IssuedLetter {
  reference: string;
  sha256: string;
}

/** Bytes from the driver: Buffer (pg bytea, sqlite3 blob), or in odd setups a Uint8Array or a "\x..." hex string. */
export function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === "string" && v.startsWith("\\x")) return Buffer.from(v.slice(2), "hex");
  throw new Error("the stored award letter is not binary data");
}

const countryNames = new Intl.DisplayNames(["en"], { type: "region" });

function countryName(code: string | null | undefined): string {
  if (!code) return "";
  try {
    return countryNames.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

function lines(text: unknown): string[] {
  return String(text ?? "").split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
}

/**
 * Issues the award letter of an application that has just been approved, in the caller's
 * transaction (the manager's approval). Idempotent: an application that already has a letter gets
 * that letter back unchanged.
 */
export async function issueAwardLetter(trx: Trx, ctx: ServiceContext, applicationId: number): Promise<IssuedLetter> {
  // Two approvals of the same application at once must not both render a letter.
  await lockApplication(trx, applicationId);
  const existing = await trx("award_letters").where({ application_id: applicationId }).first("reference", "sha256");
  if (existing) return { reference: String(existing.reference), sha256: String(existing.sha256) };

  const app = await trx("applications as a")
    .join("partners as p", "p.id", "a.partner_id")
    .join("regions as r", "r.id", "p.region_id")
    .join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .where("a.id", applicationId)
    .first("a.state", "a.approved_on", "a.decided_by", "r.code as region_code", "vt.code as type_code");
  if (!app) throw new NotFoundError();
  if (app.state !== "approved") {
    throw new ConflictError("An award letter is issued when the application is approved; this application is not approved.", "letter_not_approved");
  }
  if (!isValidDate(app.approved_on)) {
    throw new ValidationError("The award letter cannot be issued: the approval date is missing.", { approved_on: "Missing." });
  }
  const issuedBy = ctx.actor?.id ?? (app.decided_by === null || app.decided_by === undefined ? null : Number(app.decided_by));
  if (issuedBy === null) {
    throw new ValidationError("The award letter cannot be issued: the approving manager is not recorded.", { decided_by: "Missing." });
  }

  const year = Number(String(app.approved_on).slice(0, 4));
  const prefix = `${LETTER_PROGRAMME}-${year}-${app.region_code}-${app.type_code}-`;
  // Serialises numbering per prefix on PostgreSQL until commit; the unique constraint stays the
  // last line of defence. SQLite's single connection already serialises transactions.
  if (trx.client.config.client === "pg") await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [prefix]);
  const taken: string[] = await trx("award_letters").where("reference", "like", `${prefix}%`).pluck("reference");
  const highest = taken.map((r) => r.slice(prefix.length)).filter((s) => /^\d+$/.test(s)).map(Number)
    .reduce((a, b) => Math.max(a, b), 0);
  const reference = letterReference({
    programme: LETTER_PROGRAMME, year, regionCode: app.region_code, typeCode: app.type_code, sequence: highest + 1,
  });

  const issuedAt = nowIso(ctx);
  const data = await awardLetterData(trx, ctx, applicationId, { reference, issuedAt });
  const pdf = await renderAwardLetter(data);
  const sha256 = sha256Hex(pdf);

  await trx("award_letters").insert({
    application_id: applicationId, reference, language: data.language, pdf, sha256, issued_at: issuedAt, issued_by: issuedBy,
  });
  await trx("applications").where({ id: applicationId }).update({ reference });
  await audit(trx, ctx, {
    action: "letter.issued", entityType: "application", entityId: applicationId,
    after: { reference, sha256, issuedAt, language: data.language },
  });
  return { reference, sha256 };
}

/**
 * The letter's content as it follows from the database now. Used once, at issue; exported so
 * that tests can show a stored letter is exactly what this data renders to.
 */
export async function awardLetterData(
  db: Db | Trx,
  ctx: Pick<ServiceContext, "config" | "actor">,
  applicationId: number,
  issue: { reference: string; issuedAt: string },
): Promise<AwardLetterData> {
  const app = await db("applications").where({ id: applicationId }).first();
  if (!app) throw new NotFoundError();
  const missing = ["approved_cents", "approved_on", "completion_deadline", "claim_deadline"].filter((k) => app[k] === null || app[k] === undefined);
  if (missing.length > 0) {
    throw new ValidationError("The award letter cannot be issued: the approval is incomplete.", Object.fromEntries(missing.map((k) => [k, "Missing."])));
  }
  const company = await db("companies").where({ id: app.company_id }).first();
  const partner = await db("partners as p").join("regions as r", "r.id", "p.region_id").where("p.id", app.partner_id)
    .first("p.name", "p.address", "r.name as region_name", "r.country");
  // The call's settings, as the approval used them (R11, R14).
  const type = await callVoucherType(db, Number(app.call_id), Number(app.voucher_type_id));
  const call = await db("calls").where({ id: app.call_id }).first("scheme_id");
  const scheme = await db("schemes").where({ id: call.scheme_id }).first("de_minimis_ceiling_cents");
  const counterpartRegion = app.counterpart_region_id === null || app.counterpart_region_id === undefined
    ? null
    : await db("regions").where({ id: app.counterpart_region_id }).first("name", "country");
  const signerId = app.decided_by ?? ctx.actor?.id ?? null;
  const signer = signerId === null ? null : await db("users").where({ id: signerId }).first("name", "title");
  if (!signer) throw new ValidationError("The award letter cannot be issued: the approving manager is not recorded.", { decided_by: "Missing." });

  const approvedOn = String(app.approved_on);
  const declarations = await db("de_minimis_declarations").where({ company_id: app.company_id }).select("granted_on", "amount_cents");
  const others = await db("applications").where({ company_id: app.company_id }).whereNot({ id: applicationId })
    .select("state", "approved_cents", "approved_on");
  // The same computation as the R9 check the manager saw, so the letter states the same total.
  const aid = deMinimisAid({
    today: approvedOn,
    declarations: declarations.map((d) => ({ grantedOn: d.granted_on, amountCents: d.amount_cents })),
    awards: programmeAwards(others.map((o) => ({ state: o.state, approvedCents: o.approved_cents, approvedOn: o.approved_on }))),
  });

  const companyAddress = lines(company.address);
  const companyCountry = countryName(company.country);
  if (companyCountry && companyAddress[companyAddress.length - 1]?.toLowerCase() !== companyCountry.toLowerCase()) {
    companyAddress.push(companyCountry);
  }
  const counterpartCountry = countryName(counterpartRegion?.country ?? app.counterpart_country);
  return {
    language: LETTER_LANGUAGE,
    reference: issue.reference,
    issuedAt: issue.issuedAt,
    partner: {
      name: partner.name,
      addressLines: lines(partner.address),
      regionName: partner.region_name,
      country: countryName(partner.country),
    },
    company: { legalName: company.legal_name, addressLines: companyAddress, vatNumber: company.vat_number },
    voucherType: { code: type.code, name: type.name, paymentBasis: type.paymentBasis, preApprovalRequired: type.preApprovalRequired },
    amountCents: assertCents(app.approved_cents),
    title: String(app.title ?? "").trim(),
    purpose: [app.description, app.objectives, app.title].map((s) => String(s ?? "").trim()).find((s) => s !== "") ?? "",
    counterpart: {
      name: String(app.counterpart_name ?? ""),
      // A counterpart outside the programme's regions has no region name; its country stands in.
      regionName: counterpartRegion?.name ?? counterpartCountry,
      country: counterpartCountry,
    },
    activityStart: app.activity_start,
    activityEnd: app.activity_end,
    approvedOn,
    completionDeadline: app.completion_deadline,
    claimDeadline: app.claim_deadline,
    deMinimis: {
      declaredLastThreeYearsCents: aid.declaredCents,
      earlierProgrammeAwardsCents: aid.programmeCents,
      ceilingCents: assertCents(scheme.de_minimis_ceiling_cents),
    },
    signatory: { name: signer.name, title: signer.title?.trim() ? signer.title : "Cluster Manager" },
    timeZone: ctx.config.timeZone,
  };
}

export interface StoredLetter {
  reference: string;
  pdf: Buffer;
  sha256: string;
  /** The voucher was cancelled; the letter stays stored and downloadable as a record. */
  cancelled: boolean;
}

/** The stored letter, for whoever may see the application (else 404, as for any application). */
export async function getAwardLetter(ctx: ServiceContext, applicationId: number): Promise<StoredLetter> {
  const app = await loadApplication(ctx, applicationId);
  const row = await ctx.db("award_letters").where({ application_id: app.id }).first("reference", "pdf", "sha256");
  if (!row) throw new NotFoundError("This application has no award letter (yet).");
  return { reference: String(row.reference), pdf: toBuffer(row.pdf), sha256: String(row.sha256), cancelled: app.state === "cancelled" };
}

export interface VerifyInput {
  reference: string;
  /** Hex, as printed by sha256sum; spaces and colons are ignored. */
  sha256?: string;
  pdf?: Buffer;
}

export interface VerifiedLetter {
  reference: string;
  companyName: string;
  voucherTypeName: string;
  amountCents: Cents;
  issuedAt: string;
  status: "issued" | "cancelled";
}

export interface VerifyResult {
  genuine: boolean;
  reason: string;
  /** Only for a genuine letter: whoever holds the file already knows all of this. */
  letter?: VerifiedLetter;
}

const REFERENCE = /^[A-Z0-9]{1,16}-\d{4}-[A-Z0-9]{1,16}-[A-Z0-9]{1,16}-\d{4,}$/;

export function normaliseReference(input: string): string {
  return input.trim().toUpperCase().replace(/\s+/g, "");
}

export function normaliseSha256(input: string): string {
  return input.trim().toLowerCase().replace(/[\s:]+/g, "");
}

/**
 * Public check whether a file (or its SHA-256) is the award letter issued under a reference.
 * Reveals the letter's key facts only when the file matches, so that guessing references shows
 * nothing about other companies' vouchers.
 */
export async function verifyLetter(db: Db, input: VerifyInput): Promise<VerifyResult> {
  const fields: Record<string, string> = {};
  const reference = normaliseReference(input.reference ?? "");
  if (!REFERENCE.test(reference)) fields.reference = "Enter the reference printed on the letter, for example IN2LS-2026-DK-IN-0007.";
  const hashes: string[] = [];
  if (input.sha256 !== undefined && input.sha256.trim() !== "") {
    const h = normaliseSha256(input.sha256);
    if (/^[0-9a-f]{64}$/.test(h)) hashes.push(h);
    else fields.sha256 = "A SHA-256 checksum is 64 characters, digits 0-9 and letters a-f.";
  }
  if (input.pdf !== undefined) {
    if (input.pdf.length === 0) fields.pdf = "The file you chose is empty.";
    else hashes.push(sha256Hex(input.pdf));
  }
  if (hashes.length === 0 && !fields.sha256 && !fields.pdf) fields.pdf = "Choose the letter's PDF file, or paste its SHA-256 checksum.";
  if (Object.keys(fields).length > 0) throw new ValidationError("The letter could not be checked.", fields);

  const row = await db("award_letters as l")
    .join("applications as a", "a.id", "l.application_id")
    .join("companies as co", "co.id", "a.company_id")
    .join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .where("l.reference", reference)
    .first("l.reference", "l.sha256", "l.issued_at", "a.approved_cents", "a.state", "co.legal_name", "vt.name as vt_name");
  if (!row) {
    return { genuine: false, reason: `No award letter with the reference ${reference} has been issued. Check the reference on the letter.` };
  }
  const stored = Buffer.from(String(row.sha256), "hex");
  const matches = hashes.every((h) => {
    const given = Buffer.from(h, "hex");
    return given.length === stored.length && timingSafeEqual(given, stored);
  });
  if (!matches) {
    return {
      genuine: false,
      reason: `This is not the award letter issued under ${reference}: the file differs from the letter we issued, even if only slightly. It may have been altered. Ask the sender for the original file, or contact the programme.`,
    };
  }
  const cancelled = row.state === "cancelled";
  return {
    genuine: true,
    reason: cancelled
      ? `This is the genuine award letter ${reference}, but the voucher it awarded has since been cancelled.`
      : `This is the genuine award letter ${reference}, unchanged since it was issued.`,
    letter: {
      reference: String(row.reference),
      companyName: String(row.legal_name),
      voucherTypeName: String(row.vt_name),
      amountCents: assertCents(row.approved_cents),
      issuedAt: String(row.issued_at),
      status: cancelled ? "cancelled" : "issued",
    },
  };
}
