import assert from "node:assert/strict";
import { AppError } from "../../server/errors";

/*
 * The one way tests expect a refusal: node:assert's `rejects`/`throws` (no extra dependency, and
 * typed, unlike chai-as-promised's `any`-valued assertions), returning the error so the test can
 * go on to check its code, fields and wording.
 */

type ErrorClass<T extends Error> = abstract new (...args: never[]) => T;

/** Awaits `promise`, which must reject with a `type`; returns the error. */
export async function rejection<T extends Error>(promise: PromiseLike<unknown>, type: ErrorClass<T>): Promise<T> {
  const caught: { error?: T } = {};
  // Promise.resolve: a knex query is only a thenable.
  await assert.rejects(Promise.resolve(promise), (err: unknown) => {
    assert.ok(err instanceof type, `expected a ${type.name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    caught.error = err;
    return true;
  });
  assert.ok(caught.error);
  return caught.error;
}

/** Runs `fn`, which must throw a `type`; returns the error. */
export function thrown<T extends Error>(fn: () => unknown, type: ErrorClass<T>): T {
  const caught: { error?: T } = {};
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof type, `expected a ${type.name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    caught.error = err;
    return true;
  });
  assert.ok(caught.error);
  return caught.error;
}

/** A service refusal: an AppError, with the HTTP status and wording given when they matter. */
export async function refusal(promise: PromiseLike<unknown>, status?: number, message?: RegExp): Promise<AppError> {
  const err = await rejection(promise, AppError);
  if (status !== undefined) assert.equal(err.status, status, err.message);
  if (message) assert.match(err.message, message);
  return err;
}
