import type { Express } from "express";
import request from "supertest";
import type { Config } from "../../server/config";
import type { Db } from "../../server/db/connection";
import { createApp } from "../../server/web/app";
import { testConfig } from "./db";
import { generateSync } from "otplib";
import { DEMO_PASSWORD, DEMO_TOTP_KEYS } from "../../db/seeds/demo";

export type Agent = ReturnType<typeof request.agent>;

/** The database and clock behind an app (and the servers and URLs it listens on), for the sign-in helpers. */
interface TargetFacts { db: Db; clock: () => Date }
const appFacts = new WeakMap<object, TargetFacts>();
const urlFacts = new Map<string, TargetFacts>();

export function buildApp(db: Db, opts: { clock?: () => Date; config?: Config } = {}): Express {
  const app = createApp({ db, config: opts.config ?? testConfig(), clock: opts.clock });
  appFacts.set(app, { db, clock: opts.clock ?? (() => new Date()) });
  return app;
}

/** Lets the sign-in helpers treat a server or base URL like the app it serves. */
export function sameTargetAs(target: object | string, app: Express): void {
  const facts = appFacts.get(app);
  if (!facts) return;
  if (typeof target === "string") urlFacts.set(target, facts);
  else appFacts.set(target, facts);
}

function factsOf(target: Target): TargetFacts | undefined {
  if (typeof target === "string") return urlFacts.get(target);
  const known = appFacts.get(target as object);
  if (known) return known;
  // An http.Server created around an app: its request listener is the app.
  const listeners = (target as { listeners?: (event: string) => unknown[] }).listeners?.("request") ?? [];
  return listeners.map((l) => appFacts.get(l as object)).find((f) => f !== undefined);
}

/** TOTP keys the helpers enrolled for accounts the tests created (the demo accounts have theirs). */
const enrolledKeys = new Map<string, string>();

/** The key of an account for the authenticator-app side of a test. */
export function totpKeyOf(email: string): string {
  const key = enrolledKeys.get(email) ?? DEMO_TOTP_KEYS[email];
  if (!key) throw new Error(`no TOTP key known for ${email}: sign it in with signIn() first`);
  return key;
}

/** The code an authenticator app would show for `email` at the target's clock. */
export function currentCode(target: Target, email: string, offsetSteps = 0): string {
  const now = factsOf(target)?.clock() ?? new Date();
  return generateSync({ secret: totpKeyOf(email), epoch: Math.floor(now.getTime() / 1000) + offsetSteps * 30 });
}

/**
 * Tests sign the same account in many times within one 30-second step (often on a frozen clock),
 * which the replay guard rightly refuses; the shared helpers forget the account's used steps
 * first when they know the database. The guard itself is tested in test/e2e/two-factor.test.ts.
 */
export async function forgetUsedCodes(target: Target, email: string): Promise<void> {
  const db = factsOf(target)?.db;
  if (!db) return;
  const user = await db("users").where({ email }).first("id");
  if (user) await db("second_factor_used_steps").where({ user_id: user.id }).del();
}

/** Sets up a second factor on the enrolment page the sign-in was sent to; returns the recovery codes page. */
export async function enrolThroughPage(target: Target, agent: Agent, email: string): Promise<request.Response> {
  const page = await agent.get("/two-factor/setup");
  const key = /id="setup-key">([A-Z2-7 ]+)</.exec(page.text)?.[1]?.replace(/ /g, "");
  if (!key) throw new Error(`no set-up key on the enrolment page for ${email} (status ${page.status})`);
  enrolledKeys.set(email, key);
  const res = await agent.post("/two-factor/setup").type("form").send({ code: currentCode(target, email), _csrf: csrfFrom(page.text) });
  if (res.status !== 200 || !res.text.includes("recovery-codes")) throw new Error(`enrolment of ${email} failed with ${res.status}`);
  return res;
}

/**
 * After the password: the second factor, as its owner would give it. A staff account without one
 * enrols (the key is read from the page, as a person would scan it); an enrolled account types
 * the current code. Returns where the sign-in finally went.
 */
export async function passSecondFactor(target: Target, agent: Agent, email: string, location: string | undefined): Promise<string | undefined> {
  if (location === "/two-factor/setup") {
    await enrolThroughPage(target, agent, email);
    return undefined;
  }
  if (location !== "/login/code") return location;
  await forgetUsedCodes(target, email);
  const page = await agent.get("/login/code");
  // A server whose database the helpers cannot reach (another process) still refuses a code used
  // moments ago: then the app's neighbouring codes, which the window accepts, are given instead.
  for (const offset of [0, 1, -1]) {
    const res = await agent.post("/login/code").type("form").send({ code: currentCode(target, email, offset), _csrf: csrfFrom(page.text) });
    if (res.status === 303) return res.headers.location;
    if (res.status !== 422 || !res.text.includes("already been used")) throw new Error(`the second factor of ${email} was refused with ${res.status}`);
  }
  throw new Error(`every code of ${email} in the window was used already`);
}

/**
 * Gives a fresh code on the step-up page, as a user would after the clock moved on past the
 * step-up window (config.stepUpMinutes) before paying or changing a role.
 */
export async function giveFreshCode(target: Target, agent: Agent, email: string): Promise<void> {
  await forgetUsedCodes(target, email);
  const page = await agent.get("/step-up");
  const res = await agent.post("/step-up").type("form").send({ code: currentCode(target, email), _csrf: csrfFrom(page.text) });
  if (res.status !== 303) throw new Error(`the step-up code of ${email} was refused with ${res.status}`);
}

/** The CSRF token of the form on a page (every form carries it in a hidden `_csrf` field). */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error("no _csrf field on the page");
  return m[1];
}

export async function csrfToken(agent: Agent, path = "/login"): Promise<string> {
  const res = await agent.get(path);
  return csrfFrom(res.text);
}

/** An app in this process, a listening server, or the URL of a server in another process. */
export type Target = Parameters<typeof request.agent>[0];

/** Posts the real login form and returns the agent with the response, whatever it was. */
export async function attemptSignIn(target: Target, email: string, password = DEMO_PASSWORD): Promise<{ agent: Agent; res: request.Response }> {
  const agent = request.agent(target);
  const token = await csrfToken(agent);
  const res = await agent.post("/login").type("form").send({ email, password, _csrf: token });
  return { agent, res };
}

/**
 * Signs in through the real login form, with the second factor where the account has or needs
 * one; returns the agent holding the session cookie.
 */
export async function signIn(target: Target, email: string, password = DEMO_PASSWORD): Promise<Agent> {
  const { agent, res } = await attemptSignIn(target, email, password);
  if (res.status !== 303) throw new Error(`sign-in as ${email} failed with ${res.status}`);
  await passSecondFactor(target, agent, email, res.headers.location);
  return agent;
}

/** Posts a form with a fresh CSRF token taken from `formPage`. */
export async function postForm(agent: Agent, formPage: string, action: string, fields: Record<string, string | string[]>) {
  const token = await csrfToken(agent, formPage);
  return agent.post(action).type("form").send({ ...fields, _csrf: token });
}
