import type { Express } from "express";
import request from "supertest";
import type { Config } from "../../server/config";
import type { Db } from "../../server/db/connection";
import { createApp } from "../../server/web/app";
import { testConfig } from "./db";

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

/** Signs in through the real login form; returns the agent holding the session cookie. */
export async function signIn(app: Express, email: string, password = "demo-voucherdesk"): Promise<Agent> {
  const agent = request.agent(app);
  const token = await csrfToken(agent);
  const res = await agent.post("/login").type("form").send({ email, password, _csrf: token });
  if (res.status !== 303) throw new Error(`sign-in as ${email} failed with ${res.status}`);
  return agent;
}

/** Posts a form with a fresh CSRF token taken from `formPage`. */
export async function postForm(agent: Agent, formPage: string, action: string, fields: Record<string, string | string[]>) {
  const token = await csrfToken(agent, formPage);
  return agent.post(action).type("form").send({ ...fields, _csrf: token });
}
