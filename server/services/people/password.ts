import { verify } from "@node-rs/argon2";
import { UnauthenticatedError, ValidationError } from "../../errors";
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
  const fields: Record<string, string> = {};
  if (!(await verify(user.password_hash, currentPassword).catch(() => false))) fields.currentPassword = "This is not your current password.";
  if (newPassword.length < MIN_PASSWORD_LENGTH) fields.newPassword = `The new password must be at least ${MIN_PASSWORD_LENGTH} characters long.`;
  else if (newPassword === currentPassword) fields.newPassword = "Choose a password different from the current one.";
  if (Object.keys(fields).length) throw new ValidationError("The password was not changed.", fields);
  const hash = await hashPassword(newPassword);
  return inTransaction(ctx, async (trx) => {
    await trx("users").where({ id: actor.id }).update({ password_hash: hash });
    const ended = await endSessionsOfUser({ db: trx }, actor.id, currentSid);
    await audit(trx, ctx, { action: "user.password-changed", entityType: "user", entityId: actor.id, after: { otherSessionsEnded: ended } });
    return ended;
  });
}
