import { timingSafeEqual } from "node:crypto";
import { msg, type Message } from "../../domain/message";
import { ConflictError, NotFoundError, ValidationError, type FieldTexts } from "../../errors";
import type { Db } from "../../db/connection";
import { isPostgres } from "../../db/connection";
import { toStoredLetterFile } from "../../db/tables/award-letters";
import type { ApplicationsRow, AwardLettersRow } from "../../db/tables/rows";
import { dbCents } from "../../db/tables/values";
import type { Cents } from "../../domain/money";
import { isValidDate } from "../../domain/time";
import {
  type AwardLetterData,
  letterReference,
  type RenderedLetterMarkup,
  renderAwardLetter,
  renderAwardLetterInWorker,
  renderAwardLetterMarkup,
  renderReferenceLetter,
  sha256Hex,
} from "../../letters/award-letter";
import { loadApplication, lockApplication } from "../applications/records";
import { audit } from "../platform/audit";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction, nowIso } from "../platform/context";
import { awardLetterData, type LetterFactsKnown } from "./letter-data";

export { awardLetterData } from "./letter-data";
export { toBuffer } from "../../db/tables/award-letters";

/*
 * Award letters (R13). An approval decides its letter inside its own transaction: the number,
 * the issue instant and every fact the letter states are fixed and recorded there
 * (pending_award_letters), and the wording is checked, so a letter that cannot be made refuses the
 * approval. Writing the PDF takes most of an approval's time, so it happens after the commit,
 * outside the database's write lock; the bytes and their SHA-256 are then stored in one short
 * transaction. Rendering is deterministic, so a letter left pending by a crash is rendered from
 * its recorded facts at the next start (or by the periodic sweep) into the very same bytes.
 *
 * Downloads and verification always use the stored bytes, never a new rendering, because a
 * changed template or library would give a different file.
 */

export const LETTER_PROGRAMME = "IN2LS";

export interface IssuedLetter {
  reference: string;
  sha256: string;
}

/** A letter decided in an approval's transaction, to be written and stored once that has committed. */
export interface DecidedLetter {
  applicationId: number;
  reference: string;
  issuedBy: number;
  data: AwardLetterData;
  /** The wording made from `data` when the letter was decided, so writing it does not make it again. */
  markup?: RenderedLetterMarkup;
}

/**
 * The next number under a reference prefix: one upsert of the prefix's counter (letter_numbers),
 * whatever the number of letters already issued. On PostgreSQL the upsert holds the counter's row
 * lock until the approval commits, so concurrent approvals under one prefix number one after the
 * other; SQLite's transactions already take turns (db/connection.ts). The unique constraints on
 * the references stay the last line of defence.
 */
async function nextSequence(trx: Trx, prefix: string): Promise<number> {
  const [row] = await trx("letter_numbers").insert({ prefix, last_sequence: 1 })
    .onConflict("prefix").merge({ last_sequence: trx.raw("?? + 1", ["letter_numbers.last_sequence"]) })
    .returning("last_sequence");
  const sequence = Number(typeof row === "object" ? row.last_sequence : row);
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new Error(`letter_numbers: unexpected sequence ${String(sequence)} for ${prefix}`);
  return sequence;
}

type LetterState = { kind: "stored"; letter: IssuedLetter } | { kind: "pending"; letter: DecidedLetter } | { kind: "none" };

async function letterState(db: Db | Trx, applicationId: number): Promise<LetterState> {
  const existing = await db("award_letters").where({ application_id: applicationId }).first("reference", "sha256");
  if (existing) return { kind: "stored", letter: { reference: existing.reference, sha256: existing.sha256 } };
  const pending = await db("pending_award_letters").where({ application_id: applicationId }).first();
  if (pending) {
    return {
      kind: "pending",
      letter: { applicationId, reference: pending.reference, issuedBy: pending.issued_by, data: JSON.parse(pending.data_json) as AwardLetterData },
    };
  }
  return { kind: "none" };
}

/**
 * Fixes the award letter of an application that has just been approved, in the caller's
 * transaction (the manager's approval): its number, its issue instant and its facts, checked
 * against the template; no PDF yet (storeAwardLetter writes it after the commit). Idempotent: an
 * application whose letter is already decided gets that one back.
 */
