import { expect } from "chai";
import type { Db } from "../../server/db/connection";
import { columnCursor, keysetPage, type Cursor } from "../../server/services/platform/keyset";
import { testDatabases } from "../support/db";

/*
 * Keyset pages on both engines, in both orders: walking forward from the first page and back from
 * the last visits every row once, in the list's order, whatever the page size.
 */

type Row = { id: number; at: string };

for (const engine of testDatabases()) {
  describe(`platform: keyset pages (integration, ${engine.name})`, function () {
    this.timeout(30000);
    let db: Db;
    // Ids interleave with times, and pairs share a time, so the second key column decides.
    const rows: Row[] = Array.from({ length: 23 }, (_, i) => ({ id: i + 1, at: `2027-01-${String(10 + Math.floor(((i * 7) % 23) / 2)).padStart(2, "0")}T09:00:00.000Z` }));

    before(async () => {
      db = await engine.create();
      await db.schema.createTable("keyset_probe", (t) => { t.integer("id").primary(); t.string("at").notNullable(); });
      await db("keyset_probe").insert(rows);
    });
    after(() => db.destroy());

    const page = (order: "asc" | "desc", cursor: Cursor, size: number) => keysetPage(
      db("keyset_probe").select("id", "at"), ["at", "id"], cursor, size,
      (r: Row) => ({ id: Number(r.id), at: r.at }), (r) => `${r.at}~${r.id}`, order);
    const cursorOf = (key: string, side: "after" | "before"): Cursor => {
      const [at, id] = key.split("~");
      const values = [at ?? "", Number(id)];
      return side === "after" ? { after: values, before: null } : { after: null, before: values };
    };
    const sorted = (order: "asc" | "desc") => {
      const ids = [...rows].sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id).map((r) => r.id);
      return order === "asc" ? ids : ids.reverse();
    };

    for (const order of ["asc", "desc"] as const) {
      for (const size of [1, 5, 23, 30]) {
        it(`walks ${order} pages of ${size} forward and back, every row once`, async () => {
          const forward: number[] = [];
          let current = await page(order, { after: null, before: null }, size);
          expect(current.hasPrevious).to.equal(false);
          const pages = [current];
          forward.push(...current.rows.map((r) => r.id));
          while (current.nextKey) {
            current = await page(order, cursorOf(current.nextKey, "after"), size);
            expect(current.hasPrevious).to.equal(true);
            pages.push(current);
            forward.push(...current.rows.map((r) => r.id));
          }
          expect(forward).to.deep.equal(sorted(order));
          expect(pages).to.have.length(Math.ceil(rows.length / size));

          // Back from the last page: each page before is the one walked forward.
          for (let i = pages.length - 1; i > 0; i--) {
            const prevKey = pages[i]?.prevKey;
            expect(prevKey, `page ${i + 1} links back`).to.be.a("string");
            const back = await page(order, cursorOf(prevKey ?? "", "before"), size);
            expect(back.rows.map((r) => r.id)).to.deep.equal(pages[i - 1]?.rows.map((r) => r.id));
            expect(back.hasPrevious).to.equal(i - 1 > 0);
            expect(back.nextKey).to.be.a("string");
          }
        });
      }
    }

    it("pages a list keyed by one column newest first", async () => {
      const first = await keysetPage(db("keyset_probe").select("id"), ["id"], columnCursor(undefined, undefined), 10, (r: { id: number }) => Number(r.id), String, "desc");
      expect(first.rows).to.deep.equal([23, 22, 21, 20, 19, 18, 17, 16, 15, 14]);
      const third = await keysetPage(db("keyset_probe").select("id"), ["id"], columnCursor("4", undefined), 10, (r: { id: number }) => Number(r.id), String, "desc");
      expect(third.rows).to.deep.equal([3, 2, 1]);
      expect(third.nextKey).to.equal(null);
      const before = await keysetPage(db("keyset_probe").select("id"), ["id"], columnCursor(undefined, "3"), 10, (r: { id: number }) => Number(r.id), String, "desc");
      expect(before.rows).to.deep.equal([13, 12, 11, 10, 9, 8, 7, 6, 5, 4]);
    });
  });
}
