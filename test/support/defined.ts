import { expect } from "chai";

/**
 * Asserts that a value a test depends on is there (a row `.first()` found, an element `rows[i]`,
 * a regular-expression group) and returns it narrowed, so a missing row fails as an assertion
 * that names it instead of a TypeError further down.
 */
export function defined<T>(value: T, what = "value"): NonNullable<T> {
  expect(value, `${what} is missing`).to.exist;
  return value as NonNullable<T>;
}
