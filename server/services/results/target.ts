import { msg } from "../../domain/message";
import { ValidationError } from "../../errors";
import { audit } from "../platform/audit";
import { inTransaction, type ServiceContext } from "../platform/context";

/** Sets the programme's target of distinct international cooperations (the dashboard's reference line). */
export async function setCooperationTarget(ctx: ServiceContext, target: number): Promise<void> {
  if (!Number.isInteger(target) || target < 1 || target > 100_000) {
    throw new ValidationError(msg("errors:results.targetNotSaved"), { target: msg("errors:results.target", { min: 1, max: 100000 }) });
  }
  await inTransaction(ctx, async (trx) => {
    const scheme = await trx("schemes").orderBy("id").first("id", "cooperation_target");
    if (!scheme) throw new ValidationError(msg("errors:results.noScheme"), {});
    await trx("schemes").where({ id: scheme.id }).update({ cooperation_target: target });
    await audit(trx, ctx, { action: "results.target_set", entityType: "scheme", entityId: scheme.id, before: { cooperationTarget: scheme.cooperation_target }, after: { cooperationTarget: target } });
  });
}
