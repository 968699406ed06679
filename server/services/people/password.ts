import { verify } from "@node-rs/argon2";
import { msg } from "../../domain/message";
import { UnauthenticatedError, ValidationError, type FieldTexts } from "../../errors";
import { audit } from "../platform/audit";
import { inTransaction, type ServiceContext } from "../platform/context";
import { endSessionsOfUser } from "./sessions";
import { hashPassword, MIN_PASSWORD_LENGTH } from "./users";

/** A signed-in user changes their password; whoever had it is signed out everywhere else. */
export async function changeOwnPassword(ctx: ServiceContext, currentSid: string, currentPassword: string, newPassword: string): Promise<number> {
  const actor = ctx.actor;
  if (!actor) throw new UnauthenticatedError();
  const user = await ctx.db("users").where({ id: actor.id }).first("password_hash");
  if (!user) throw new UnauthenticatedError();
  const fields: FieldTexts = {};
  if (!(await verify(user.password_hash, currentPassword).catch(() => false))) fields.currentPassword = msg("errors:people.notCurrentPassword");
  if (newPassword.length < MIN_PASSWORD_LENGTH) fields.newPassword = msg("errors:people.newPasswordTooShort", { min: MIN_PASSWORD_LENGTH });
  else if (newPassword === currentPassword) fields.newPassword = msg("errors:people.passwordUnchanged");
  if (Object.keys(fields).length) throw new ValidationError(msg("errors:people.passwordNotChanged"), fields);
  const hash = await hashPassword(newPassword);
  return inTransaction(ctx, async (trx) => {
    await trx("users").where({ id: actor.id }).update({ password_hash: hash });
    const ended = await endSessionsOfUser({ db: trx }, actor.id, currentSid);
    await audit(trx, ctx, { action: "user.password-changed", entityType: "user", entityId: actor.id, after: { otherSessionsEnded: ended } });
    return ended;
  });
}