export async function decideAwardLetter(trx: Trx, ctx: ServiceContext, applicationId: number, known: LetterFactsKnown = {}): Promise<DecidedLetter | IssuedLetter> {
  // Two approvals of the same application at once must not both number a letter.
  await lockApplication(trx, applicationId);
  const state = await letterState(trx, applicationId);
  if (state.kind !== "none") return state.letter;

  // The whole row: the letter's data is made from it too (awardLetterData), so it is read once.
  const app = await trx("applications as a")
    .join("partners as p", "p.id", "a.partner_id")
    .join("regions as r", "r.id", "p.region_id")
    .join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .where("a.id", applicationId)
    .first<(ApplicationsRow & { region_code: string; type_code: string }) | undefined>("a.*", "r.code as region_code", "vt.code as type_code");
  if (!app) throw new NotFoundError();
  if (app.state !== "approved") {
    throw new ConflictError(msg("errors:letters.notApproved"), "letter_not_approved");
  }
  if (!isValidDate(app.approved_on)) {
    throw new ValidationError(msg("errors:letters.approvalDateMissing"), { approved_on: msg("errors:letters.missing") });
  }
  const issuedBy = ctx.actor?.id ?? app.decided_by;
  if (issuedBy === null) {
    throw new ValidationError(msg("errors:letters.approverMissing"), { decided_by: msg("errors:letters.missing") });
  }

  const year = Number(app.approved_on.slice(0, 4));
  const prefix = `${LETTER_PROGRAMME}-${year}-${app.region_code}-${app.type_code}-`;
  const reference = letterReference({
    programme: LETTER_PROGRAMME, year, regionCode: app.region_code, typeCode: app.type_code, sequence: await nextSequence(trx, prefix),
  });
  const issuedAt = nowIso(ctx);
  const data = await awardLetterData(trx, ctx, applicationId, { reference, issuedAt }, { ...known, application: app });
  // The whole wording is checked now (data, de minimis ceiling, template), so a letter that cannot
  // be made refuses the approval; only the layout into PDF is left for after the commit.
  const markup = renderAwardLetterMarkup(data);

  await trx("pending_award_letters").insert({
    application_id: applicationId, reference, language: data.language, issued_at: issuedAt, issued_by: issuedBy, data_json: JSON.stringify(data),
  });
  await trx("applications").where({ id: applicationId }).update({ reference });
  return { applicationId, reference, issuedBy, data, markup };
}

function isDecided(letter: DecidedLetter | IssuedLetter): letter is DecidedLetter {
  return "data" in letter;
}

/** Stores the rendered letter in the caller's transaction, unless it is stored already. */
async function storeRendered(trx: Trx, ctx: ServiceContext, letter: DecidedLetter, pdf: Buffer): Promise<IssuedLetter> {
  // The pending row is the claim on the work: whoever holds it stores, anyone later finds it gone.
  const q = trx("pending_award_letters").where({ application_id: letter.applicationId }).first("reference");
  const pending = isPostgres(trx) ? await q.forUpdate() : await q;
  if (!pending) {
    const stored = await trx("award_letters").where({ application_id: letter.applicationId }).first("reference", "sha256");
    if (!stored) throw new NotFoundError(msg("errors:letters.noLetter"));
    return { reference: stored.reference, sha256: stored.sha256 };
  }
  const sha256 = sha256Hex(pdf);
  const { data } = letter;
  await trx("award_letters").insert({
    application_id: letter.applicationId, reference: letter.reference, language: data.language, pdf, sha256,
    issued_at: data.issuedAt, issued_by: letter.issuedBy, data_json: JSON.stringify(data),
  });
  await trx("pending_award_letters").where({ application_id: letter.applicationId }).delete();
  await audit(trx, ctx, {
    action: "letter.issued", entityType: "application", entityId: letter.applicationId,
    after: { reference: letter.reference, sha256, issuedAt: data.issuedAt, language: data.language },
  });
  return { reference: letter.reference, sha256 };
}

/**
 * The letters this process is writing now, per database and application: whoever needs one of them
 * (its page, its download, the sweep) waits for that write instead of rendering the letter again.
 */
const writing = new WeakMap<Db, Map<number, Promise<IssuedLetter>>>();

