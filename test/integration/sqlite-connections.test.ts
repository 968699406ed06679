import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { createDb, type Db, migrate } from "../../server/db/connection";

/*
 * SQLite in one process (server/db/connection.ts): transactions run one at a time, and a read
 * outside a transaction does not wait behind them, neither behind the one that holds the write
 * lock nor behind those waiting for their turn.
 */
describe("SQLite connections in one process", () => {
  let db: Db;

  before(async () => {
    db = createDb({ sqliteFile: path.join(mkdtempSync(path.join(os.tmpdir(), "vd-conn-")), "test.sqlite") });
    await migrate(db);
    await db.schema.createTable("turns", (t) => {
      t.increments("id");
      t.string("what").notNullable();
    });
  });

  after(() => db.destroy());

  it("runs transactions one after the other while reads go on beside them", async () => {
    const events: string[] = [];
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    const transaction = (name: string, hold?: Promise<void>) => db.transaction(async (trx) => {
      events.push(`${name} begins`);
      await trx("turns").insert({ what: name });
      if (hold) await hold;
      events.push(`${name} commits`);
    });
    const first = transaction("first", firstHolds);
    // Let the first take the lock before the others ask for their turn.
    while (!events.includes("first begins")) await new Promise((r) => setTimeout(r, 5));
    const waiting = [transaction("second"), transaction("third"), transaction("fourth")];
    await new Promise((r) => setTimeout(r, 50));

    // Three transactions wait and one holds the lock, more than the pool has connections: a read
    // still gets one, and sees only what has been committed.
    const read = await Promise.race([
      db("turns").count<{ n: number }[]>({ n: "*" }).then((rows) => Number(rows[0]?.n)),
      new Promise<string>((r) => setTimeout(() => r("the read waited"), 2000)),
    ]);
    expect(read).to.equal(0);
    expect(events).to.deep.equal(["first begins"]);

    releaseFirst();
    await Promise.all([first, ...waiting]);
    expect(events).to.deep.equal([
      "first begins", "first commits", "second begins", "second commits", "third begins", "third commits", "fourth begins", "fourth commits",
    ]);
    expect(await db("turns").orderBy("id").pluck("what")).to.deep.equal(["first", "second", "third", "fourth"]);
  });

  it("gives a nested transaction its parent's turn instead of waiting for it", async () => {
    const result = await Promise.race([
      db.transaction(async (trx) => trx.transaction(async (inner) => {
        await inner("turns").insert({ what: "nested" });
        return "done";
      })),
      new Promise<string>((r) => setTimeout(() => r("the nested transaction waited for its parent"), 3000)),
    ]);
    expect(result).to.equal("done");
  });
});
