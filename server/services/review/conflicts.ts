import { msg } from "../../domain/message";
import { ForbiddenError, ValidationError } from "../../errors";
import type { Db } from "../../db/connection";
import { toConflict, toConflictListed, type Conflict, type ConflictListed, type ConflictListedRow } from "../../db/tables/conflicts-of-interest";
import type { ConflictsOfInterestRow, UsersRow } from "../../db/tables/rows";
import { dbBool } from "../../db/tables/values";
import { handoverTarget } from "../../domain/conflict-handover";
import { audit } from "../platform/audit";
import { type Application, loadApplication } from "../applications/records";
import type { ServiceContext, Trx } from "../platform/context";
import { inTransaction, nowIso } from "../platform/context";

/*
 * Conflicts of interest (R10): a manager who declares one may still see the application but not
 * decide it or its claim; it is handed to another manager of the same partner, or else to an
 * administrator (handoverTarget in the domain decides who).
 */

export function requireDecider(ctx: ServiceContext) {
  const a = ctx.actor;
  if (!a || (a.role !== "manager" && a.role !== "admin")) throw new ForbiddenError(msg("errors:review.onlyDeciders"));
  return a;
}

export async function conflictOf(db: Db | Trx, applicationId: number, userId: number): Promise<Conflict | null> {
  const r = await db("conflicts_of_interest").where({ application_id: applicationId, user_id: userId }).first();
  return r ? toConflict(r) : null;
}

export interface Handover { userId: number; name: string; role: string }

/** Who decides the application now after the conflicts declared on it: the latest hand-over. */
export async function currentHandover(db: Db | Trx, applicationId: number): Promise<Handover | null> {
  return (await conflictsOn(db, applicationId, null)).handover;
}

export interface ApplicationConflicts {
  /** Oldest first, as the review page lists them. */
  listed: ConflictListed[];
  /** The one `userId` declared, if any. */
  own: Conflict | null;
  handover: Handover | null;
}

type ConflictOnRow = ConflictListedRow & Pick<ConflictsOfInterestRow, "user_id" | "handed_to_user_id"> & { handed_to_role: UsersRow["role"] | null };

/** The conflicts declared on an application, read once: the list, `userId`'s own and the latest hand-over. */
export async function conflictsOn(db: Db | Trx, applicationId: number, userId: number | null): Promise<ApplicationConflicts> {
  const rows = await db("conflicts_of_interest as c").join("users as u", "u.id", "c.user_id").leftJoin("users as h", "h.id", "c.handed_to_user_id")
    .where("c.application_id", applicationId).orderBy("c.id")
    .select<ConflictOnRow[]>("c.user_id", "c.handed_to_user_id", "u.name", "c.reason", "c.declared_at", "h.name as handed_to_name", "h.role as handed_to_role");
  const own = rows.find((r) => r.user_id === userId);
  const last = rows.filter((r) => r.handed_to_user_id !== null).at(-1);
  return {
    listed: rows.map(toConflictListed),
    own: own ? toConflict(own) : null,
    handover: last?.handed_to_user_id != null ? { userId: last.handed_to_user_id, name: last.handed_to_name ?? "", role: last.handed_to_role ?? "" } : null,
  };
}

/** A manager who declared a conflict of interest may see the application but not decide it or its claim. */
export async function assertNoConflict(db: Db | Trx, ctx: ServiceContext, app: Pick<Application, "id">): Promise<void> {
  if (!ctx.actor) return;
  const coi = await conflictOf(db, app.id, ctx.actor.id);
  if (coi) {
    const to = await currentHandover(db, app.id);
    const who = to ? msg("errors:review.conflictHandedTo", { name: to.name }) : msg("errors:review.conflictSomeoneElse");
    throw new ForbiddenError(msg("errors:review.conflictDeclared", { reason: coi.reason, who }), "conflict_of_interest");
  }
}

/** Everyone who could take over, as the domain rule (handoverTarget) reads them. */
async function handoverCandidates(trx: Trx, app: Application) {
  const conflicted = new Set(await trx("conflicts_of_interest").where({ application_id: app.id }).pluck("user_id"));
  return (await trx("users").whereIn("role", ["manager", "admin"]).select("id", "name", "role", "partner_id", "active")).map((u) => ({
    id: u.id, name: u.name, role: u.role, partnerId: u.partner_id, active: dbBool(u.active), conflicted: conflicted.has(u.id),
  }));
}

export async function declareConflict(ctx: ServiceContext, applicationId: number, reason: string): Promise<{ handedTo: string | null }> {
  const actor = requireDecider(ctx);
  if (!reason.trim()) throw new ValidationError(msg("errors:review.conflictReasonMissing"), { reason: msg("errors:review.enterReason") });
  return inTransaction(ctx, async (trx) => {
    const app = await loadApplication(ctx, applicationId, trx);
    if (await conflictOf(trx, app.id, actor.id)) return { handedTo: (await currentHandover(trx, app.id))?.name ?? null };
    const target = handoverTarget(await handoverCandidates(trx, app), app, actor.id);
    await trx("conflicts_of_interest").insert({
      application_id: app.id, user_id: actor.id, reason: reason.trim(), declared_at: nowIso(ctx), handed_to_user_id: target?.id ?? null,
    });
    await audit(trx, ctx, {
      action: "application.conflict-declared", entityType: "application", entityId: app.id,
      after: { userId: actor.id, reason: reason.trim(), handedToUserId: target?.id ?? null },
    });
    return { handedTo: target?.name ?? null };
  });
}
