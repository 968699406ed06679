import { assertCents, type Cents } from "../../domain/money";
import type { DbBigint, DbBoolean, DbJson, DbTimestamp } from "./rows";

/*
 * The one place driver differences are normalised: PostgreSQL returns bigint, numeric and count
 * as strings, booleans as booleans, timestamps as Dates and json parsed; SQLite returns numbers,
 * 1/0, the stored text and the JSON text. Mappers in this folder read columns through these.
 */

export function dbCents(value: DbBigint): Cents {
  return assertCents(value);
}

export function dbCentsOrNull(value: DbBigint | null | undefined): Cents | null {
  return value === null || value === undefined ? null : assertCents(value);
}

/** A whole number from a bigint column or an aggregate (count, sum) that may come back as text. */
export function dbInt(value: DbBigint | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return assertCents(value);
}

export function dbBool(value: DbBoolean | null | undefined): boolean {
  return value === true || value === 1;
}

export function dbIso(value: DbTimestamp): string {
  return value instanceof Date ? value.toISOString() : value;
}

/** A json column's value, or the text a SQLite json column holds, parsed. */
export function dbJson(value: DbJson): unknown {
  return typeof value === "string" ? (JSON.parse(value) as unknown) : value;
}
