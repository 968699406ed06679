import { msg, type Text } from "../../domain/message";

/** How long to wait, in the reader's language: seconds below a minute and a half, else whole minutes (as waitInWords). */
export function waitText(seconds: number): Text {
  return seconds < 90 ? msg("errors:people.waitSeconds", { count: seconds }) : msg("errors:people.waitMinutes", { count: Math.ceil(seconds / 60) });
}
