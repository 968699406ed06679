import type { CallStatus } from "../../domain/calls";
import { isAppState, type AppState } from "../../domain/lifecycle";
import { AMOUNT_RULES, PAYMENT_BASES, type AmountRule, type PaymentBasis } from "../../domain/scheme";

/*
 * Text columns holding one of the domain's closed sets. A value outside the set means the
 * database and the code disagree (a migration missed), so it fails loudly instead of flowing on.
 */

function oneOf<T extends string>(column: string, allowed: readonly T[], value: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new Error(`${column}: unexpected value "${value}" in the database`);
  return found;
}

export function dbAppState(value: string): AppState {
  if (!isAppState(value)) throw new Error(`applications.state: unexpected value "${value}" in the database`);
  return value;
}

export function dbAmountRule(value: string): AmountRule {
  return oneOf("amount_rule", AMOUNT_RULES.map((r) => r.value), value);
}

export function dbPaymentBasis(value: string): PaymentBasis {
  return oneOf("payment_basis", PAYMENT_BASES.map((r) => r.value), value);
}

export function dbCallStatus(value: string): CallStatus {
  return oneOf<CallStatus>("calls.status", ["draft", "open", "closed"], value);
}
