import type { Config } from "../../server/config";
import type { Db } from "../../server/db/connection";
import type { ServiceContext } from "../../server/services/context";
import { inTransaction } from "../../server/services/context";
import { insertCompany } from "../../server/services/companies";
import { insertUser } from "../../server/services/users";

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

export async function seedDemoIfEmpty(db: Db, config: Config, now: () => Date = () => new Date()): Promise<boolean> {
  const [{ n }] = await db("users").count({ n: "*" });
  if (Number(n) > 0) return false;
  await seedDemo(db, config, now);
  return true;
}

type Ids = Record<string, number>;

export async function seedDemo(db: Db, config: Config, now: () => Date = () => new Date()): Promise<void> {
  const system: ServiceContext = { db, config, actor: null, now };
  const regionIds: Ids = Object.fromEntries((await db("regions").select("id", "code")).map((r) => [r.code, Number(r.id)]));
  const partnerIds: Ids = Object.fromEntries(
    (await db("partners").join("regions", "regions.id", "partners.region_id").select("partners.id", "regions.code")).map((r) => [r.code, Number(r.id)]),
  );
  const sectorIds: Ids = Object.fromEntries((await db("sectors").select("id", "code")).map((r) => [r.code, Number(r.id)]));

  const companies = await inTransaction(system, async (trx) => {
    const base = { relations: [], deMinimis: [] };
    const nordic = await insertCompany(trx, system, {
      ...base, legalName: "Nordic Enzyme Labs ApS", vatNumber: "DK12345678", address: "Fruebjergvej 3\n2100 Copenhagen Ø", country: "DK",
      regionId: regionIds.DK, sectorId: sectorIds.biotech, staffHeadcount: 18, turnoverCents: 210_000_000, balanceSheetCents: 150_000_000,
      iban: "NL91ABNA0417164300", accountHolder: "Nordic Enzyme Labs ApS",
      deMinimis: [{ grantingBody: "Innovation Fund Denmark", grantedOn: "2025-03-14", amountCents: 4_500_000 }],
    });
    const oresund = await insertCompany(trx, system, {
      ...base, legalName: "Øresund MedTech A/S", vatNumber: "DK87654321", address: "Agern Allé 24\n2970 Hørsholm", country: "DK",
      regionId: regionIds.DK, sectorId: sectorIds.medtech, staffHeadcount: 42, turnoverCents: 640_000_000, balanceSheetCents: 410_000_000,
      iban: "DE89370400440532013000", accountHolder: "Øresund MedTech A/S", relations: [
        { name: "Hørsholm Holding ApS", kind: "partner", sharePercent: "30", staffHeadcount: 10, turnoverCents: 100_000_000, balanceSheetCents: 80_000_000 },
      ], deMinimis: [],
    });
    const amager = await insertCompany(trx, system, {
      ...base, legalName: "Amager Nutrition ApS", vatNumber: "DK11223344", address: "Njalsgade 76\n2300 Copenhagen S", country: "DK",
      regionId: regionIds.DK, sectorId: sectorIds.nutrition, staffHeadcount: 7, turnoverCents: 95_000_000, balanceSheetCents: 40_000_000,
      iban: "BE68539007547034", accountHolder: "Amager Nutrition ApS",
    });
    const brabant = await insertCompany(trx, system, {
      ...base, legalName: "Brabant Diagnostics B.V.", vatNumber: "NL001234567B01", address: "High Tech Campus 10\n5656 AE Eindhoven", country: "NL",
      regionId: regionIds.NB, sectorId: sectorIds.medtech, staffHeadcount: 35, turnoverCents: 520_000_000, balanceSheetCents: 300_000_000,
      iban: "NL91ABNA0417164300", accountHolder: "Brabant Diagnostics B.V.",
    });
    const stern = await insertCompany(trx, system, {
      ...base, legalName: "Neckar Pharma Großmann GmbH", vatNumber: "DE123456789", address: "Paul-Ehrlich-Straße 15\n72076 Tübingen", country: "DE",
      regionId: regionIds.BW, sectorId: sectorIds.pharma, staffHeadcount: 120, turnoverCents: 2_400_000_000, balanceSheetCents: 1_800_000_000,
      iban: "DE89370400440532013000", accountHolder: "Neckar Pharma Großmann GmbH",
    });
    return { nordic, oresund, amager, brabant, stern };
  });

  const users = await inTransaction(system, async (trx) => {
    const common = { password: DEMO_PASSWORD, emailConfirmed: true };
    const sme = await insertUser(trx, system, { ...common, email: "sme@demo.test", name: "Mette Sørensen", role: "applicant", companyId: companies.nordic });
    const manager = await insertUser(trx, system, { ...common, email: "manager@demo.test", name: "Lars Kjærgaard", title: "Cluster Manager, Life Science Innovation", role: "manager", partnerId: partnerIds.DK });
    const finance = await insertUser(trx, system, { ...common, email: "finance@demo.test", name: "Anne Fischer", title: "Finance Officer", role: "finance" });
    const admin = await insertUser(trx, system, { ...common, email: "admin@demo.test", name: "Pieter de Vries", title: "Programme Administrator", role: "admin" });
    const oresundUser = await insertUser(trx, system, { ...common, email: "oresund@demo.test", name: "Jonas Ibsen", role: "applicant", companyId: companies.oresund });
    const amagerUser = await insertUser(trx, system, { ...common, email: "amager@demo.test", name: "Sofie Holm", role: "applicant", companyId: companies.amager });
    const brabantUser = await insertUser(trx, system, { ...common, email: "brabant@demo.test", name: "Eva Janssen", role: "applicant", companyId: companies.brabant });
    const sternUser = await insertUser(trx, system, { ...common, email: "neckar@demo.test", name: "Jürgen Weiß", role: "applicant", companyId: companies.stern });
    const managerNl = await insertUser(trx, system, { ...common, email: "manager.nl@demo.test", name: "Sanne Bakker", title: "Cluster Manager", role: "manager", partnerId: partnerIds.NB });
    const manager2 = await insertUser(trx, system, { ...common, email: "manager2@demo.test", name: "Karen Dahl", title: "Senior Cluster Manager", role: "manager", partnerId: partnerIds.DK });
    return { sme, manager, finance, admin, oresundUser, amagerUser, brabantUser, sternUser, managerNl, manager2 };
  });

  await seedDemoActivity(db, config, now, { companies, users, regionIds, partnerIds });
}

export interface DemoIds {
  companies: Ids;
  users: Ids;
  regionIds: Ids;
  partnerIds: Ids;
}

/** Calls, applications, letters, claims and payments; filled in as the journeys land. */
async function seedDemoActivity(db: Db, config: Config, now: () => Date, ids: DemoIds): Promise<void> {
  void db; void config; void now; void ids;
}
