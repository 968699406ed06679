import type { Config } from "../../server/config";
import type { Db } from "../../server/db/connection";
import type { ServiceContext } from "../../server/services/platform/context";
import { inTransaction } from "../../server/services/platform/context";
import { insertCompany } from "../../server/services/people/companies";
import { enrolWithKnownKey } from "../../server/services/people/two-factor";
import { insertUser } from "../../server/services/people/users";
import { loadActor } from "../../server/services/people/user-queries";
import { localDate } from "../../server/domain/time";
import { createDraft } from "../../server/services/applications/drafts";
import { acceptAward, submitApplication } from "../../server/services/applications/submission";
import { closeCall, createCall, openCall } from "../../server/services/calls/calls";
import { submitClaim } from "../../server/services/claims/claims";
import { reviewClaim } from "../../server/services/claims/queries";
import { verifyClaim } from "../../server/services/claims/verification";
import { approve, declareConflict, reserve } from "../../server/services/review/decisions";
import { createOrganisation, createReferral } from "../../server/services/directory/directory";
import { setRate } from "../../server/services/finance/exchange-rates";
import { recordPayment } from "../../server/services/finance/payments";

/*
 * Demo data for a first look at Voucherdesk: one account per role, SMEs in several regions,
 * an open call with a budget and applications in several states. Loaded only into an empty
 * database (no users) and never in production. Everything goes through the services, so the
 * demo ledger, letters and audit log are exactly what real use would produce.
 */
export const DEMO_PASSWORD = "demo-voucherdesk";

export const DEMO_ACCOUNTS = [
  { email: "sme@demo.test", role: "applicant", name: "Mette Sørensen", note: "SME applicant, Nordic Enzyme Labs ApS (Capital Region of Denmark)" },
  { email: "manager@demo.test", role: "manager", name: "Lars Kjærgaard", note: "cluster manager, BioPeople (Denmark)" },
  { email: "finance@demo.test", role: "finance", name: "Anne Fischer", note: "finance officer" },
  { email: "admin@demo.test", role: "admin", name: "Pieter de Vries", note: "administrator" },
] as const;

/**
 * TOTP keys of the demo staff accounts, printed in the README so that anyone trying the demo can
 * add them to an authenticator app (or compute a code with `npm run demo:code`). Demo only: a
 * published key protects nothing, so a real installation never loads this data.
 */
export const DEMO_TOTP_KEYS: Readonly<Record<string, string>> = {
  "manager@demo.test": "2CBTQTUTLQ6NXWXRAVMYYJG3P64ZLVWB",
  "finance@demo.test": "3DWVYDWCDXMB7KHBFDZRZAMDL24DR743",
  "admin@demo.test": "2GKNUDM55VBFLBEM5XM6DZH675S6T2WQ",
  "manager.nl@demo.test": "F352VHA6B3SDLZOLAUUYJM5YCLSWESP3",
  "manager2@demo.test": "5LHXABWBUR4XGWR75ZKZDXOFY76KAIH7",
};

export async function seedDemoIfEmpty(db: Db, config: Config, now: () => Date = () => new Date()): Promise<boolean> {
  const existing = await db("users").first("id");
  if (existing) return false;
  await seedDemo(db, config, now);
  return true;
}

/** Looks an id up by code; the demo data names only codes the migrations create, so a miss is a bug. */
type Lookup = (code: string) => number;

function lookup(what: string, rows: { id: number | string; code: string }[]): Lookup {
  const ids = new Map(rows.map((r) => [r.code, Number(r.id)]));
  return (code) => {
    const id = ids.get(code);
    if (id === undefined) throw new Error(`The demo data names ${what} "${code}", which the database does not have.`);
    return id;
  };
}

