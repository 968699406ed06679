import type { Express } from "express";
import request from "supertest";
import type { Config } from "../../server/config";
import type { Db } from "../../server/db/connection";
import { createApp } from "../../server/web/app";
import { testConfig } from "./db";
import { DEMO_PASSWORD } from "../../db/seeds/demo";

export type Agent = ReturnType<typeof request.agent>;

export function buildApp(db: Db, opts: { clock?: () => Date; config?: Config } = {}): Express {
  return createApp({ db, config: opts.config ?? testConfig(), clock: opts.clock });
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

/** Signs in through the real login form; returns the agent holding the session cookie. */
export async function signIn(target: Target, email: string, password = DEMO_PASSWORD): Promise<Agent> {
  const { agent, res } = await attemptSignIn(target, email, password);
  if (res.status !== 303) throw new Error(`sign-in as ${email} failed with ${res.status}`);
  return agent;
}

/** Posts a form with a fresh CSRF token taken from `formPage`. */
export async function postForm(agent: Agent, formPage: string, action: string, fields: Record<string, string | string[]>) {
  const token = await csrfToken(agent, formPage);
  return agent.post(action).type("form").send({ ...fields, _csrf: token });
}
