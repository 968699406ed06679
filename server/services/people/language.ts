import type { Db } from "../../db/connection";
import { NotFoundError } from "../../errors";
import { type Language, SOURCE_LANGUAGE, toLanguage } from "../../languages";
import { audit } from "../platform/audit";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction } from "../platform/context";

/*
 * Which language a person reads: their own choice, else the default language of the partner
 * organisation they work for (managers) or apply through (applicants: the partner of their
 * company's region), else English. Pages also weigh the switcher and the browser
 * (server/web/language.ts); letters and e-mails, read away from the browser, use this.
 */

/** Saves the language a user chose (account page or language switcher). */
export async function setUserLanguage(ctx: ServiceContext, userId: number, language: Language): Promise<void> {
  await inTransaction(ctx, async (trx) => {
    const user = await trx("users").where({ id: userId }).first("language");
    if (!user) throw new NotFoundError();
    if (user.language === language) return;
    await trx("users").where({ id: userId }).update({ language });
    await audit(trx, ctx, { action: "user.language_changed", entityType: "user", entityId: userId, before: { language: user.language }, after: { language } });
  });
}

interface ReaderRow { language: string | null; partner_language: string | null; company_partner_language: string | null }

function readerQuery(db: Db | Trx) {
  return db("users")
    .leftJoin("partners", "partners.id", "users.partner_id")
    .leftJoin("companies", "companies.id", "users.company_id")
    .leftJoin("partners as cp", "cp.region_id", "companies.region_id");
}

const READER_COLUMNS = ["users.language", "partners.default_language as partner_language", "cp.default_language as company_partner_language"];

function readerLanguage(row: ReaderRow | undefined): Language | null {
  if (!row) return null;
  return toLanguage(row.language) ?? toLanguage(row.partner_language ?? row.company_partner_language);
}

/** The language of the user with this e-mail address; null when no user has it. */
export async function languageOfEmail(db: Db | Trx, email: string): Promise<Language | null> {
  const row = await readerQuery(db).whereRaw("lower(users.email) = ?", [email.trim().toLowerCase()]).first<ReaderRow | undefined>(...READER_COLUMNS);
  return readerLanguage(row);
}

/**
 * The language an application's award letter is written in: that of the applicant who created
 * the application (their choice, else their partner's default), else the default language of the
 * partner organisation deciding it, else English.
 */
export async function applicantLanguage(db: Db | Trx, applicationId: number): Promise<Language> {
  const app = await db("applications").where({ id: applicationId }).first("created_by", "partner_id");
  if (!app) throw new NotFoundError();
  const creator = await readerQuery(db).where("users.id", app.created_by).first<ReaderRow | undefined>(...READER_COLUMNS);
  const fromCreator = readerLanguage(creator);
  if (fromCreator) return fromCreator;
  const partner = await db("partners").where({ id: app.partner_id }).first("default_language");
  return toLanguage(partner?.default_language) ?? SOURCE_LANGUAGE;
}