/** `activity: false` loads only accounts and companies (tests that build their own scenarios). */
export async function seedDemo(db: Db, config: Config, now: () => Date = () => new Date(), opts: { activity?: boolean } = {}): Promise<void> {
  const system: ServiceContext = { db, config, actor: null, now };
  const region = lookup("region", await db("regions").select("id", "code"));
  const partner = lookup("the partner of region",
    await db("partners").join("regions", "regions.id", "partners.region_id").select<{ id: number; code: string }[]>("partners.id", "regions.code"));
  const sector = lookup("sector", await db("sectors").select("id", "code"));

  const companies = await inTransaction(system, async (trx) => {
    const base = { relations: [], deMinimis: [] };
    const nordic = await insertCompany(trx, system, {
      ...base, legalName: "Nordic Enzyme Labs ApS", vatNumber: "DK12345678", address: "Fruebjergvej 3\n2100 Copenhagen Ø", country: "DK",
      regionId: region("DK"), sectorId: sector("biotech"), staffHeadcount: 18, turnoverCents: 210_000_000, balanceSheetCents: 150_000_000,
      iban: "DK5000400440116243", accountHolder: "Nordic Enzyme Labs ApS", euroAccountConfirmed: true,
      deMinimis: [{ grantingBody: "Innovation Fund Denmark", grantedOn: "2025-03-14", amountCents: 4_500_000 }],
    });
    const oresund = await insertCompany(trx, system, {
      ...base, legalName: "Øresund MedTech A/S", vatNumber: "DK87654321", address: "Agern Allé 24\n2970 Hørsholm", country: "DK",
      regionId: region("DK"), sectorId: sector("medtech"), staffHeadcount: 42, turnoverCents: 640_000_000, balanceSheetCents: 410_000_000,
      iban: "DK2930000001234567", accountHolder: "Øresund MedTech A/S", euroAccountConfirmed: true, relations: [
        { name: "Hørsholm Holding ApS", kind: "partner", sharePercent: "30", staffHeadcount: 10, turnoverCents: 100_000_000, balanceSheetCents: 80_000_000 },
      ], deMinimis: [],
    });
    const amager = await insertCompany(trx, system, {
      ...base, legalName: "Amager Nutrition ApS", vatNumber: "DK11223344", address: "Njalsgade 76\n2300 Copenhagen S", country: "DK",
      regionId: region("DK"), sectorId: sector("nutrition"), staffHeadcount: 7, turnoverCents: 95_000_000, balanceSheetCents: 40_000_000,
      iban: "DK8952950012345678", accountHolder: "Amager Nutrition ApS", euroAccountConfirmed: true,
    });
    const brabant = await insertCompany(trx, system, {
      ...base, legalName: "Brabant Diagnostics B.V.", vatNumber: "NL001234567B01", address: "High Tech Campus 10\n5656 AE Eindhoven", country: "NL",
      regionId: region("NB"), sectorId: sector("medtech"), staffHeadcount: 35, turnoverCents: 520_000_000, balanceSheetCents: 300_000_000,
      iban: "NL91ABNA0417164300", accountHolder: "Brabant Diagnostics B.V.",
    });
    const stern = await insertCompany(trx, system, {
      ...base, legalName: "Neckar Pharma Großmann GmbH", vatNumber: "DE123456789", address: "Paul-Ehrlich-Straße 15\n72076 Tübingen", country: "DE",
      regionId: region("BW"), sectorId: sector("pharma"), staffHeadcount: 120, turnoverCents: 2_400_000_000, balanceSheetCents: 1_800_000_000,
      iban: "DE89370400440532013000", accountHolder: "Neckar Pharma Großmann GmbH",
    });
    const hillerod = await insertCompany(trx, system, {
      ...base, legalName: "Hillerød Cell Devices ApS", vatNumber: "DK55667788", address: "Milnersvej 42\n3400 Hillerød", country: "DK",
      regionId: region("DK"), sectorId: sector("medtech"), staffHeadcount: 12, turnoverCents: 120_000_000, balanceSheetCents: 70_000_000,
      iban: "DK2720001234567890", accountHolder: "Hillerød Cell Devices ApS", euroAccountConfirmed: true,
    });
    return { nordic, oresund, amager, brabant, stern, hillerod };
  });

  const users = await inTransaction(system, async (trx) => {
    const common = { password: DEMO_PASSWORD, emailConfirmed: true };
    const sme = await insertUser(trx, system, { ...common, email: "sme@demo.test", name: "Mette Sørensen", role: "applicant", companyId: companies.nordic });
    const manager = await insertUser(trx, system, { ...common, email: "manager@demo.test", name: "Lars Kjærgaard", title: "Cluster Manager, Life Science Innovation", role: "manager", partnerId: partner("DK") });
    const finance = await insertUser(trx, system, { ...common, email: "finance@demo.test", name: "Anne Fischer", title: "Finance Officer", role: "finance" });
    const admin = await insertUser(trx, system, { ...common, email: "admin@demo.test", name: "Pieter de Vries", title: "Programme Administrator", role: "admin" });
    const oresundUser = await insertUser(trx, system, { ...common, email: "oresund@demo.test", name: "Jonas Ibsen", role: "applicant", companyId: companies.oresund });
    const amagerUser = await insertUser(trx, system, { ...common, email: "amager@demo.test", name: "Sofie Holm", role: "applicant", companyId: companies.amager });
    const brabantUser = await insertUser(trx, system, { ...common, email: "brabant@demo.test", name: "Eva Janssen", role: "applicant", companyId: companies.brabant });
    const sternUser = await insertUser(trx, system, { ...common, email: "neckar@demo.test", name: "Jürgen Weiß", role: "applicant", companyId: companies.stern });
    const hillerodUser = await insertUser(trx, system, { ...common, email: "hillerod@demo.test", name: "Rasmus Friis", role: "applicant", companyId: companies.hillerod });
    const managerNl = await insertUser(trx, system, { ...common, email: "manager.nl@demo.test", name: "Sanne Bakker", title: "Cluster Manager", role: "manager", partnerId: partner("NB") });
    const manager2 = await insertUser(trx, system, { ...common, email: "manager2@demo.test", name: "Karen Dahl", title: "Senior Cluster Manager", role: "manager", partnerId: partner("DK") });
    const ids = { sme, manager, finance, admin, oresundUser, amagerUser, brabantUser, sternUser, hillerodUser, managerNl, manager2 };
    for (const [email, key] of Object.entries(DEMO_TOTP_KEYS)) {
      const row = await trx("users").where({ email }).first("id");
      if (row) await enrolWithKnownKey(trx, system, row.id, key);
    }
    return ids;
  });

  if (opts.activity !== false) await seedDemoActivity(db, config, now, { companies, users, region, partner });
}

