/**
 * A large programme for measuring: by default 20,000 applications over 35 calls, about 34,000
 * ledger entries, with claims, payments and payment paths, on top of the demo data (whose
 * accounts the bench signs in with).
 *
 * Accounts, companies and calls go through the services. Applications and everything that follows
 * from them are bulk-inserted, because through the services 20,000 applications take the better
 * part of an hour; the rows are built the way the services build them:
 * - every application's state is the end of a legal path of the state machine (draft, submitted,
 *   approved, accepted, claim submitted, verified, paid, closed; rejected, withdrawn, more
 *   information requested, cancelled and expired branch off it), its dates follow that path in
 *   order, and no event lies after the programme's "today" (ANCHOR);
 * - approvals commit the award under the call's ceiling, payments pay the verified amount and
 *   release the unpaid rest, cancellations and expiries release what was outstanding, and the
 *   running totals of every ceiling are the sums of its entries (the reconciliation page shows no
 *   difference) and stay within the ceiling;
 * - one company applies at most once per voucher type in a call, every claim has one payment
 *   path, the counterpart is in another region than the company.
 * - every application that was approved has its award letter, numbered as the letters service
 *   numbers them (per programme, year, partner region and voucher type, in the order of approval,
 *   with the counters in letter_numbers where the next approval continues), in the applicant's
 *   language, and the application carries the letter's reference from then on. The letter's file
 *   is a small placeholder PDF naming the reference, stored with its exact SHA-256 (so the verify
 *   page accepts it); rendering 15,000 real letters would take most of the seeding time. Its facts
 *   (data_json) are not kept, as for letters issued before facts were kept: no reference rendering.
 * Not produced: audit events of the bulk applications.
 *
 * Deterministic: the same options give the same rows (a seeded PRNG and a fixed ANCHOR).
 */
import { createHash } from "node:crypto";
import type { Config } from "../server/config";
import type { Db } from "../server/db/connection";
import { isPostgres } from "../server/db/connection";
import type {
  ApplicationsRow, AwardLettersRow, ClaimCostLinesRow, ClaimsRow, DecisionRecordsRow, LedgerEntriesRow, PaymentPathsRow, PaymentsRow,
} from "../server/db/tables";
import { seedDemo } from "../db/seeds/demo";
import { closeCall, createCall, openCall } from "../server/services/calls/calls";
import { rebuildLedgerSums } from "../server/services/finance/budget";
import { inTransaction, type ServiceContext } from "../server/services/platform/context";
import { insertCompany } from "../server/services/people/companies";
import { searchKey } from "../server/domain/text-folding";
import { loadActor } from "../server/services/people/user-queries";

/** Where `npm run bench:seed` writes the large programme and `npm run bench` reads it. */
export const DEFAULT_BENCH_FILE = "data/bench/voucherdesk.sqlite";

/**
 * The key that seals the staff accounts' authenticator keys, the same for the seed and the bench's
 * server (it is derived from the session secret otherwise, which differs between the two), so the
 * bench can give the demo accounts' second factor. Benchmark data only.
 */
export const BENCH_SECRET_KEY = "bench-authenticator-key-bench-authenticator-key";

/** The programme's "today" for the generated history; the last calls stay open well after it. */
export const ANCHOR = Date.UTC(2026, 10, 1, 9, 0, 0);
const DAY = 86_400_000;

export interface LargeOptions {
  applications: number;
  calls?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface LargeSummary {
  applications: number;
  calls: number;
  companies: number;
  ledgerEntries: number;
  claims: number;
  payments: number;
  letters: number;
  states: Record<string, number>;
}

/** mulberry32: small, fast and good enough to pick data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (t: number) => new Date(t).toISOString();
const isoDay = (t: number) => iso(t).slice(0, 10);
const pad = (n: number, w: number) => String(n).padStart(w, "0");

/**
 * A one-page PDF that names the letter it stands for: a valid file (viewers open it) and cheap
 * enough for 15,000 letters.
 */
export function placeholderLetterPdf(reference: string): Buffer {
  const text = `Award letter ${reference} (benchmark data: placeholder, not the rendered letter)`;
  const stream = `BT /F1 11 Tf 72 770 Td (${text.replace(/[()\\]/g, "")}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${pad(o, 10)} 00000 n \n`).join("")}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

