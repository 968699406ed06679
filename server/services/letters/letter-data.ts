import type { Db } from "../../db/connection";
import { dbCents } from "../../db/tables/values";
import { deMinimisAid, programmeAwards } from "../../domain/de-minimis";
import { NotFoundError, ValidationError } from "../../errors";
import type { Language } from "../../languages";
import { applicantLanguage } from "../people/language";
import type { AwardLetterData } from "../../letters/award-letter";
import type { ServiceContext, Trx } from "../platform/context";
import { callVoucherType, type VoucherTypeRow } from "../scheme/reference";
import type { ApplicationsRow, SchemesRow } from "../../db/tables/rows";

/*
 * The award letter's data: the facts the letter states, gathered from the database. Wording and
 * layout are the template's and the PDF writer's (server/letters).
 */

const countryNames = new Map<Language, Intl.DisplayNames>();

/** A country's name in the letter's language ("Denmark", "Dänemark", "Danemark"). */
function countryName(code: string | null | undefined, language: Language): string {
  if (!code) return "";
  let names = countryNames.get(language);
  if (!names) {
    names = new Intl.DisplayNames([language], { type: "region" });
    countryNames.set(language, names);
  }
  try {
    return names.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

function lines(text: string | null | undefined): string[] {
  return (text ?? "").split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
}

/** What the caller (an approval) has read in the same transaction already, so it is not read again. */
export interface LetterFactsKnown {
  /** The voucher type with the call's settings (callVoucherType). */
  type?: VoucherTypeRow;
}

const incomplete = () => new ValidationError("The award letter cannot be issued: the approving manager is not recorded.", { decided_by: "Missing." });

/**
 * The letter's content as it follows from the database now. Used once, at issue (the approval
 * records it with the pending letter, so the PDF is rendered from exactly these facts); exported
 * so that tests can show a stored letter is exactly what this data renders to.
 */
export async function awardLetterData(
  db: Db | Trx,
  ctx: Pick<ServiceContext, "config" | "actor">,
  applicationId: number,
  issue: { reference: string; issuedAt: string },
  known: LetterFactsKnown & { application?: ApplicationsRow } = {},
): Promise<AwardLetterData> {
  const app = known.application ?? await db("applications").where({ id: applicationId }).first();
  if (!app) throw new NotFoundError();
  const { approved_cents: approvedCents, approved_on: approvedOn, completion_deadline: completionDeadline, claim_deadline: claimDeadline } = app;
  if (approvedCents === null || approvedOn === null || completionDeadline === null || claimDeadline === null) {
    const terms = { approved_cents: approvedCents, approved_on: approvedOn, completion_deadline: completionDeadline, claim_deadline: claimDeadline };
    const missing = Object.entries(terms).filter(([, v]) => v === null).map(([k]) => [k, "Missing."]);
    throw new ValidationError("The award letter cannot be issued: the approval is incomplete.", Object.fromEntries(missing) as Record<string, string>);
  }
  const company = await db("companies").where({ id: app.company_id }).first();
  const partner = await db("partners as p").join("regions as r", "r.id", "p.region_id").where("p.id", app.partner_id)
    .first<{ name: string; address: string; region_name: string; country: string } | undefined>("p.name", "p.address", "r.name as region_name", "r.country");
  const scheme = await db("calls as c").join("schemes as s", "s.id", "c.scheme_id").where("c.id", app.call_id)
    .first<Pick<SchemesRow, "de_minimis_ceiling_cents"> | undefined>("s.de_minimis_ceiling_cents");
  if (!company || !partner || !scheme) throw new NotFoundError();
  // The call's settings, as the approval used them (R11, R14).
  const type = known.type ?? await callVoucherType(db, app.call_id, app.voucher_type_id);
  const counterpartRegion = app.counterpart_region_id === null
    ? undefined
    : await db("regions").where({ id: app.counterpart_region_id }).first("name", "country");
  const signerId = app.decided_by ?? ctx.actor?.id ?? null;
  const signer = signerId === null ? undefined : await db("users").where({ id: signerId }).first("name", "title");
  if (!signer) throw incomplete();

  const declarations = await db("de_minimis_declarations").where({ company_id: app.company_id }).select("granted_on", "amount_cents");
  const others = await db("applications").where({ company_id: app.company_id }).whereNot({ id: applicationId })
    .select("state", "approved_cents", "approved_on");
  // The same computation as the R9 check the manager saw, so the letter states the same total.
  const aid = deMinimisAid({
    today: approvedOn,
    declarations: declarations.map((d) => ({ grantedOn: d.granted_on, amountCents: d.amount_cents })),
    awards: programmeAwards(others.map((o) => ({ state: o.state, approvedCents: o.approved_cents, approvedOn: o.approved_on }))),
  });

  // The applicant's language at approval time: the letter is a legal document its reader must understand.
  const language = await applicantLanguage(db, applicationId);
  const companyAddress = lines(company.address);
  const companyCountry = countryName(company.country, language);
  if (companyCountry && companyAddress.at(-1)?.toLowerCase() !== companyCountry.toLowerCase()) {
    companyAddress.push(companyCountry);
  }
  const counterpartCountry = countryName(counterpartRegion?.country ?? app.counterpart_country, language);
  return {
    language,
    reference: issue.reference,
    issuedAt: issue.issuedAt,
    partner: {
      name: partner.name,
      addressLines: lines(partner.address),
      regionName: partner.region_name,
      country: countryName(partner.country, language),
    },
    company: { legalName: company.legal_name, addressLines: companyAddress, vatNumber: company.vat_number },
    voucherType: { code: type.code, name: type.name, paymentBasis: type.paymentBasis, preApprovalRequired: type.preApprovalRequired },
    amountCents: dbCents(approvedCents),
    title: app.title.trim(),
    purpose: [app.description, app.objectives, app.title].map((s) => s.trim()).find((s) => s !== "") ?? "",
    counterpart: {
      name: app.counterpart_name,
      // A counterpart outside the programme's regions has no region name; its country stands in.
      regionName: counterpartRegion?.name ?? counterpartCountry,
      country: counterpartCountry,
    },
    activityStart: app.activity_start ?? "",
    activityEnd: app.activity_end ?? "",
    approvedOn,
    completionDeadline,
    claimDeadline,
    deMinimis: {
      declaredLastThreeYearsCents: aid.declaredCents,
      earlierProgrammeAwardsCents: aid.programmeCents,
      ceilingCents: dbCents(scheme.de_minimis_ceiling_cents),
    },
    signatory: { name: signer.name, title: signer.title?.trim() ? signer.title : "Cluster Manager" },
    timeZone: ctx.config.timeZone,
  };
}
