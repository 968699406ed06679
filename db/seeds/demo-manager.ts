import { DateTime } from "luxon";
import type { Config } from "../../server/config";
import type { Db } from "../../server/db/connection";
import { acceptAward, createDraft, submitApplication } from "../../server/services/applications";
import { createCall, openCall } from "../../server/services/calls";
import { submitClaim } from "../../server/services/claims";
import type { ServiceContext } from "../../server/services/context";
import { approve } from "../../server/services/decisions";
import { createOrganisation, createReferral } from "../../server/services/directory";
import { loadActor } from "../../server/services/users";

/*
 * Demo data of the manager journey, through the services (so the ledger, letters and audit log
 * are what real use produces): directory organisations in all eight regions, an open call, two
 * applications of the demo manager's region awaiting a decision, an approved voucher whose claim
 * awaits verification, and a referral. Steps in the past run with a clock set back.
 */
type Ids = Record<string, number>;

const ORGS: { region: string; name: string; kind: string; competences: string; description: string }[] = [
  { region: "DK", name: "DTU Bioengineering Core Facility", kind: "facility", competences: "protein expression, fermentation, enzymes", description: "Pilot-scale fermentation and protein purification." },
  { region: "NB", name: "Eindhoven MedTech Prototyping Lab", kind: "facility", competences: "medical devices, prototyping, usability testing", description: "Rapid prototyping of medical devices." },
  { region: "BW", name: "Tübingen Institute for Translational Pharmacology", kind: "knowledge-institution", competences: "pharmacology, clinical trials, toxicology", description: "Preclinical and early clinical studies." },
  { region: "BW", name: "Dr. Katrin Weber, Regulatory Affairs", kind: "expert", competences: "regulatory affairs, mdr, ivdr", description: "CE marking under MDR and IVDR." },
];

export async function seedManagerDemo(db: Db, config: Config, now: () => Date, ids: { companies: Ids; users: Ids; regionIds: Ids }): Promise<void> {
  const base = now().getTime();
  const at = (days: number) => () => new Date(base + days * 86_400_000);
  const tz = config.timeZone;
  const local = (days: number) => DateTime.fromMillis(base + days * 86_400_000).setZone(tz).toFormat("yyyy-LL-dd'T'HH:mm");
  const day = (days: number) => DateTime.fromMillis(base + days * 86_400_000).setZone(tz).toISODate()!;
  const ctxOf = async (userId: number, clock: () => Date): Promise<ServiceContext> => ({ db, config, actor: await loadActor(db, userId), now: clock });

  const manager = await ctxOf(ids.users.manager, at(-30));
  const orgIds: Ids = {};
  const regions = await db("regions").orderBy("code").select("id", "code", "name");
  for (const r of regions) {
    const listed = ORGS.filter((o) => o.region === r.code);
    const entries = listed.length ? listed : [{ region: r.code, name: `${r.name} Life Science Incubator`, kind: "company", competences: "biotech, incubation, partnering", description: `Incubator for life-science start-ups in ${r.name}.` }];
    for (const o of entries) {
      orgIds[o.name] = await createOrganisation(manager, {
        name: o.name, regionId: Number(r.id), kind: o.kind, competences: o.competences, contactName: "", contactEmail: "", website: "", description: o.description,
      });
    }
  }

  const types = await db("voucher_types").select("id", "completion_days");
  const callId = await createCall(manager, {
    title: "IN2LifeSciences open call", description: "Meet & Greet, Insight and Collaboration vouchers for health-sector SMEs.",
    opensLocal: local(-29), closesLocal: local(30), types: types.map((t) => ({ voucherTypeId: Number(t.id), completionDays: Number(t.completion_days) })),
    totalCents: 10_000_000, perTypeCents: {}, perPartnerCents: {},
  });
  await openCall(await ctxOf(ids.users.manager, at(-29)), callId);

  const bw = ids.regionIds.BW;
  const lab = orgIds["Tübingen Institute for Translational Pharmacology"];
  const decl = { truthful: true, smeStatus: true, deMinimisComplete: true, noDoubleFunding: true };
  const draft = (title: string, start: string, costs: number | null) => ({
    title, description: `${title}: meetings and work with the partner in Baden-Württemberg.`, objectives: "Access expertise that is not available in our own region.",
    expectedResult: "A joint development plan.", counterpartOrgId: lab, counterpartName: "Tübingen Institute for Translational Pharmacology",
    counterpartCountry: "DE", counterpartRegionId: bw, counterpartKind: "knowledge-institution", activityStart: start, activityEnd: start,
    costTravelCents: costs, costAccommodationCents: null, costOtherCents: null,
  });

  // An approved Insight voucher of the demo SME, accepted, with a claim awaiting verification.
  const sme = await ctxOf(ids.users.sme, at(-25));
  const insight = await createDraft(sme, callId, "IN", draft("Preclinical insight for enzyme therapy", day(-10), null));
  await submitApplication(sme, insight, decl);
  await approve(await ctxOf(ids.users.manager, at(-20)), insight, {});
  await acceptAward(await ctxOf(ids.users.sme, at(-19)), insight);
  await submitClaim(await ctxOf(ids.users.sme, at(-2)), insight, {
    report: "Two days with the pharmacology group: study design reviewed, toxicology plan agreed.", organisationsMet: "Tübingen Institute for Translational Pharmacology",
    resultContacts: "Prof. Hartmann, Dr. Weber", resultProduct: "Preclinical study plan", followUp: "Collaboration voucher application planned",
    lines: [{ incurredOn: day(-10), description: "Expert fee", currency: "EUR", amount: "3.200,00" }, { incurredOn: day(-10), description: "Hotel", currency: "DKK", amount: "1.850,00" }],
  }, []);

  // Two applications of the demo manager's region awaiting a decision.
  const oresund = await ctxOf(ids.users.oresundUser, at(-3));
  const mg = await createDraft(oresund, callId, "MG", draft("Meet the Tübingen device cluster", day(20), 45_000));
  await submitApplication(oresund, mg, decl);
  const amager = await ctxOf(ids.users.amagerUser, at(-2));
  const co = await createDraft(amager, callId, "CO", draft("Joint feed-additive trial", day(30), null));
  await submitApplication(amager, co, decl);

  await createReferral(await ctxOf(ids.users.manager, at(-1)), {
    companyId: ids.companies.amager, organisationId: orgIds["Eindhoven MedTech Prototyping Lab"], note: "Their usability lab fits your packaging study.",
  });
}