/** Where a path may end, with its weight out of 100. */
const TARGETS: [Target, number][] = [
  ["draft", 5], ["submitted", 8], ["more-info-requested", 2], ["rejected", 6], ["withdrawn", 2],
  ["approved", 4], ["accepted", 6], ["claim-submitted", 5], ["claim-verified", 4], ["claim-rejected", 1],
  ["paid", 38], ["closed", 14], ["cancelled", 3], ["expired", 2],
];
type Target =
  | "draft" | "submitted" | "more-info-requested" | "rejected" | "withdrawn" | "approved" | "accepted" | "claim-submitted"
  | "claim-verified" | "claim-rejected" | "paid" | "closed" | "cancelled" | "expired";

interface VoucherType { id: number; code: string; maxCents: number; capped: boolean; completionDays: number; claimDays: number; activityDays: number }

type Row<T> = Omit<T, "id"> & { id: number };

export async function seedLargeProgramme(db: Db, config: Config, opts: LargeOptions): Promise<LargeSummary> {
  const log = opts.log ?? (() => {});
  const rand = prng(opts.seed ?? 14);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const between = (a: number, b: number) => a + Math.floor(rand() * (b - a + 1));
  const callCount = opts.calls ?? 35;
  const clock = (t: number) => () => new Date(t);

  await seedDemo(db, config, clock(ANCHOR));
  log("demo data loaded");

  const adminId = Number((await db("users").where({ email: "admin@demo.test" }).first("id"))?.id);
  const managerId = Number((await db("users").where({ email: "manager@demo.test" }).first("id"))?.id);
  const financeId = Number((await db("users").where({ email: "finance@demo.test" }).first("id"))?.id);
  const smeHash = String((await db("users").where({ email: "sme@demo.test" }).first("password_hash"))?.password_hash);
  const admin = await loadActor(db, adminId);
  const as = (t: number): ServiceContext => ({ db, config, actor: admin, now: clock(t) });

  const regions = (await db("regions").orderBy("id").select("id", "code")).map((r) => ({ id: Number(r.id), code: r.code }));
  const regionCode = new Map(regions.map((r) => [r.id, r.code]));
  const languageOfRegion = new Map((await db("partners").select("region_id", "default_language")).map((p) => [Number(p.region_id), p.default_language]));
  const partnerOfRegion = new Map((await db("partners").select("id", "region_id")).map((p) => [Number(p.region_id), Number(p.id)]));
  const sectors = (await db("sectors").orderBy("id").select("id")).map((s) => Number(s.id));
  const orgs = (await db("directory_organisations").orderBy("id").select("id", "name", "region_id", "kind"))
    .map((o) => ({ id: Number(o.id), name: o.name, regionId: Number(o.region_id), kind: o.kind }));
  const countryOf = new Map((await db("regions").select("id", "country")).map((r) => [Number(r.id), r.country]));
  const types: VoucherType[] = (await db("voucher_types").orderBy("id").select()).map((t) => ({
    id: Number(t.id), code: String(t.code), maxCents: Number(t.max_cents), capped: t.amount_rule === "capped",
    completionDays: Number(t.completion_days), claimDays: Number(t.claim_days), activityDays: t.code === "MG" ? 2 : t.code === "IN" ? 30 : 120,
  }));
  const typeWeights = types.map((t) => (t.code === "MG" ? 6 : t.code === "IN" ? 2.5 : 1.5));

  // Companies: enough that none applies twice for one voucher type in one call (R10).
  const perCall = Math.ceil(opts.applications / callCount);
  // Room for every application of a call at the largest award, in whole millions of euros.
  const CALL_CEILING_CENTS = Math.ceil((perCall * Math.max(...types.map((t) => t.maxCents))) / 1_000_000_00) * 1_000_000_00;
  const companyCount = Math.max(50, Math.ceil(perCall * 1.2), Math.ceil(opts.applications / 8));
  const companies: { id: number; regionId: number; userId: number }[] = [];
  for (let start = 0; start < companyCount; start += 250) {
    await inTransaction(as(ANCHOR - 1200 * DAY), async (trx) => {
      for (let i = start; i < Math.min(companyCount, start + 250); i++) {
        const region = regions[i % regions.length]!;
        const id = await insertCompany(trx, as(ANCHOR - 1200 * DAY), {
          legalName: `Bench Life Science ${pad(i + 1, 5)} ApS`, vatNumber: `${countryOf.get(region.id)}${pad(70_000_000 + i, 9)}`,
          address: `Forskerparken ${1 + (i % 90)}\n5230 Odense`, country: countryOf.get(region.id) ?? "DK", regionId: region.id,
          sectorId: sectors[i % sectors.length] ?? null, staffHeadcount: 5 + (i % 200), turnoverCents: 50_000_000 + (i % 97) * 1_000_000,
          balanceSheetCents: 30_000_000 + (i % 89) * 1_000_000, iban: "DK5000400440116243", accountHolder: `Bench Life Science ${pad(i + 1, 5)} ApS`,
          euroAccountConfirmed: true, relations: [], deMinimis: [],
        });
        companies.push({ id, regionId: region.id, userId: 0 });
      }
    });
  }
  // Applicant accounts in bulk (the demo password, hashed once by the demo seed), with the search key the user service writes.
  const users = companies.map((c, i) => {
    const email = `bench-${pad(i + 1, 5)}@bench.test`;
    const name = `Bench Applicant ${i + 1}`;
    return {
      email, name, search_key: searchKey(name, email), title: null, password_hash: smeHash, role: "applicant",
      company_id: c.id, partner_id: null, active: true, email_confirmed_at: iso(ANCHOR - 1200 * DAY), created_at: iso(ANCHOR - 1200 * DAY),
    };
  });
  await db.batchInsert("users", users, 200);
  const userOf = new Map((await db("users").where("email", "like", "bench-%").select("id", "company_id")).map((u) => [Number(u.company_id), Number(u.id)]));
  for (const c of companies) c.userId = userOf.get(c.id) ?? 0;
  log(`${companies.length} companies with their applicant accounts`);

  // Calls: one every four weeks, eight weeks open; the last three stay open for two years.
  const calls: { id: number; opens: number; closes: number }[] = [];
  for (let i = 0; i < callCount; i++) {
    const opens = ANCHOR - (callCount - i) * 28 * DAY;
    const closes = i >= callCount - 3 ? ANCHOR + 730 * DAY : opens + 56 * DAY;
    const local = (t: number) => iso(t).slice(0, 16);
    const id = await createCall(as(opens - DAY), {
      title: `Bench call ${pad(i + 1, 2)}`, description: "Vouchers for SMEs in the IN2LifeSciences regions (benchmark data).",
      opensLocal: local(opens), closesLocal: local(closes),
      types: types.map((t) => ({ voucherTypeId: t.id, completionDays: t.completionDays })),
      totalCents: CALL_CEILING_CENTS, perTypeCents: {}, perPartnerCents: {},
    });
    await openCall(as(opens), id);
    const row = await db("calls").where({ id }).first("opens_at", "closes_at");
    const o = Date.parse(String(row?.opens_at));
    const c = Date.parse(String(row?.closes_at));
    if (c < ANCHOR) await closeCall(as(c + 60_000), id);
    calls.push({ id, opens: o, closes: c });
  }
  log(`${calls.length} calls`);

  const nextId = async (table: "applications" | "claims" | "payments" | "ledger_entries" | "decision_records" | "payment_paths" | "claim_cost_lines") =>
    Number((await db(table).max({ m: "id" }).first())?.m ?? 0) + 1;
  let appId = await nextId("applications");
  let claimId = await nextId("claims");
  let paymentId = await nextId("payments");
  let decisionId = await nextId("decision_records");
  let pathId = await nextId("payment_paths");
  let lineId = await nextId("claim_cost_lines");

  const apps: Row<ApplicationsRow>[] = [];
  const decisions: Row<DecisionRecordsRow>[] = [];
  const claims: Row<ClaimsRow>[] = [];
  const lines: Row<ClaimCostLinesRow>[] = [];
  const payments: Row<PaymentsRow>[] = [];
  const paths: Row<PaymentPathsRow>[] = [];
  const entries: (Omit<LedgerEntriesRow, "id">)[] = [];
  const states: Record<string, number> = {};
  const usedInCall = new Map<string, number>();
  const declarations = { truthful: true, smeStatus: true, deMinimisComplete: true, noDoubleFunding: true };

  for (let n = 0; n < opts.applications; n++) {
    const call = calls[n % calls.length]!;
    let type = types[0]!;
    let r = rand() * typeWeights.reduce((a, b) => a + b, 0);
    for (let k = 0; k < types.length; k++) { r -= typeWeights[k]!; if (r <= 0) { type = types[k]!; break; } }
    // Companies in turn per call and type, starting at a random offset: never twice (R10).
    const slot = `${call.id}:${type.id}`;
    const taken = usedInCall.get(slot) ?? Math.floor(rand() * companies.length);
    usedInCall.set(slot, taken + 1);
    const company = companies[taken % companies.length]!;
    const org = pick(orgs.filter((o) => o.regionId !== company.regionId));
    const partnerId = partnerOfRegion.get(company.regionId) ?? 0;

    let target: Target = "draft";
    let w = rand() * 100;
    for (const [t, weight] of TARGETS) { w -= weight; if (w <= 0) { target = t; break; } }

    const windowEnd = Math.min(call.closes, ANCHOR) - DAY;
    const created = call.opens + Math.floor(rand() * Math.max(DAY, windowEnd - call.opens - 3 * DAY));
    const submitted = created + between(1, 3) * DAY / 2;
    const decided = submitted + between(5, 25) * DAY;
    const approvedOn = isoDay(decided);
    const actStart = decided + between(5, 20) * DAY;
    const actEnd = actStart + type.activityDays * DAY;
    const completion = decided + type.completionDays * DAY;
    const claimDeadline = completion + type.claimDays * DAY;
    const accepted = decided + between(1, 5) * DAY;
    const claimed = actEnd + between(1, 20) * DAY;
    const verified = claimed + between(3, 15) * DAY;
    const paid = verified + between(3, 15) * DAY;
    const closedAt = paid + 30 * DAY;

    // The path as far as the target, cut where it would pass the programme's today.
    const path: [Target, number][] = [["draft", created]];
    const chain: [Target, number][] = [["submitted", submitted]];
    if (target === "more-info-requested" || target === "rejected") chain.push([target, decided]);
    else if (target === "withdrawn") chain.push(["withdrawn", submitted + DAY]);
    else if (target !== "draft" && target !== "submitted") {
      chain.push(["approved", decided]);
      if (target === "cancelled") chain.push(["cancelled", decided + 2 * DAY]);
      else if (target !== "approved") {
        chain.push(["accepted", accepted]);
        if (target === "expired") chain.push(["expired", claimDeadline + DAY]);
        else if (target !== "accepted") {
          chain.push(["claim-submitted", claimed]);
          if (target === "claim-rejected") chain.push(["claim-rejected", verified]);
          else if (target !== "claim-submitted") {
            chain.push(["claim-verified", verified]);
            if (target === "paid" || target === "closed") chain.push(["paid", paid]);
            if (target === "closed") chain.push(["closed", closedAt]);
          }
        }
      }
    }
    if (target !== "draft") for (const step of chain) { if (step[1] > ANCHOR || (step[0] === "submitted" && step[1] > call.closes)) break; path.push(step); }
    let state = path[path.length - 1]![0];
    let updated = path[path.length - 1]![1];
    // The daily job expires an award whose claim deadline has passed without a claim.
    if ((state === "approved" || state === "accepted" || state === "claim-rejected") && claimDeadline + DAY <= ANCHOR) {
      path.push(["expired", claimDeadline + DAY]);
      state = "expired";
      updated = claimDeadline + DAY;
    }
    const reached = (s: Target) => path.some((p) => p[0] === s);
    const at = (s: Target) => path.find((p) => p[0] === s)?.[1] ?? 0;
    states[state] = (states[state] ?? 0) + 1;

    const costs = type.capped ? [between(150, 320) * 100, between(60, 150) * 100, between(0, 30) * 100] : null;
    const requested = costs ? Math.min(type.maxCents, costs.reduce((a, b) => a + b, 0)) : type.maxCents;
    const id = appId++;
    const reference = state === "draft" ? null : `APP-${pad(id, 5)}`;
    const counterpart = { counterpartOrgId: org.id, counterpartName: org.name, counterpartCountry: countryOf.get(org.regionId) ?? null, counterpartRegionId: org.regionId, counterpartKind: org.kind };
    const text = {
      title: `${type.code} project ${pad(n + 1, 5)}: partner meetings and expert advice`,
      description: "Meetings with experts in another programme region to validate our approach.",
      objectives: "Meet potential partners and validate the approach with experts outside our region.",
      expectedResult: "A documented partnership plan and at least two follow-up meetings.",
    };
    const approvedCents = reached("approved") ? requested : null;
    apps.push({
      id, reference, call_id: call.id, company_id: company.id, voucher_type_id: type.id, partner_id: partnerId, state,
      title: text.title, description: text.description, objectives: text.objectives, expected_result: text.expectedResult,
      counterpart_org_id: org.id, counterpart_name: org.name, counterpart_country: counterpart.counterpartCountry, counterpart_region_id: org.regionId,
      counterpart_kind: org.kind, activity_start: isoDay(actStart), activity_end: isoDay(actEnd),
      cost_travel_cents: costs ? costs[0]! : null, cost_accommodation_cents: costs ? costs[1]! : null, cost_other_cents: costs ? costs[2]! : null,
      requested_cents: reached("submitted") ? requested : null, approved_cents: approvedCents,
      submission_json: reached("submitted") ? JSON.stringify({
        ...text, ...counterpart, activityStart: isoDay(actStart), activityEnd: isoDay(actEnd),
        costTravelCents: costs ? costs[0] : null, costAccommodationCents: costs ? costs[1] : null, costOtherCents: costs ? costs[2] : null,
        voucherTypeCode: type.code, requestedCents: requested, declarations,
      }) : null,
      eligibility_json: reached("submitted") ? JSON.stringify([{ rule: "R8", status: "pass", certain: false, message: "The counterpart is in another region than the company's." }]) : null,
      submitted_at: reached("submitted") ? iso(submitted) : null,
      decided_at: reached("approved") || reached("rejected") ? iso(decided) : null,
      decided_by: reached("approved") || reached("rejected") ? managerId : null,
      decision_reason: reached("rejected") ? "The activity does not fit the voucher's purpose." : null,
      approved_on: reached("approved") ? approvedOn : null,
      completion_deadline: reached("approved") ? isoDay(completion) : null,
      claim_deadline: reached("approved") ? isoDay(claimDeadline) : null,
      accepted_at: reached("accepted") ? iso(accepted) : null, accepted_by: reached("accepted") ? company.userId : null,
      version: path.length, created_by: company.userId, created_at: iso(created), updated_at: iso(updated),
    });
    if (reached("approved") || reached("rejected")) {
      decisions.push({
        id: decisionId++, application_id: id, action: reached("approved") ? "approve" : "reject", decided_at: iso(decided), decided_by: managerId,
        amount_cents: approvedCents, reason: reached("rejected") ? "The activity does not fit the voucher's purpose." : null,
        skip_reason: null, skipped_application_id: null, findings_json: "[]",
      });
    }
    const entry = (kind: "commit" | "release" | "payment", amount: number, t: number, key: string, note: string, actor: number, payment: number | null = null) =>
      entries.push({ call_id: call.id, application_id: id, kind, amount_cents: amount, ceiling_keys: '["total"]', payment_id: payment, reverses_entry_id: null,
        idempotency_key: `${key}:${id}`, note, actor_user_id: actor, at: iso(t) });
    if (approvedCents !== null) entry("commit", approvedCents, decided, "approve", `Approval of APP-${pad(id, 5)}`, managerId);
    if (approvedCents !== null && (state === "cancelled" || state === "expired")) {
      entry("release", approvedCents, at(state), state === "cancelled" ? "cancel" : "expire", state === "cancelled" ? "Award cancelled" : "Award expired: no claim by the deadline", state === "cancelled" ? managerId : 0);
    }
    if (reached("claim-submitted")) {
      const cid = claimId++;
      const isPaid = reached("paid");
      const payable = approvedCents === null ? 0 : type.capped ? Math.min(approvedCents, approvedCents - between(0, 40) * 100) : approvedCents;
      const status = isPaid ? "paid" : reached("claim-verified") ? "verified" : reached("claim-rejected") ? "rejected" : "submitted";
      claims.push({
        id: cid, application_id: id, status, report: "Met the partners as planned; the follow-up is agreed.", organisations_met: org.name,
        result_contacts: "Three new contacts", result_product: "", follow_up: "Joint project planned", submitted_at: iso(claimed), submitted_by: company.userId,
        verified_at: reached("claim-verified") || reached("claim-rejected") ? iso(verified) : null, verified_by: reached("claim-verified") || reached("claim-rejected") ? managerId : null,
        payable_cents: reached("claim-verified") ? payable : null, payable_explanation: reached("claim-verified") ? "Eligible costs up to the award (R14)." : null,
        decision_reason: reached("claim-rejected") ? "The report does not show the activity took place." : null,
      });
      lines.push({
        id: lineId++, claim_id: cid, incurred_on: isoDay(actStart), description: "Travel and accommodation", currency: "EUR",
        original_minor: payable || requested, rate: null, rate_month: null, eur_cents: reached("claim-verified") ? payable || requested : null,
        eligible: reached("claim-verified") ? true : null, ineligible_reason: null,
      });
      if (isPaid && approvedCents !== null) {
        const pid = paymentId++;
        payments.push({ id: pid, claim_id: cid, application_id: id, amount_cents: payable, paid_on: isoDay(paid), bank_reference: `BENCH-${pad(pid, 7)}`,
          iban: "DK5000400440116243", batch_id: null, recorded_by: financeId, recorded_at: iso(paid),
          returned_on: null, return_reason: null, returned_by: null, returned_at: null });
        paths.push({ id: pathId++, claim_id: cid, kind: "hand", batch_id: null, payment_id: pid, opened_at: iso(paid), opened_by: financeId, closed_at: null, closed_by: null });
        entry("payment", payable, paid, "pay", `Payment BENCH-${pad(pid, 7)}`, financeId, pid);
        if (payable < approvedCents) entry("release", approvedCents - payable, paid, "pay-release", "Unpaid part of the award released on payment", financeId);
      }
    }
  }

  // Award letters, numbered per prefix in the order of approval as the letters service numbers them.
  const letters: Omit<AwardLettersRow, "id">[] = [];
  // After the demo data's own letters under the same prefixes.
  const lastOfPrefix = new Map((await db("letter_numbers").select("prefix", "last_sequence")).map((r) => [r.prefix, Number(r.last_sequence)]));
  const approvedApps = apps.filter((a) => a.approved_on !== null && a.decided_at !== null)
    .sort((a, b) => (a.decided_at! < b.decided_at! ? -1 : a.decided_at! > b.decided_at! ? 1 : a.id - b.id));
  const companyRegion = new Map(companies.map((c) => [c.id, c.regionId]));
  const typeCode = new Map(types.map((t) => [t.id, t.code]));
  for (const a of approvedApps) {
    const region = companyRegion.get(a.company_id) ?? 0;
    const prefix = `IN2LS-${a.approved_on!.slice(0, 4)}-${regionCode.get(region)}-${typeCode.get(a.voucher_type_id)}-`;
    const sequence = (lastOfPrefix.get(prefix) ?? 0) + 1;
    lastOfPrefix.set(prefix, sequence);
    const reference = `${prefix}${pad(sequence, 4)}`;
    const pdf = placeholderLetterPdf(reference);
    a.reference = reference;
    letters.push({
      application_id: a.id, reference, language: languageOfRegion.get(region) ?? "en", pdf, sha256: createHash("sha256").update(pdf).digest("hex"),
      issued_at: a.decided_at!, issued_by: managerId, data_json: null,
    });
  }

  // The ledger in the order things happened, as the services would have appended it.
  entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  for (const e of entries) if (e.actor_user_id === 0) e.actor_user_id = null;

  const sums = new Map<number, { committed: number; released: number; paid: number }>();
  for (const e of entries) {
    const s = sums.get(e.call_id) ?? { committed: 0, released: 0, paid: 0 };
    const cents = Number(e.amount_cents);
    if (e.kind === "commit") s.committed += cents;
    else if (e.kind === "release") s.released += cents;
    else s.paid += cents;
    sums.set(e.call_id, s);
  }
  for (const [callId, s] of sums) {
    if (s.committed - s.released > CALL_CEILING_CENTS) throw new Error(`call ${callId} would exceed its ceiling; use more calls`);
  }

  await db.transaction(async (trx) => {
    const chunk = 100;
    await db.batchInsert("applications", apps, chunk).transacting(trx);
    await db.batchInsert("decision_records", decisions, chunk).transacting(trx);
    await db.batchInsert("claims", claims, chunk).transacting(trx);
    await db.batchInsert("claim_cost_lines", lines, chunk).transacting(trx);
    await db.batchInsert("payments", payments, chunk).transacting(trx);
    await db.batchInsert("payment_paths", paths, chunk).transacting(trx);
    await db.batchInsert("ledger_entries", entries, chunk).transacting(trx);
    await db.batchInsert("award_letters", letters, chunk).transacting(trx);
    // The next approval under a prefix continues after the seeded letters.
    for (const [prefix, last] of lastOfPrefix) {
      await trx("letter_numbers").insert({ prefix, last_sequence: last }).onConflict("prefix").merge();
    }
    await rebuildLedgerSums(trx);
    for (const [callId, s] of sums) {
      await trx("budget_ceilings").where({ call_id: callId, key: "total" })
        .update({ committed_cents: s.committed, released_cents: s.released, paid_cents: s.paid });
    }
    if (isPostgres(db)) {
      for (const t of ["applications", "decision_records", "claims", "claim_cost_lines", "payments", "payment_paths"]) {
        await trx.raw(`select setval(pg_get_serial_sequence('${t}', 'id'), (select max(id) from ${t}))`);
      }
    }
  });
  log(`${apps.length} applications, ${entries.length} ledger entries, ${claims.length} claims, ${payments.length} payments, ${letters.length} award letters`);
  return {
    applications: apps.length, calls: calls.length, companies: companies.length, ledgerEntries: entries.length,
    claims: claims.length, payments: payments.length, letters: letters.length, states,
  };
}