function writesOn(db: Db): Map<number, Promise<IssuedLetter>> {
  let writes = writing.get(db);
  if (!writes) writing.set(db, (writes = new Map<number, Promise<IssuedLetter>>()));
  return writes;
}

/**
 * Writes the decided letter's PDF outside any transaction and stores it with its SHA-256 in a
 * short one. Safe to call more than once and from several servers: the letter is stored once.
 */
export function storeAwardLetter(ctx: ServiceContext, letter: DecidedLetter | IssuedLetter): Promise<IssuedLetter> {
  if (!isDecided(letter)) return Promise.resolve(letter);
  const writes = writesOn(ctx.db);
  const under = writes.get(letter.applicationId);
  if (under) return under;
  const write = (async () => {
    const pdf = await renderAwardLetterInWorker(letter.data, letter.markup);
    return inTransaction(ctx, (trx) => storeRendered(trx, ctx, letter, pdf));
  })().finally(() => writes.delete(letter.applicationId));
  writes.set(letter.applicationId, write);
  return write;
}

/** Settles once the letter this process is writing for the application, if any, is stored or has failed. */
async function writeUnderWay(db: Db, applicationId: number): Promise<void> {
  await writesOn(db).get(applicationId)?.catch(() => undefined);
}

/** Settles once every letter this process has started writing on `db` is stored or has failed (shutdown, tests). */
export async function lettersWritten(db: Db): Promise<void> {
  await Promise.allSettled([...writesOn(db).values()]);
}

/** A letter as its application's pages show it: `sha256` is null while the PDF is still being written. */
export interface LetterOnRecord {
  reference: string;
  sha256: string | null;
  issuedAt: string;
}

/**
 * The application's award letter, stored or still being written. A write under way in this
 * process is waited for (it takes a few milliseconds), so the page after an approval shows the
 * stored letter; a letter another server is writing, or whose write failed, shows as pending.
 */
export async function letterOnRecord(db: Db, applicationId: number): Promise<LetterOnRecord | null> {
  await writeUnderWay(db, applicationId);
  const stored = await db("award_letters").where({ application_id: applicationId }).first("reference", "sha256", "issued_at");
  if (stored) return { reference: stored.reference, sha256: stored.sha256, issuedAt: stored.issued_at };
  const pending = await db("pending_award_letters").where({ application_id: applicationId }).first("reference", "issued_at");
  return pending ? { reference: pending.reference, sha256: null, issuedAt: pending.issued_at } : null;
}

/**
 * Makes sure the application's letter is stored before a download reads it: a write under way in
 * this process is waited for, and a letter decided but not yet stored is written now (as the sweep
 * would), so a download never waits for the sweep.
 */
async function letterStored(ctx: ServiceContext, applicationId: number): Promise<void> {
  await writeUnderWay(ctx.db, applicationId);
  const state = await letterState(ctx.db, applicationId);
  // Finishing the approval's letter is the product's own work, not the reader's.
  if (state.kind === "pending") await storeAwardLetter({ ...ctx, actor: null }, state.letter);
}

/**
 * Decides, writes and stores the letter all in the caller's transaction (for callers that hold no
 * contended lock, and tests). Idempotent: an application that already has a letter gets that
 * letter back unchanged.
 */
export async function issueAwardLetter(trx: Trx, ctx: ServiceContext, applicationId: number): Promise<IssuedLetter> {
  const letter = await decideAwardLetter(trx, ctx, applicationId);
  if (!isDecided(letter)) return letter;
  return storeRendered(trx, ctx, letter, await renderAwardLetter(letter.data, letter.markup));
}

/**
 * Stores every letter an approval decided but whose PDF was never stored (the server stopped in
 * between); run at start-up before the server listens, and by the daily jobs and a periodic
 * sweep. `olderThanMs` leaves alone letters whose own approval is probably still storing them.
 * Returns how many it stored.
 */
