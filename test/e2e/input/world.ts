import type { Express } from "express";
import { lettersWritten } from "../../../server/services/letters/letters";
import request from "supertest";
import type { Config } from "../../../server/config";
import type { Db } from "../../../server/db/connection";
import { listRoutes, type RouteEntry } from "../../../server/web/route-table";
import { type Agent, buildApp, csrfFrom, signIn } from "../../support/app";
import type { TestDatabase } from "../../support/db";
import { seedDemoData } from "../../support/fixtures";
import type { Identity } from "../authz/types";
import { defined } from "../../support/defined";

/*
 * One world for the input tests: the demo data with its activity (calls, applications in every
 * state, claims, payments), the app, and a signed-in agent per role, on a given engine.
 */

export const EMAILS: Record<Exclude<Identity, "anonymous">, string> = {
  applicant: "sme@demo.test", manager: "manager@demo.test", finance: "finance@demo.test", admin: "admin@demo.test",
};

/** Record ids of the demo data that each route's case points at, so handlers get past their lookups. */
export interface Ids {
  openCall: number;
  draftApp: number;
  submittedOwnApp: number;
  approvedOwnApp: number;
  managerApp: number;
  managerClaim: number;
  claimLines: number[];
  verifiedClaim: number;
  foreignOrg: number;
  ownRegion: number;
  targetUser: number;
}

export interface World {
  db: Db;
  app: Express;
  routes: RouteEntry[];
  ids: Ids;
  agent(who: Identity): Agent;
  /** A fresh CSRF token of the agent's session (from its home or the sign-in page). */
  token(who: Identity): Promise<string>;
  /** Drops the cached token after a request that may have started a new session. */
  forget(who: Identity): void;
}

const first = async (q: Promise<{ id: unknown } | undefined>, what: string): Promise<number> => {
  const row = await q;
  if (!row) throw new Error(`the demo data has no ${what}`);
  return Number(row.id);
};

export async function startWorld(engine: TestDatabase, opts: { config?: Config } = {}): Promise<World> {
  const db = await engine.create();
  await seedDemoData(db, () => new Date(), { activity: true });
  const app = buildApp(db, opts);
  const agents = new Map<Identity, Agent>([["anonymous", request.agent(app)]]);
  const tokens = new Map<Identity, string>();
  for (const [role, email] of Object.entries(EMAILS)) agents.set(role as Identity, await signIn(app, email));
  const sme = { company_id: defined(defined(await db("users").where({ email: EMAILS.applicant }).first("company_id"), "sme").company_id) };
  const own = (state: string) => db("applications").where({ company_id: sme.company_id, state }).orderBy("id").first("id");
  const managerUser = await db("users").join("partners", "partners.id", "users.partner_id").where("users.email", EMAILS.manager).first<{ region_id: number } | undefined>("partners.region_id").then((r) => defined(r, "manager"));
  const managerClaim = await first(db("claims").where({ status: "submitted" }).orderBy("id").first("id"), "submitted claim");
  const ids: Ids = {
    openCall: await first(db("calls").where({ status: "open" }).orderBy("id").first("id"), "open call"),
    draftApp: await first(own("draft"), "draft of the demo SME"),
    submittedOwnApp: await first(own("submitted"), "submitted application of the demo SME"),
    approvedOwnApp: await first(own("approved"), "approved application of the demo SME"),
    managerApp: await first(db("applications").where({ state: "submitted", partner_id: defined(await db("partners").where({ region_id: managerUser.region_id }).first("id")).id })
      .whereNot({ company_id: sme.company_id }).orderBy("id").first("id"), "submitted application in the manager's region"),
    managerClaim,
    claimLines: (await db("claim_cost_lines").where({ claim_id: managerClaim }).orderBy("id").select("id")).map((r) => Number(r.id)),
    verifiedClaim: await first(db("claims").where({ status: "verified" }).orderBy("id").first("id"), "verified claim"),
    foreignOrg: await first(db("directory_organisations").whereNot({ region_id: managerUser.region_id }).orderBy("id").first("id"), "organisation of another region"),
    ownRegion: Number(managerUser.region_id),
    targetUser: await first(db("users").where({ email: "brabant@demo.test" }).first("id"), "second applicant"),
  };
  return {
    db, app, routes: listRoutes(app), ids,
    agent: (who) => agents.get(who)!,
    token: async (who) => {
      // A session keeps its token; a sign-in (a new session) clears the cache through `forget`.
      if (!tokens.has(who)) tokens.set(who, csrfFrom((await agents.get(who)!.get("/login").redirects(2)).text));
      return tokens.get(who)!;
    },
    forget: (who) => { tokens.delete(who); },
  };
}

// Sessions and sign-in attempts change on every request by design; everything else must not move
// when a request is refused.
// The audit chain's head moves with every entry, the sign-in entries a refusal writes included;
// the entries themselves are compared below.
const VOLATILE = new Set(["sessions", "login_attempts", "second_factor_attempts", "knex_migrations", "knex_migrations_lock", "audit_chain_head"]);
// Insert-only tables (some with large files) are compared by their row count; the audit log by its
// count and newest row, sign-in attempts aside.
const COUNTED = new Set(["attachments", "award_letters", "emails", "ledger_entries", "payments", "sepa_batch_items"]);

/** What a refused request must leave unchanged: row counts, the audit log and every mutable row. */
/** A company profile form the profile page accepts as it is (a Danish SME); tests change one field to be refused. */
export async function validCompanyForm(db: Db): Promise<Record<string, string>> {
  const dk = defined(await db("regions").where({ code: "DK" }).first("id"), "dk");
  const sector = defined(await db("sectors").orderBy("id").first("id"), "sector");
  return {
    legalName: "Nordic Enzyme Labs ApS", vatNumber: "DK12345678", address: "Fruebjergvej 3", country: "DK", regionId: String(dk.id),
    sectorId: String(sector.id), staffHeadcount: "18", turnover: "2100000", balanceSheet: "1500000",
  };
}

export async function snapshot(db: Db): Promise<string> {
  // A letter an earlier approval is still writing is not a refused request's write.
  await lettersWritten(db);
  const client = String((db.client as { config: { client: unknown } }).config.client);
  const tables: string[] = client === "pg"
    ? (await db.raw<{ rows: { name: string }[] }>("select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'")).rows.map((r) => r.name)
    : (await db.raw<{ name: string }[]>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")).map((r) => r.name);
  const out: Record<string, unknown> = {};
  for (const t of tables.filter((n) => !VOLATILE.has(n)).sort()) {
    if (COUNTED.has(t)) out[t] = Number(defined((await db(t).count({ n: "*" }))[0]).n);
    // A refused sign-in is recorded on purpose (throttling and R17): it is the one write a refusal
    // makes, so sign-in entries (and refused codes) are left out like login_attempts.
    else if (t === "audit_events") {
      const changes = () => db(t).whereNot("action", "like", "login.%").whereNotIn("action", ["two-factor.failed", "two-factor.throttled"]);
      out[t] = [Number(defined((await changes().count({ n: "*" }))[0]).n), await changes().orderBy("id", "desc").first()];
    }
    else if (t === "sepa_batches") out[t] = await db(t).select("id", "status", "executed_by").orderBy("id");
    else out[t] = await db(t).select("*").orderByRaw("1");
  }
  return JSON.stringify(out);
}
