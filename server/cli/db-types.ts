import { writeFileSync } from "node:fs";
import path from "node:path";
import { createDb, migrate } from "../db/connection";
import { schemaRowTypes } from "../db/schema-types";

export const ROW_TYPES_FILE = path.resolve(__dirname, "../db/tables/rows.ts");

async function main(): Promise<void> {
  const db = createDb({ sqliteFile: ":memory:" });
  try {
    await migrate(db);
    writeFileSync(ROW_TYPES_FILE, await schemaRowTypes(db));
    console.log(`Wrote the row types to ${path.relative(process.cwd(), ROW_TYPES_FILE)}`);
  } finally {
    await db.destroy();
  }
}

if (require.main === module) void main().catch((err: unknown) => { console.error(err); process.exitCode = 1; });
