import type { Db } from "../../server/db/connection";
import { loadActor } from "../../server/services/people/user-queries";
import type { Actor } from "../../server/services/platform/context";
import { seedDemo } from "../../db/seeds/demo";
import { testConfig } from "./db";

/**
 * Loads the demo accounts (every role) and companies (several regions) into a test database;
 * with `activity: true` also the demo calls, applications, letters, claims and payments.
 */
export async function seedDemoData(db: Db, now: () => Date = () => new Date(), opts: { activity?: boolean } = {}): Promise<void> {
  await seedDemo(db, testConfig(), now, { activity: opts.activity ?? false });
}

export async function actorByEmail(db: Db, email: string): Promise<Actor> {
  const row = await db("users").where({ email }).first("id");
  if (!row) throw new Error(`no user ${email}`);
  const actor = await loadActor(db, Number(row.id));
  if (!actor) throw new Error(`user ${email} is inactive`);
  return actor;
}