export async function storePendingLetters(ctx: ServiceContext, opts: { olderThanMs?: number } = {}): Promise<number> {
  const q = ctx.db("pending_award_letters").orderBy("application_id");
  if (opts.olderThanMs !== undefined) q.where("issued_at", "<", new Date(ctx.now().getTime() - opts.olderThanMs).toISOString());
  const ids = await q.pluck("application_id");
  let stored = 0;
  for (const id of ids) {
    const state = await letterState(ctx.db, Number(id));
    if (state.kind !== "pending") continue;
    await storeAwardLetter(ctx, state.letter);
    stored++;
  }
  return stored;
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
  await letterStored(ctx, app.id);
  const row = await ctx.db("award_letters").where({ application_id: app.id }).first("reference", "pdf", "sha256");
  if (!row) throw new NotFoundError(msg("errors:letters.noLetter"));
  return { ...toStoredLetterFile(row), cancelled: app.state === "cancelled" };
}

/**
 * The English reference rendering of an application's issued letter (never stored, never the
 * letter): for staff who may see the application.
 */
export async function getReferenceLetter(ctx: ServiceContext, applicationId: number): Promise<{ reference: string; language: string; pdf: Buffer }> {
  const app = await loadApplication(ctx, applicationId);
  await letterStored(ctx, app.id);
  const row = await ctx.db("award_letters").where({ application_id: app.id }).first("reference", "language", "data_json");
  if (!row) throw new NotFoundError(msg("errors:letters.noLetter"));
  if (row.data_json === null) throw new NotFoundError(msg("errors:letters.noReferenceRendering"));
  const data = JSON.parse(row.data_json) as AwardLetterData;
  return { reference: row.reference, language: row.language, pdf: await renderReferenceLetter(data) };
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
  /** The language the letter was issued in. */
  language: string;
  status: "issued" | "cancelled";
}

export interface VerifyResult {
  genuine: boolean;
  /** Shown on the public /verify page, in the reader's language. */
  reason: Message;
  /** Only for a genuine letter: whoever holds the file already knows all of this. */
  letter?: VerifiedLetter;
}

type VerifiedRow = Pick<AwardLettersRow, "reference" | "sha256" | "issued_at" | "language"> & Pick<ApplicationsRow, "approved_cents" | "state">
  & { legal_name: string; vt_name: string };

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
  const fields: FieldTexts = {};
  const reference = normaliseReference(input.reference ?? "");
  if (!REFERENCE.test(reference)) fields.reference = msg("errors:letters.reference");
  const hashes: string[] = [];
  if (input.sha256 !== undefined && input.sha256.trim() !== "") {
    const h = normaliseSha256(input.sha256);
    if (/^[0-9a-f]{64}$/.test(h)) hashes.push(h);
    else fields.sha256 = msg("errors:letters.sha256");
  }
  if (input.pdf !== undefined) {
    if (input.pdf.length === 0) fields.pdf = msg("errors:letters.emptyFile");
    else hashes.push(sha256Hex(input.pdf));
  }
  if (hashes.length === 0 && !fields.sha256 && !fields.pdf) fields.pdf = msg("errors:letters.choosePdf");
  if (Object.keys(fields).length > 0) throw new ValidationError(msg("errors:letters.notChecked"), fields);

  const row = await db("award_letters as l")
    .join("applications as a", "a.id", "l.application_id")
    .join("companies as co", "co.id", "a.company_id")
    .join("voucher_types as vt", "vt.id", "a.voucher_type_id")
    .where("l.reference", reference)
    .first<VerifiedRow | undefined>("l.reference", "l.sha256", "l.issued_at", "l.language", "a.approved_cents", "a.state", "co.legal_name", "vt.name as vt_name");
  if (!row) {
    return { genuine: false, reason: msg("errors:letters.verifyUnknown", { reference }) };
  }
  const stored = Buffer.from(row.sha256, "hex");
  const matches = hashes.every((h) => {
    const given = Buffer.from(h, "hex");
    return given.length === stored.length && timingSafeEqual(given, stored);
  });
  if (!matches) {
    return {
      genuine: false,
      reason: msg("errors:letters.verifyDiffers", { reference }),
    };
  }
  const cancelled = row.state === "cancelled";
  return {
    genuine: true,
    reason: cancelled
      ? msg("errors:letters.verifyCancelled", { reference })
      : msg("errors:letters.verifyGenuine", { reference }),
    letter: {
      reference: row.reference,
      companyName: row.legal_name,
      voucherTypeName: row.vt_name,
      amountCents: dbCents(row.approved_cents ?? 0),
      issuedAt: row.issued_at,
      language: row.language,
      status: cancelled ? "cancelled" : "issued",
    },
  };
}
