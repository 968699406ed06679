import { expect } from "chai";
import fc from "fast-check";
import { testDatabases } from "../support/db";
import { fieldsOf, INPUT_CASES, type InputCase } from "./input/cases";
import { snapshot, startWorld, type World } from "./input/world";

/*
 * Random and hostile values sent to every form, list page and record path as its rightful user:
 * never a 5xx, and a refused request (4xx) changes nothing (every table but the sessions, the
 * audit log included, compared before and after).
 */

type Value = string | string[] | Record<string, string>;

const HOSTILE = [
  "", " ", "\u0000", "a\u0000b", "\u202Eevil.pdf", "\u200F\u200E", "\u2066x\u2069", "æøåß", "\t\r\n", "0x1", "0X10", "1e3", "-1", "0", "01",
  "2147483648", "99999999999999999999", "1.5", "NaN", "Infinity", "2026-02-30", "0000-01-01", "9999-12-31", "2026-13-01", "1989-12-31",
  "on", "true", "verify", "MG", "<script>alert(1)</script>", "' or 1=1 --", "%00", "4.000,00", "4,000.00", "-0", "€",
];

const value: fc.Arbitrary<Value> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 201, max: 70_000 }).map((n) => "x".repeat(n)) },
  // A repeated key (`a=1&a=2`) and a nested key (`a[b]=1`).
  { weight: 2, arbitrary: fc.array(fc.constantFrom(...HOSTILE.slice(0, 12), "1", "2"), { minLength: 2, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom("a", "0", "__proto__"), fc.constantFrom("1", "x"), { minKeys: 1, maxKeys: 2 }) },
);

function encode(params: Record<string, Value>): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === "string") out.append(k, v);
    else if (Array.isArray(v)) for (const x of v) out.append(k, x);
    else for (const [sub, x] of Object.entries(v)) out.append(`${k}[${sub}]`, x);
  }
  return out.toString();
}

const inputs = (names: string[]) => fc.dictionary(fc.constantFrom(...names, "_extra"), value, { maxKeys: names.length + 1 });

// Ids in a path are read as positive decimal integers in range, or the page is a 404.
const HOSTILE_IDS = ["0x1", "1e3", "0", "-1", "01", "2147483648", "99999999999", "1.0", "%00", "%E2%80%AE1", "1%20"];

const RUNS = 4;

for (const engine of testDatabases()) {
  describe(`generated hostile input (${engine.name})`, function () {
    this.timeout(300000);
    let w: World;
    before(async () => { w = await startWorld(engine); });
    after(() => w.db.destroy());

    // The state after one request is the state before the next: one snapshot per request.
    let baseline: string | null = null;
    async function check(key: string, c: InputCase, send: () => Promise<{ status: number; text: string | undefined }>): Promise<number> {
      baseline ??= await snapshot(w.db);
      const res = await send();
      if (res.status < 400) w.forget(c.as);
      expect(res.status, `${key}: ${(res.text ?? "").slice(0, 400)}`).to.be.lessThan(500);
      const after = await snapshot(w.db);
      if (res.status >= 400) expect(after, `${key} was refused with ${res.status} but changed the database`).to.equal(baseline);
      baseline = after;
      return res.status;
    }

    const forms = Object.entries(INPUT_CASES).filter(([k, c]) => k.startsWith("POST ") && c.fields && !c.endsSession);
    it(`every form (${forms.length}) answers random and hostile values with no 5xx and changes nothing when it refuses`, async () => {
      for (const [key, c] of forms) {
        await fc.assert(fc.asyncProperty(inputs(fieldsOf(c, w.ids)), async (body) => {
          const token = await w.token(c.as);
          await check(key, c, () => w.agent(c.as).post(c.path(w.ids)).type("form").send(`${encode(body)}&_csrf=${encodeURIComponent(token)}`));
        }), { numRuns: RUNS });
      }
    });

    const lists = Object.entries(INPUT_CASES).filter(([k, c]) => k.startsWith("GET ") && c.query);
    it(`every list page (${lists.length}) answers hostile query strings, repeated keys included, with no 5xx`, async () => {
      for (const [key, c] of lists) {
        await fc.assert(fc.asyncProperty(inputs(c.query!), async (query) => {
          await check(key, c, () => w.agent(c.as).get(`${c.path(w.ids)}?${encode(query)}`));
        }), { numRuns: RUNS });
      }
    });

    const withIds = Object.entries(INPUT_CASES).filter(([k]) => /:id\b|:callId\b/.test(k));
    it(`every route with a record id (${withIds.length}) answers a hostile id with a 4xx and changes nothing`, async () => {
      for (const [key, c] of withIds) {
        const method = key.split(" ")[0];
        await fc.assert(fc.asyncProperty(fc.constantFrom(...HOSTILE_IDS), async (id) => {
          const target = c.path(w.ids).replace(/\/\d+(?=\/|$)/, `/${id}`);
          if (method === "GET") {
            expect((await w.agent(c.as).get(target)).status, `${key} with id ${id}`).to.be.within(400, 499);
            return;
          }
          const token = await w.token(c.as);
          const status = await check(`${key} with id ${id}`, c, () => w.agent(c.as).post(target).type("form").send(`_csrf=${encodeURIComponent(token)}`));
          expect(status, `${key} with id ${id}`).to.be.within(400, 499);
        }), { numRuns: 3 });
      }
    });
  });
}
