import type { Db } from "../../server/db/connection";
import type { Cents } from "../../server/domain/money";
import { createCall, openCall } from "../../server/services/calls/calls";
import { insertedId } from "../../server/services/platform/context";
import type { Express } from "express";
import { buildApp } from "../support/app";
import { actorByEmail, seedDemoData } from "../support/fixtures";
import { TestClock, testContext, type TestDatabase } from "../support/db";
import { defined } from "../support/defined";

/** A fresh database with the demo accounts and the app on a movable clock (1 March 2027). */
export async function startManagerWorld(engine: TestDatabase): Promise<{ db: Db; clock: TestClock; app: Express }> {
  const db = await engine.create();
  const clock = new TestClock(new Date("2027-03-01T10:00:00Z"));
  await seedDemoData(db, clock.now);
  return { db, clock, app: buildApp(db, { clock: clock.now }) };
}

/*
 * Test data for the manager journey: a call through the calls service and applications inserted
 * straight in state "submitted" (the applicant's submission is another journey's subject).
 */
export async function seedCall(db: Db, now: () => Date, opts: { totalCents: Cents; perTypeCents?: Record<string, Cents>; open?: boolean } = { totalCents: 10_000_000 }) {
  const ctx = testContext(db, await actorByEmail(db, "manager@demo.test"), now);
  const types = await db("voucher_types").select("id", "code", "completion_days");
  const perTypeCents: Record<number, Cents> = {};
  for (const [code, c] of Object.entries(opts.perTypeCents ?? {})) perTypeCents[Number(defined(types.find((t) => t.code === code)).id)] = c;
  const id = await createCall(ctx, {
    title: "Spring call 2027", description: "Test call", opensLocal: "2027-02-01T09:00", closesLocal: "2027-02-28T17:00",
    types: types.map((t) => ({ voucherTypeId: Number(t.id), completionDays: Number(t.completion_days) })),
    totalCents: opts.totalCents, perTypeCents, perPartnerCents: {},
  });
  if (opts.open !== false) {
    // Open while the opening period runs, as a manager would.
    const openCtx = testContext(db, ctx.actor, () => new Date("2027-02-02T10:00:00Z"));
    await openCall(openCtx, id);
  }
  return id;
}

export async function insertSubmitted(db: Db, opts: {
  email: string; callId: number; type: "MG" | "IN" | "CO"; requestedCents?: Cents; activityStart?: string; submittedAt?: string; counterpartRegion?: string;
}): Promise<number> {
  const user = defined(await db("users").where({ email: opts.email }).first(), "user");
  const company = defined(await db("companies").where({ id: defined(user.company_id) }).first(), "company");
  const partner = defined(await db("partners").where({ region_id: defined(company.region_id) }).first(), "partner");
  const vt = defined(await db("voucher_types").where({ code: opts.type }).first(), "vt");
  const region = defined(await db("regions").where({ code: opts.counterpartRegion ?? "BW" }).first(), "region");
  const requested = opts.requestedCents ?? Number(vt.max_cents);
  const row = {
    call_id: opts.callId, company_id: company.id, voucher_type_id: vt.id, partner_id: partner.id, state: "submitted",
    title: `${vt.name} trip of ${company.legal_name}`, description: "Meet the partners", objectives: "Find partners", expected_result: "A collaboration",
    counterpart_name: "Tübingen BioLab", counterpart_country: region.country, counterpart_region_id: region.id, counterpart_kind: "knowledge-institution",
    activity_start: opts.activityStart ?? "2027-04-10", activity_end: opts.activityStart ?? "2027-04-12",
    cost_travel_cents: requested, requested_cents: requested,
    submission_json: JSON.stringify({ title: `${vt.name} trip`, counterpart: "Tübingen BioLab", requested }),
    submitted_at: opts.submittedAt ?? "2027-02-10T10:00:00.000Z", created_by: user.id,
    created_at: "2027-02-10T09:00:00.000Z", updated_at: "2027-02-10T10:00:00.000Z",
  };
  return insertedId((await db("applications").insert(row).returning("id"))[0]);
}

/** Puts an approved application into "claim-submitted" with a claim, as the applicant journey would. */
export async function insertClaim(db: Db, applicationId: number, lines: { incurredOn: string; currency: string; originalMinor: number; description?: string }[]): Promise<number> {
  const app = defined(await db("applications").where({ id: applicationId }).first(), "app");
  await db("applications").where({ id: applicationId }).update({ state: "claim-submitted", version: Number(app.version) + 2, accepted_at: "2027-03-02T10:00:00.000Z" });
  const user = defined(await db("users").where({ company_id: app.company_id }).first("id"), "user");
  const claimId = insertedId((await db("claims").insert({
    application_id: applicationId, status: "submitted", report: "We met three institutes.", submitted_at: "2027-05-01T10:00:00.000Z", submitted_by: user.id,
  }).returning("id"))[0]);
  for (const l of lines) {
    await db("claim_cost_lines").insert({ claim_id: claimId, incurred_on: l.incurredOn, description: l.description ?? "Train ticket", currency: l.currency, original_minor: l.originalMinor });
  }
  return claimId;
}
