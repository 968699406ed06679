import path from "node:path";
import { loadLetterTemplates } from "../../letters/award-letter";
import { loadEmailTemplates, TemplateError } from "./mail";

export const TEMPLATE_ROOT = path.resolve(__dirname, "../../../templates");

/**
 * The start-up check: reads and compiles every e-mail and letter template in every language the
 * product offers (server/languages.ts) and throws one TemplateError naming every missing or
 * malformed file, so the server refuses to start rather than drop a message later.
 */
export function loadTemplates(root: string = TEMPLATE_ROOT): void {
  const problems = [...loadEmailTemplates(path.join(root, "emails")), ...loadLetterTemplates(path.join(root, "letters"))];
  if (problems.length > 0) throw new TemplateError(problems);
}
