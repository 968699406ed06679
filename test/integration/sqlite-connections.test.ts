import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { createDb, type Db, migrate, preparedReadsKept } from "../../server/db/connection";

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
    expect(ids.length, "few enough values for the reads to be kept").to.be.within(1, 30);
    // 600 different texts (a column name each) on a transaction's one connection, all at once:
    // more than a connection keeps prepared.
    const countAs = (q: Db, i: number) => q("turns").whereIn("id", ids).count<Record<string, number>[]>({ [`n${i}`]: "*" }).then((r) => Number(r[0]?.[`n${i}`]));
    let kept = -1;
    const counts = await db.transaction(async (trx) => {
      const all = await Promise.all(Array.from({ length: 600 }, (_, i) => countAs(trx, i)));
      // A transaction's client hands out the transaction's one connection.
      const client = trx.client as { acquireConnection(): Promise<object> };
      kept = preparedReadsKept(await client.acquireConnection());
      return all;
    });
    expect(new Set(counts)).to.deep.equal(new Set([ids.length]));
    expect(kept, "the oldest statements were let go").to.equal(500);
    // And again, on whichever connections: the texts kept and those let go answer alike.
    const again = await Promise.all([0, 1, 599].map((i) => countAs(db, i)));
    expect(again).to.deep.equal([ids.length, ids.length, ids.length]);
  });

  it("runs SQL with a placeholder and no value as SQLite does (NULL), never with an earlier query's value", async () => {
    const [first] = await db("turns").orderBy("id").limit(1).pluck<number[]>("id");
    expect(await db("turns").whereRaw("id = ?", [Number(first)]).select("id")).to.have.length(1);
    expect(await db("turns").whereRaw("id = ?").select("id")).to.deep.equal([]);
  });
});