interface DemoIds {
  companies: Record<"nordic" | "oresund" | "amager" | "brabant" | "stern" | "hillerod", number>;
  users: Record<"sme" | "manager" | "finance" | "admin" | "oresundUser" | "amagerUser" | "brabantUser" | "sternUser" | "hillerodUser" | "managerNl" | "manager2", number>;
  region: Lookup;
  partner: Lookup;
}

/**
 * Calls, applications, letters, claims and payments, produced by the real services on a clock
 * moved back in time, so every state, ledger entry, letter and audit event is genuine:
 * - a closed earlier call with a paid Meet & Greet (Nordic Enzyme Labs) and a verified claim
 *   awaiting payment (Amager Nutrition);
 * - the current open call with, for the demo applicant, an approved Insight voucher with its letter,
 *   a submitted Collaboration and a Meet & Greet draft; for the manager's region a Meet & Greet
 *   whose claim awaits verification (Øresund MedTech) and submitted applications to decide;
 *   a submitted application in Noord-Brabant for its own manager;
 * - a conflict of interest on Hillerød's Insight application, handed to the other Danish manager;
 * - a closed pilot call with a reserve list: an earlier application that does not fit and a
 *   later one that does.
 */
async function seedDemoActivity(db: Db, config: Config, now: () => Date, ids: DemoIds): Promise<void> {
  const T = now().getTime();
  const DAY = 86_400_000;
  const at = (days: number) => () => new Date(T + days * DAY + 9 * 3_600_000);
  const day = (days: number) => localDate(new Date(T + days * DAY).toISOString(), config.timeZone);
  const local = (days: number, time: string) => `${day(days)}T${time}`;
  const as = async (userId: number, days: number): Promise<ServiceContext> => ({ db, config, actor: await loadActor(db, userId), now: at(days) });
  const u = ids.users;
  const type = lookup("voucher type", await db("voucher_types").select("id", "code"));
  const declarations = { truthful: true, smeStatus: true, deMinimisComplete: true, noDoubleFunding: true };

  // Directory: two organisations in each of the eight regions.
  const orgIds = new Map<string, number>();
  for (const o of DEMO_ORGANISATIONS) {
    const managerCtx = await as(u.manager, -210);
    orgIds.set(o.key, await createOrganisation(managerCtx, {
      name: o.name, regionId: ids.region(o.region), kind: o.kind, competences: o.competences,
      contactName: o.contact, contactEmail: o.email, website: "", description: o.description,
    }));
  }
  const organisation = (key: string) => {
    const o = DEMO_ORGANISATIONS.find((x) => x.key === key);
    const id = orgIds.get(key);
    if (!o || id === undefined) throw new Error(`The demo data has no organisation "${key}".`);
    return { ...o, id };
  };
  const counterpart = (key: string) => {
    const o = organisation(key);
    return { counterpartOrgId: o.id, counterpartName: o.name, counterpartCountry: o.country, counterpartRegionId: ids.region(o.region), counterpartKind: o.kind };
  };
  const draft = (title: string, description: string, cp: string, start: number, end: number, costs?: [number, number, number]) => ({
    title, description, objectives: "Meet potential partners and validate the approach with experts outside our region.",
    expectedResult: "A documented partnership plan and at least two follow-up meetings.",
    ...counterpart(cp), activityStart: day(start), activityEnd: day(end),
    costTravelCents: costs ? costs[0] : null, costAccommodationCents: costs ? costs[1] : null, costOtherCents: costs ? costs[2] : null,
  });
  const callInput = (title: string, opens: number, closes: number) => ({
    title, description: "Vouchers for SMEs in the IN2LifeSciences regions to meet partners, gain insight and collaborate across borders.",
    opensLocal: local(opens, "09:00"), closesLocal: local(closes, "12:00"),
    types: [{ voucherTypeId: type("MG"), completionDays: 90 }, { voucherTypeId: type("IN"), completionDays: 180 }, { voucherTypeId: type("CO"), completionDays: 365 }],
    totalCents: 80_000_00, perTypeCents: { [type("MG")]: 10_000_00 }, perPartnerCents: { [ids.partner("DK")]: 40_000_00, [ids.partner("NB")]: 20_000_00 },
  });

  // Finance keeps the Commission's monthly rates for the months the demo's claims fall in.
  const financeCtx = await as(u.finance, -210);
  for (let d = -210; d <= 0; d += 28) {
    const month = day(d).slice(0, 7);
    for (const [currency, rate] of Object.entries(DEMO_RATES)) await setRate(financeCtx, { currency, month, rate });
  }
  const thisMonth = day(0).slice(0, 7);
  for (const [currency, rate] of Object.entries(DEMO_RATES)) await setRate(financeCtx, { currency, month: thisMonth, rate });

  // The earlier call, 200 to 100 days ago.
  const earlierCall = await createCall(await as(u.manager, -200), callInput("Spring 2026 voucher call", -200, -100));
  await openCall(await as(u.manager, -200), earlierCall);

  const nordicMg = await createDraft(await as(u.sme, -160), earlierCall, "MG",
    draft("Partner meetings at the Stuttgart enzyme cluster", "Two days of meetings with enzyme-process experts in Stuttgart.", "stern-lab", -140, -139, [32_000, 11_000, 0]));
  await submitApplication(await as(u.sme, -160), nordicMg, declarations);
  await (await approve(await as(u.manager, -150), nordicMg, { amountCents: 43_000 })).letterWritten;
  await acceptAward(await as(u.sme, -149), nordicMg);
  await submitClaim(await as(u.sme, -130), nordicMg, {
    report: "Met the process-development team and two SMEs of the Stuttgart region; agreed on a joint feasibility test.",
    organisationsMet: "Tübingen Enzyme Process Lab; two regional SMEs", resultContacts: "Five new contacts", resultProduct: "", followUp: "Feasibility test planned",
    lines: [
      { incurredOn: day(-140), description: "Return flight Copenhagen–Stuttgart", currency: "EUR", amount: "298.40" },
      { incurredOn: day(-140), description: "Hotel, one night", currency: "DKK", amount: "895.00" },
    ],
  }, []);
  const nordicClaim = await claimIdOf(db, nordicMg);
  await verifyAllLines(await as(u.manager, -120), nordicClaim);
  await recordPayment(await as(u.finance, -110), { claimId: nordicClaim, paidOn: day(-110), bankReference: "DB-2026-000417" });

  const amagerMg = await createDraft(await as(u.amagerUser, -158), earlierCall, "MG",
    draft("Visit to Maastricht nutrition research campus", "Meetings with nutrition scientists about a clinical study design.", "maastricht-campus", -135, -134, [25_000, 9_000, 2_500]));
  await submitApplication(await as(u.amagerUser, -158), amagerMg, declarations);
  await (await approve(await as(u.manager2, -148), amagerMg, { amountCents: 36_500 })).letterWritten;
  await acceptAward(await as(u.amagerUser, -147), amagerMg);
  await submitClaim(await as(u.amagerUser, -125), amagerMg, {
    report: "Two days at the campus; study design agreed in principle.", organisationsMet: "Maastricht Nutrition Research Campus",
    resultContacts: "Three researchers", resultProduct: "", followUp: "Joint grant application",
    lines: [
      { incurredOn: day(-135), description: "Train Copenhagen–Maastricht", currency: "EUR", amount: "241.00" },
      { incurredOn: day(-135), description: "Hotel, one night", currency: "EUR", amount: "96.00" },
    ],
  }, []);
  await verifyAllLines(await as(u.manager, -115), await claimIdOf(db, amagerMg));
  await closeCall(await as(u.manager, -100), earlierCall);

  // The current call, open since 30 days ago for another 120 days.
  const currentCall = await createCall(await as(u.manager, -30), callInput("Autumn 2026 voucher call", -30, 120));
  await openCall(await as(u.manager, -30), currentCall);

  const oresundMg = await createDraft(await as(u.oresundUser, -28), currentCall, "MG",
    draft("Meetings at the Flanders medtech network", "Meetings with two hospitals and a testing facility in Ghent.", "ghent-testing", -20, -19, [28_000, 14_000, 0]));
  await submitApplication(await as(u.oresundUser, -28), oresundMg, declarations);
  await (await approve(await as(u.manager, -25), oresundMg, { amountCents: 42_000 })).letterWritten;
  await acceptAward(await as(u.oresundUser, -24), oresundMg);
  await submitClaim(await as(u.oresundUser, -10), oresundMg, {
    report: "Met the clinical engineering teams of two hospitals and toured the testing facility.", organisationsMet: "Ghent Medical Device Testing Facility; two hospitals",
    resultContacts: "Four contacts", resultProduct: "Test protocol for our sensor", followUp: "Testing agreement in negotiation",
    lines: [
      { incurredOn: day(-20), description: "Flight Copenhagen–Brussels and train", currency: "EUR", amount: "276.80" },
      { incurredOn: day(-20), description: "Hotel, one night", currency: "EUR", amount: "129.00" },
      { incurredOn: day(-19), description: "Taxi to Copenhagen Airport", currency: "DKK", amount: "345.00" },
    ],
  }, []);

  const nordicIn = await createDraft(await as(u.sme, -12), currentCall, "IN",
    draft("Market insight: enzyme diagnostics in the Benelux", "Contracting a market expert in Noord-Brabant for a four-week market study.", "brabant-expert", 20, 50));
  await submitApplication(await as(u.sme, -12), nordicIn, declarations);
  // Submitted before the Insight was approved: from approval on, that voucher is open (R10).
  const nordicCo = await createDraft(await as(u.sme, -7), currentCall, "CO",
    draft("Joint development of a thermostable enzyme kit", "Collaboration with a German pharma SME on a new kit.", "stern-lab", 40, 200));
  await submitApplication(await as(u.sme, -7), nordicCo, declarations);
  await (await approve(await as(u.manager, -5), nordicIn, {})).letterWritten;
  await createDraft(await as(u.sme, -1), currentCall, "MG",
    draft("Visit to the Wallonia bioprocess cluster", "Meetings on bioprocess scale-up.", "wallonia-bioprocess", 30, 31, [30_000, 12_000, 0]));

  const hillerodIn = await createDraft(await as(u.hillerodUser, -6), currentCall, "IN",
    draft("IPR insight for a cell-therapy device", "Contracting an IPR expert in Alsace for freedom-to-operate analysis.", "alsace-ipr", 25, 60));
  await submitApplication(await as(u.hillerodUser, -6), hillerodIn, declarations);

  const brabantMg = await createDraft(await as(u.brabantUser, -4), currentCall, "MG",
    draft("Meetings with Copenhagen diagnostics companies", "Two days of meetings in the Capital Region of Denmark.", "copenhagen-hub", 15, 16, [35_000, 10_000, 0]));
  await submitApplication(await as(u.brabantUser, -4), brabantMg, declarations);

  // R10: the Danish manager declares a conflict of interest; the other manager of BioPeople takes over.
  await declareConflict(await as(u.manager, -1), hillerodIn, "I sit on the advisory board of Hillerød Cell Devices.");

  // R4: a small pilot call whose budget is taken, with a reserve list in submission order: the
  // earlier Insight does not fit the EUR 500.00 left, the later Meet & Greet does and is offered.
  const pilotCall = await createCall(await as(u.admin, -60), {
    title: "Pilot call for cross-border insight", description: "A small pilot call with one shared budget.",
    opensLocal: local(-60, "09:00"), closesLocal: local(-40, "12:00"),
    types: [{ voucherTypeId: type("MG"), completionDays: 90 }, { voucherTypeId: type("IN"), completionDays: 180 }],
    totalCents: 4_500_00, perTypeCents: {}, perPartnerCents: {},
  });
  await openCall(await as(u.admin, -60), pilotCall);
  const sternIn = await createDraft(await as(u.sternUser, -58), pilotCall, "IN",
    draft("Market insight for a peptide drug in the Benelux", "Contracting a market expert in Noord-Brabant.", "brabant-expert", 10, 40));
  await submitApplication(await as(u.sternUser, -58), sternIn, declarations);
  const hillerodPilot = await createDraft(await as(u.hillerodUser, -56), pilotCall, "IN",
    draft("Regulatory insight for a cell-counting device", "Contracting a regulatory expert in Stuttgart.", "stuttgart-reg", 20, 50));
  await submitApplication(await as(u.hillerodUser, -56), hillerodPilot, declarations);
  const brabantPilot = await createDraft(await as(u.brabantUser, -52), pilotCall, "MG",
    draft("Visit to the Copenhagen diagnostics hub", "One day of meetings in Copenhagen.", "copenhagen-hub", 12, 12, [30_000, 15_000, 0]));
  await submitApplication(await as(u.brabantUser, -52), brabantPilot, declarations);
  await (await approve(await as(u.admin, -45), sternIn, {})).letterWritten;
  await reserve(await as(u.manager, -45), hillerodPilot);
  await reserve(await as(u.managerNl, -44), brabantPilot);
  await closeCall(await as(u.admin, -40), pilotCall);

  // A referral by the Danish manager, visible to the SME and counted in the KPIs.
  await createReferral(await as(u.manager, -2), { companyId: ids.companies.hillerod, organisationId: organisation("rhineland-ai").id, note: "Their imaging group works on the same cell-counting problem." });
}

