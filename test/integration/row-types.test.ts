import { expect } from "chai";
import { readFileSync } from "node:fs";
import { ROW_TYPES_FILE } from "../../server/cli/db-types";
import { createDb, isPostgres } from "../../server/db/connection";
import { schemaRowTypes } from "../../server/db/schema-types";
import { migrate } from "../../server/db/connection";
import { testDatabases } from "../support/db";

/** What each PostgreSQL column type comes back as, named as the generated row types name it. */
const PG_TYPES: Record<string, string> = {
  bigint: "DbBigint", integer: "number", boolean: "DbBoolean", text: "string", "character varying": "string",
  "timestamp with time zone": "DbTimestamp", json: "DbJson", jsonb: "DbJson", bytea: "Buffer", "double precision": "number", real: "number",
};

function committedColumnTypes(): Map<string, string> {
  const types = new Map<string, string>();
  let table = "";
  for (const line of readFileSync(ROW_TYPES_FILE, "utf8").split("\n")) {
    const head = /^export interface (\w+)Row \{/.exec(line);
    if (head?.[1]) table = head[1];
    const column = /^ {2}(\w+): (\w+)/.exec(line);
    if (table && column?.[1] && column[2]) types.set(`${table}.${column[1]}`, column[2]);
  }
  return types;
}

describe("row types of the tables (server/db/tables/rows.ts)", () => {
  it("are the ones the migrations define (run `npm run db:types` after adding a migration)", async () => {
    const db = createDb({ sqliteFile: ":memory:" });
    try {
      await migrate(db);
      expect(readFileSync(ROW_TYPES_FILE, "utf8")).to.equal(await schemaRowTypes(db));
    } finally {
      await db.destroy();
    }
  });

  for (const engine of testDatabases().filter((d) => d.name === "postgres")) {
    it("describe what PostgreSQL returns for every column", async () => {
      const db = await engine.create();
      try {
        expect(isPostgres(db)).to.equal(true);
        const columns = await db.raw<{ rows: { table_name: string; column_name: string; data_type: string }[] }>(
          "select table_name, column_name, data_type from information_schema.columns where table_schema = current_schema() and table_name not like 'knex_%'",
        );
        const committed = committedColumnTypes();
        const pascal = (t: string) => t.split("_").map((w) => (w[0] ?? "").toUpperCase() + w.slice(1)).join("");
        const mismatches = columns.rows
          .map((c) => ({ column: `${pascal(c.table_name)}.${c.column_name}`, pg: PG_TYPES[c.data_type] ?? c.data_type }))
          .filter((c) => committed.get(c.column) !== c.pg);
        expect(mismatches).to.deep.equal([]);
        expect(columns.rows.length).to.be.greaterThan(100);
      } finally {
        await db.destroy();
      }
    });
  }
});
