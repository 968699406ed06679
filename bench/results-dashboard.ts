/**
 * Results dashboard benchmark: a programme grown to 20,000 applications and 100,000 ledger
 * entries (with claims, payments, referrals and counterparts in every region), then the dashboard
 * page requested through the real app as an administrator, which runs every query and draws every
 * chart. Reports the time per request (first, median and slowest of the runs).
 *
 *   npm run bench:results                       # SQLite, 20,000 applications
 *   npm run bench:results -- 5000               # another application count
 *   BENCH_DATABASE_URL=postgresql://... npm run bench:results   # PostgreSQL (a fresh schema)
 *
 * The rows are bulk-inserted rather than made through the services: the subject is reading.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import knex from "knex";
import request from "supertest";
import { DEMO_TOTP_KEYS, seedDemo } from "../db/seeds/demo";
import { generateSync } from "otplib";
import { loadConfig } from "../server/config";
import { createDb, knexConfig, migrate, type Db } from "../server/db/connection";
import { createApp } from "../server/web/app";
import { searchKey } from "../server/domain/text-folding";

const NOW = new Date("2026-11-30T09:00:00.000Z");
const DAY = 86_400_000;
const STATES = ["submitted", "approved", "accepted", "claim-submitted", "claim-verified", "paid", "paid", "paid", "rejected", "expired", "withdrawn", "reserve-listed"];

const idOf = (row: unknown) => Number(typeof row === "object" && row !== null ? (row as { id: unknown }).id : row);
const iso = (ms: number) => new Date(ms).toISOString();

async function generate(db: Db, apps: number, entriesTarget: number): Promise<void> {
  const user = await db("users").where({ email: "admin@demo.test" }).first("id");
  const userId = idOf(user);
  const scheme = await db("schemes").first("id");
  const types = (await db("voucher_types").select("id")).map((t) => t.id);
  const partners = await db("partners").select("id", "region_id");
  const regions = (await db("regions").select("id")).map((r) => r.id);
  const calls: number[] = [];
  for (let c = 0; c < 6; c++) {
    const [row] = await db("calls").insert({ scheme_id: scheme?.id, title: `Bench call ${c + 1}`, description: "", opens_at: iso(NOW.getTime() - (700 - c * 100) * DAY),
      closes_at: iso(NOW.getTime() - (600 - c * 100) * DAY), status: "closed", created_by: userId, created_at: iso(NOW.getTime()), updated_at: iso(NOW.getTime()) }).returning("id");
    const callId = idOf(row);
    calls.push(callId);
    await db("budget_ceilings").insert([
      { call_id: callId, key: "total", label: "Total", ceiling_cents: 5_000_000_000, committed_cents: 0, released_cents: 0, paid_cents: 0 },
      ...partners.map((p) => ({ call_id: callId, key: `partner:${p.id}`, label: "Partner", ceiling_cents: 600_000_000, committed_cents: 0, released_cents: 0, paid_cents: 0 })),
    ]);
  }
  const companies: { id: number; region: number }[] = [];
  const companyRows = Array.from({ length: 2000 }, (_, i) => {
    const name = `Bench Life Science ${i} ApS`;
    const vat = `DK${20_000_000 + i}`;
    return {
      legal_name: name, vat_number: vat, search_key: searchKey(name, vat), address: "x", country: ["DK", "NL", "DE", "BE", "BE", "FR", "DE", "NL"][i % 8] ?? "DK",
      region_id: regions[i % regions.length], staff_headcount: 10, turnover_cents: 1, balance_sheet_cents: 1, created_at: iso(NOW.getTime()), updated_at: iso(NOW.getTime()),
    };
  });
  await db.batchInsert("companies", companyRows, 500);
  for (const r of await db("companies").where("legal_name", "like", "Bench %").select("id", "region_id")) companies.push({ id: r.id, region: Number(r.region_id) });

  const appRows = Array.from({ length: apps }, (_, i) => {
    const company = companies[i % companies.length] ?? { id: 1, region: regions[0] ?? 1 };
    const partner = partners.find((p) => p.region_id === company.region) ?? partners[0];
    const state = STATES[i % STATES.length] ?? "submitted";
    const submitted = NOW.getTime() - (600 - (i % 590)) * DAY;
    const decided = state === "submitted" || state === "withdrawn" ? null : submitted + (3 + (i % 40)) * DAY;
    const approved = decided !== null && !["rejected", "reserve-listed"].includes(state);
    const cp = regions[(i * 3 + 1) % regions.length] ?? 1;
    return {
      reference: `BENCH-${String(i + 1).padStart(6, "0")}`, call_id: calls[i % calls.length], company_id: company.id, voucher_type_id: types[i % types.length],
      partner_id: partner?.id, state, title: "Bench", description: "", objectives: "", expected_result: "",
      counterpart_name: `Counterpart ${i % 900}`, counterpart_region_id: cp === company.region ? regions[(i * 3 + 2) % regions.length] : cp,
      counterpart_country: null, counterpart_kind: ["company", "knowledge-institution", "expert", "facility"][i % 4],
      submitted_at: iso(submitted), decided_at: decided === null ? null : iso(decided), approved_on: approved && decided !== null ? iso(decided).slice(0, 10) : null,
      approved_cents: approved ? 400_000 : null, created_by: userId, created_at: iso(submitted), updated_at: iso(submitted),
    };
  });
  await db.batchInsert("applications", appRows, 500);
  const inserted = await db("applications").where("reference", "like", "BENCH-%").orderBy("id").select("id", "call_id", "state", "decided_at");

  // Claims and payments for the paid vouchers (service levels).
  const paid = inserted.filter((a) => a.state === "paid");
  await db.batchInsert("claims", paid.map((a) => {
    const decided = Date.parse(a.decided_at ?? iso(NOW.getTime()));
    return { application_id: a.id, status: "paid", report: "x", submitted_at: iso(decided + 60 * DAY), submitted_by: userId, verified_at: iso(decided + (70 + (a.id % 20)) * DAY), verified_by: userId, payable_cents: 400_000 };
  }), 500);
  const claims = await db("claims").join("applications as a", "a.id", "claims.application_id").where("a.reference", "like", "BENCH-%").select<{ id: number; application_id: number; verified_at: string | null }[]>("claims.id", "claims.application_id", "claims.verified_at");
  await db.batchInsert("payments", claims.map((c) => ({
    claim_id: c.id, application_id: c.application_id, amount_cents: 400_000, paid_on: iso(Date.parse(c.verified_at ?? "") + (2 + (c.id % 9)) * DAY).slice(0, 10),
    bank_reference: `B${c.id}`, iban: "DK5000400440116243", recorded_by: userId, recorded_at: iso(NOW.getTime()),
  })), 500);

  // Ledger: commits for the approved, then payments, releases, and reversing pairs up to the target count.
  const entries: Record<string, unknown>[] = [];
  const approvedApps = inserted.filter((a) => !["submitted", "withdrawn", "rejected", "reserve-listed"].includes(a.state));
  let k = 0;
  while (entries.length < entriesTarget) {
    for (const a of approvedApps) {
      if (entries.length >= entriesTarget) break;
      const at = iso(Date.parse(a.decided_at ?? iso(NOW.getTime())) + (k % 200) * DAY);
      const kind = k === 0 ? "commit" : (["payment", "release", "commit"] as const)[k % 3] ?? "commit";
      entries.push({ call_id: a.call_id, application_id: a.id, kind, amount_cents: k === 0 ? 400_000 : (k % 2 ? 1 : -1) * 100, ceiling_keys: '["total"]',
        idempotency_key: `bench:${a.id}:${k}`, actor_user_id: userId, at });
    }
    k++;
  }
  await db.batchInsert("ledger_entries", entries, 500);

  const orgs = await db("directory_organisations").select("id");
  await db.batchInsert("referrals", Array.from({ length: 3000 }, (_, i) => ({
    company_id: companies[i % companies.length]?.id, organisation_id: orgs[i % Math.max(1, orgs.length)]?.id, manager_id: userId, note: "", created_at: iso(NOW.getTime() - (i % 500) * DAY),
  })), 500);
}

async function open(): Promise<{ db: Db; cleanup: () => Promise<void>; engine: string }> {
  const url = process.env.BENCH_DATABASE_URL;
  if (url) {
    const schema = `bench_${randomBytes(4).toString("hex")}`;
    const admin = knex({ client: "pg", connection: url });
    await admin.raw(`create schema ${schema}`);
    const db = knex({ ...knexConfig({ databaseUrl: url }), searchPath: [schema] });
    await migrate(db);
    return { db, engine: "PostgreSQL", cleanup: async () => { await db.destroy(); await admin.raw(`drop schema ${schema} cascade`); await admin.destroy(); } };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "vd-bench-results-"));
  const db = createDb({ sqliteFile: path.join(dir, "bench.sqlite") });
  await migrate(db);
  return { db, engine: "SQLite", cleanup: async () => { await db.destroy(); rmSync(dir, { recursive: true, force: true }); } };
}

async function main(): Promise<void> {
  const apps = Number(process.argv[2] ?? 20_000);
  const entries = Number(process.argv[3] ?? 100_000);
  if (!Number.isSafeInteger(apps) || apps < 1 || !Number.isSafeInteger(entries) || entries < 1) throw new Error("usage: bench/results-dashboard.ts [applications] [ledger entries]");
  const { db, cleanup, engine } = await open();
  try {
    const config = loadConfig({ ...process.env, LOG_LEVEL: "warn", NODE_ENV: "production", SESSION_SECRET: "bench-secret-bench-secret-bench-secret", SECURE_COOKIES: "false" });
    const t0 = Date.now();
    await seedDemo(db, config, () => NOW, { activity: true });
    await generate(db, apps, entries);
    const counts = {
      applications: Number((await db("applications").count({ n: "*" }))[0]?.n ?? 0),
      ledger: Number((await db("ledger_entries").count({ n: "*" }))[0]?.n ?? 0),
    };
    console.log(`node ${process.version}, ${engine}: ${counts.applications} applications, ${counts.ledger} ledger entries generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const app = createApp({ db, config, clock: () => NOW });
    const agent = request.agent(app);
    const login = await agent.get("/login");
    const token = /name="_csrf" value="([^"]+)"/.exec(login.text)?.[1] ?? "";
    await agent.post("/login").type("form").send({ email: "admin@demo.test", password: "demo-voucherdesk", _csrf: token });
    // The administrator's second factor, from the published demo key at the app's clock.
    const codePage = await agent.get("/login/code");
    const codeToken = /name="_csrf" value="([^"]+)"/.exec(codePage.text)?.[1] ?? "";
    await agent.post("/login/code").type("form").send({ code: generateSync({ secret: DEMO_TOTP_KEYS["admin@demo.test"] ?? "", epoch: Math.floor(NOW.getTime() / 1000) }), _csrf: codeToken });
    for (const [label, url] of [["dashboard, whole programme", "/results"], ["dashboard, one call and a year", "/results?call=3&from=2025-06-01&to=2026-05-31"], ["public page", "/results/public"]] as const) {
      const times: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < 7; i++) {
        const s = process.hrtime.bigint();
        const c0 = process.cpuUsage();
        const res = await agent.get(url);
        const c = process.cpuUsage(c0);
        times.push(Number(process.hrtime.bigint() - s) / 1e6);
        cpu.push((c.user + c.system) / 1000);
        if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      // CPU time (this process, SQLite's worker threads included) next to wall time: on a shared
      // machine the wall time measures the neighbours as much as the page.
      console.log(`${label.padEnd(32)} wall: first ${times[0]?.toFixed(0)} ms, median ${median(times).toFixed(0)} ms, slowest ${Math.max(...times).toFixed(0)} ms; `
        + `CPU: median ${median(cpu).toFixed(0)} ms`);
    }
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
