import { msg, type Text } from "../../domain/message";

/** Sentences one after another as one text, each in the reader's language when shown. */
export function sentences(texts: readonly Text[]): Text {
  const [first, ...rest] = texts;
  if (first === undefined) return "";
  return rest.length === 0 ? first : msg("errors:finance.sentences", { first, rest: sentences(rest) });
}
