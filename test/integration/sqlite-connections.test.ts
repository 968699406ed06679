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

  /*
   * Reads keep their prepared statement per connection. A kept statement must hold no snapshot of
   * the database: if it did, a later read on that connection would not see newer commits, and
   * SQLite could never empty its write-ahead log.
   */
  it("keeps reads prepared without holding on to the database: later commits are seen and the log can be emptied", async () => {
    await db("turns").insert({ what: "before" });
    const everyConnection = () => Promise.all([1, 2, 3].map(() => db("turns").where("id", ">", 0).orderBy("id").pluck("what")));
    for (const seen of await everyConnection()) expect(seen).to.include("before");
    await db("turns").insert({ what: "after" });
    for (const seen of await everyConnection()) expect(seen.at(-1)).to.equal("after");
    const [checkpoint] = await db.raw<{ busy: number; log: number }[]>("PRAGMA wal_checkpoint(TRUNCATE)");
    expect(checkpoint, "no reader holds an old snapshot").to.deep.include({ busy: 0, log: 0 });
  });

  it("refuses SQL that does not prepare with SQLite's own error, and does not keep it", async () => {
    const read = () => db("not_yet").select("id");
    let refused: unknown;
    try {
      await read();
    } catch (err) {
      refused = err;
    }
    expect(String(refused)).to.include("no such table: not_yet");
    await db.schema.createTable("not_yet", (t) => t.increments("id"));
    expect(await read()).to.deep.equal([]);
  });

  it("answers reads side by side on one connection while older prepared statements give way to newer ones", async () => {
    const ids = (await db("turns").pluck("id")).map(Number);
    // 600 different texts on a transaction's one connection, all at once: more than it keeps prepared.
    const counts = await db.transaction((trx) => Promise.all(Array.from({ length: 600 }, (_, i) =>
      trx("turns").whereIn("id", [...ids, ...Array.from({ length: i }, (_x, k) => -1 - k)]).count<{ n: number }[]>({ n: "*" }).then((r) => Number(r[0]?.n)))));
    expect(new Set(counts)).to.deep.equal(new Set([ids.length]));
    // And again, on whichever connections: the texts kept and those let go answer alike.
    const again = await Promise.all([0, 1, 599].map((i) => db("turns").whereIn("id", [...ids, ...Array.from({ length: i }, (_x, k) => -1 - k)]).count<{ n: number }[]>({ n: "*" })));
    expect(again.map((r) => Number(r[0]?.n))).to.deep.equal([ids.length, ids.length, ids.length]);
  });
});
