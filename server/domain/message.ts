/**
 * A text for people as a catalogue key with parameters ("errors:generic.notFound"),
 * translated where it is shown: the web edge renders it in the reader's language, and errors keep
 * an English rendering for logs and for code that compares messages. The domain only builds these
 * descriptors; it never translates.
 *
 * Parameters that read differently per language are passed raw and tagged: a calendar date, an
 * instant on the programme's clock, an amount in cents, a stored code. A parameter may itself be
 * a message (a reason inside a sentence). A plain string is shown as it is.
 */
export interface Message {
  /** "namespace:path.to.key", written out in full at the call so the catalogue test finds it. */
  readonly key: string;
  readonly params: Readonly<Record<string, MessageParam>>;
}

/** Text not yet moved to a catalogue stays a string and is shown as it is. */
export type Text = string | Message;

export type MessageParam =
  | string
  | number
  | Message
  | { readonly kind: "day"; readonly date: string }
  | { readonly kind: "dayTime"; readonly instant: string; readonly timeZone: string }
  | { readonly kind: "money"; readonly cents: number }
  | { readonly kind: "decimal"; readonly value: string }
  | { readonly kind: "code"; readonly group: string; readonly code: string; readonly fallback: string; readonly lower?: boolean; readonly asStored?: boolean }
  | { readonly kind: "sentenceStart"; readonly text: MessageParam }
  | { readonly kind: "country"; readonly code: string };

export function msg(key: string, params: Record<string, MessageParam> = {}): Message {
  return { key, params };
}

/** A calendar date "YYYY-MM-DD", written out in the reader's language ("30 November 2026"). */
export const day = (date: string): MessageParam => ({ kind: "day", date });

/** An instant on the programme's clock, written out with its time ("1 April 2027 at 12:00"). */
export const dayTime = (instant: string, timeZone: string): MessageParam => ({ kind: "dayTime", instant, timeZone });

/** An amount in integer cents, in the reader's conventions ("EUR 4,000.00", "4.000,00 EUR"). */
export const money = (cents: number): MessageParam => ({ kind: "money", cents });

/** An exact decimal in machine form ("1234.56", "7.4521"), in the reader's conventions ("1.234,56", "7,4521"). */
export const decimal = (value: string): MessageParam => ({ kind: "decimal", value });

/** A stored code read through the codes catalogue ("codes:state.approved"); `fallback` when it has no label. */
export const code = (group: string, value: string, fallback = value): MessageParam => ({ kind: "code", group, code: value, fallback });

/** A code's label inside an English sentence, in lower case ("is approved"); other languages keep the label as written. */
export const codeInSentence = (group: string, value: string, fallback = value): MessageParam =>
  ({ kind: "code", group, code: value, fallback, lower: true });

/** A country by its ISO code, named in the reader's language with the code ("Denmark (DK)", "Danemark (DK)"). */
export const country = (code: string): MessageParam => ({ kind: "country", code });

/**
 * A stored code that English sentences quote as stored ("its status is \"submitted\""); other
 * languages show its label from the codes catalogue.
 */
export const storedCode = (group: string, value: string): MessageParam => ({ kind: "code", group, code: value, fallback: value, asStored: true });

/**
 * A phrase opening an English sentence, capitalised there ("The call's title must be ...");
 * other languages word the sentence their own way and keep the phrase as written.
 */
export const sentenceStart = (text: MessageParam): MessageParam => ({ kind: "sentenceStart", text });

/** "a", "a or b", "a, b or c" in the reader's language. */
export function orList(items: readonly MessageParam[]): MessageParam {
  const [first, ...rest] = items;
  if (first === undefined) return "";
  if (rest.length === 0) return first;
  return msg("errors:format.or", { first, rest: orList(rest) });
}

export function isMessage(value: unknown): value is Message {
  return typeof value === "object" && value !== null && typeof (value as { key?: unknown }).key === "string"
    && typeof (value as { params?: unknown }).params === "object";
}

/** Sentences one after the other ("a b c"), each a message or text. */
export function sentences(items: readonly Text[]): Text;
export function sentences(items: readonly MessageParam[]): MessageParam;
export function sentences(items: readonly MessageParam[]): MessageParam {
  const [first, ...rest] = items;
  if (first === undefined) return "";
  return rest.length === 0 ? first : msg("errors:format.sentences", { first, rest: sentences(rest) });
}
