import { loadConfig } from "../config";
import { createDb, type Db } from "../db/connection";
import { verifyAuditChain } from "../services/platform/audit-chain";

/*
 * `npm run audit:verify`: checks the whole audit chain, a batch at a time, and names the first
 * entry that does not match. Exit code 0 when the chain holds, 1 when it is broken (or the check
 * could not run), so a scheduler or an auditor's script can act on it.
 */
export async function auditVerifyCommand(db: Db, out: (line: string) => void): Promise<number> {
  const state = await verifyAuditChain(db);
  if (state.ok) {
    out(state.lastId === null
      ? "The audit log is empty: nothing to verify."
      : `The audit chain holds: ${state.entries} entries verified, up to entry ${state.lastId} (hash ${state.lastHash ?? ""}).`);
    return 0;
  }
  out(`The audit chain is broken at entry ${state.brokenAt}: ${state.reason}.`);
  out(state.verifiedUpTo === null ? "No entry before it could be verified." : `Entries up to ${state.verifiedUpTo} (${state.entries} entries) verified.`);
  return 1;
}

if (require.main === module) {
  (async () => {
    const config = loadConfig();
    const db = createDb({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
    try {
      process.exitCode = await auditVerifyCommand(db, (line) => process.stdout.write(`${line}\n`));
    } finally {
      await db.destroy();
    }
  })().catch((err: unknown) => {
    process.stderr.write(`The audit chain could not be checked: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
