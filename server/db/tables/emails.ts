import type { EmailsRow } from "./rows";
import { dbInt } from "./values";

/** A queued e-mail as the outbox sender reads it. */
export interface OutboxEmail {
  id: number;
  to: string;
  subject: string;
  bodyText: string;
  template: string;
  attempts: number;
}

export function toOutboxEmail(row: Pick<EmailsRow, "id" | "to_address" | "subject" | "body_text" | "template" | "attempts">): OutboxEmail {
  return {
    id: dbInt(row.id),
    to: row.to_address,
    subject: row.subject,
    bodyText: row.body_text,
    template: row.template,
    attempts: dbInt(row.attempts),
  };
}