async function claimIdOf(db: Db, applicationId: number): Promise<number> {
  const row = await db("claims").where({ application_id: applicationId }).orderBy("id", "desc").first("id");
  if (!row) throw new Error(`The demo claim of application ${applicationId} was not stored.`);
  return Number(row.id);
}

/** The manager accepts every cost line; foreign ones are converted at finance's rate for the claim's month. */
async function verifyAllLines(ctx: ServiceContext, claimId: number): Promise<void> {
  const review = await reviewClaim(ctx, claimId);
  const decisions = review.assessment.lines.map((l) => ({ id: l.id, eligible: true, reason: "" }));
  await verifyClaim(ctx, claimId, decisions);
}

/** European Commission monthly accounting rates (foreign units per EUR) used in the demo. */
const DEMO_RATES: Record<string, string> = { DKK: "7.4604", SEK: "11.1355" };

const DEMO_ORGANISATIONS = [
  { key: "copenhagen-hub", region: "DK", country: "DK", kind: "company", name: "Copenhagen Diagnostics Hub ApS", competences: "diagnostics, immunoassays", contact: "Line Nielsen", email: "line@cdh.example", description: "Shared development lab for diagnostic start-ups." },
  { key: "dtu-biosustain", region: "DK", country: "DK", kind: "knowledge-institution", name: "Lyngby Biosustainability Institute", competences: "enzymes, fermentation, strain engineering", contact: "Prof. Henrik Lund", email: "hl@lbi.example", description: "University institute for microbial cell factories." },
  { key: "brabant-expert", region: "NB", country: "NL", kind: "expert", name: "Van Dijk Market Intelligence", competences: "market analysis, diagnostics, reimbursement", contact: "Marloes van Dijk", email: "marloes@vdmi.example", description: "Market studies for medtech and diagnostics in the Benelux." },
  { key: "eindhoven-proto", region: "NB", country: "NL", kind: "facility", name: "Eindhoven Medtech Prototyping Lab", competences: "prototyping, microfluidics, sensors", contact: "Joost Smit", email: "joost@emp.example", description: "Rapid prototyping of medical devices." },
  { key: "stern-lab", region: "BW", country: "DE", kind: "knowledge-institution", name: "Tübingen Enzyme Process Lab", competences: "enzymes, bioprocess, scale-up", contact: "Dr. Katrin Weiß", email: "kw@tepl.example", description: "Process development for industrial enzymes." },
  { key: "stuttgart-reg", region: "BW", country: "DE", kind: "expert", name: "Regulatory Affairs Büro Schäfer", competences: "MDR, regulatory, clinical evaluation", contact: "Uwe Schäfer", email: "us@ras.example", description: "Medical device regulation consultancy." },
  { key: "ghent-testing", region: "VL", country: "BE", kind: "facility", name: "Ghent Medical Device Testing Facility", competences: "testing, biocompatibility, sensors", contact: "An Peeters", email: "an@gmdt.example", description: "Accredited test lab for medical devices." },
  { key: "leuven-ipr", region: "VL", country: "BE", kind: "expert", name: "Leuven Tech Transfer Advisers", competences: "IPR, licensing, technology transfer", contact: "Koen Janssens", email: "koen@ltta.example", description: "Licensing and IP strategy for life-science SMEs." },
  { key: "wallonia-bioprocess", region: "WL", country: "BE", kind: "facility", name: "Gosselies Bioprocess Pilot Plant", competences: "bioprocess, GMP, scale-up", contact: "Sophie Lambert", email: "sl@gbpp.example", description: "GMP pilot plant for biologics." },
  { key: "liege-vet", region: "WL", country: "BE", kind: "knowledge-institution", name: "Liège Animal Health Research Centre", competences: "animal health, nutrition, feed", contact: "Marc Dubois", email: "md@lahrc.example", description: "Research on animal nutrition and health." },
  { key: "alsace-ipr", region: "AL", country: "FR", kind: "expert", name: "Cabinet Keller Propriété Industrielle", competences: "IPR, patents, freedom to operate", contact: "Élodie Keller", email: "ek@ckpi.example", description: "Patent attorneys for biotech and medtech." },
  { key: "strasbourg-cro", region: "AL", country: "FR", kind: "company", name: "Strasbourg Preclinical Services SAS", competences: "preclinical, CRO, pharmacology", contact: "Julien Moreau", email: "jm@sps.example", description: "Contract research for preclinical studies." },
  { key: "rhineland-ai", region: "RL", country: "DE", kind: "knowledge-institution", name: "Cologne Biomedical Imaging Group", competences: "imaging, AI, cell counting", contact: "Dr. Jan Becker", email: "jb@cbig.example", description: "Image analysis for cell biology and pathology." },
  { key: "bonn-nutrition", region: "RL", country: "DE", kind: "company", name: "Bonn Functional Foods GmbH", competences: "nutrition, functional food, clinical studies", contact: "Petra Krüger", email: "pk@bff.example", description: "Developer of functional food ingredients." },
  { key: "maastricht-campus", region: "LI", country: "NL", kind: "knowledge-institution", name: "Maastricht Nutrition Research Campus", competences: "nutrition, clinical studies, metabolism", contact: "Dr. Ilse Hermans", email: "ih@mnrc.example", description: "Human nutrition research with a clinical study unit." },
  { key: "geleen-chem", region: "LI", country: "NL", kind: "facility", name: "Geleen Biomaterials Facility", competences: "biomaterials, polymers, testing", contact: "Tom Claessens", email: "tc@gbf.example", description: "Shared facility for biomaterials development." },
];
