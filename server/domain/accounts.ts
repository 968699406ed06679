/*
 * Account rules that are not scheme rules but keep the installation manageable.
 */

/**
 * At least one active administrator must remain, or nobody can manage users, regions and
 * settings any more. True when changing `userId` to `after` would leave none, given the ids of
 * the active administrators as they are now.
 */
export function leavesNoAdministrator(activeAdminIds: readonly number[], userId: number, after: { role: string; active: boolean }): boolean {
  if (!activeAdminIds.includes(userId)) return false;
  if (after.role === "admin" && after.active) return false;
  return activeAdminIds.every((id) => id === userId);
}

/*
 * E-mail addresses are stored, shown and sent to exactly as typed, so only a plain addr-spec
 * (RFC 5322 dot-atom local part @ a host name) is accepted: no display name ("Boss" <a@b.test>),
 * no angle brackets, comments (x(comment)@b.test), quoted strings or whitespace, each of which a
 * mailer reads as a different address from the text stored. ASCII only, a domain with at least
 * one dot, the local part at most 64 characters and the whole at most 254 (RFC 5321).
 */
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const LOCAL_PART = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*$`);
const DOMAIN_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LEVEL = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;
export const MAX_EMAIL_LENGTH = 254;

export function isPlainEmailAddress(address: string): boolean {
  if (address.length > MAX_EMAIL_LENGTH) return false;
  const at = address.lastIndexOf("@");
  if (at <= 0) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local)) return false;
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l))) return false;
  return TOP_LEVEL.test(labels[labels.length - 1] ?? "");
}

/** Whether a refused address looks like a name with an address (brackets, quotes, comments, spaces) rather than a typing mistake. */
export function looksLikeDisplayName(address: string): boolean {
  return /[<>"()\s]/.test(address);
}

/**
 * A VAT number as stored and compared: upper case, without the spaces, dots and dashes people
 * write it with ("dk 1234 5678", "DK-12.34.56.78" and "DK12345678" are one number), so one
 * company cannot be registered twice under two spellings (R6, R9 read one company's facts).
 */
export function normaliseVatNumber(vatNumber: string): string {
  return vatNumber.replace(/[\s.\-\u2010-\u2015\u2212]/gu, "").toUpperCase();
}
