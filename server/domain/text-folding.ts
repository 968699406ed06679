/*
 * Letters without a decomposition into a base letter and marks (ø is not o plus a stroke in
 * Unicode), written as the basic Latin letters the languages of the programme would use for them.
 */
const LETTERS: Record<string, string> = {
  ø: "o", Ø: "O", ß: "ss", ẞ: "SS", ł: "l", Ł: "L", æ: "ae", Æ: "AE", œ: "oe", Œ: "OE",
  đ: "d", Đ: "D", ð: "d", Ð: "D", þ: "th", Þ: "TH", ı: "i", ħ: "h", Ħ: "H", ŀ: "l", Ŀ: "L",
  ŧ: "t", Ŧ: "T", ĸ: "k",
};

/** Latin letters with their accents and strokes taken off: "Ørsted Müller" -> "Orsted Muller". */
export function withoutAccents(text: string): string {
  return text.replace(/[^ -~]/g, (ch) => LETTERS[ch] ?? ch).normalize("NFKD").replace(/[\u0300-\u036F]/g, "");
}

/**
 * The form in which a name is searched: accents off, lower case, spaces collapsed. Stored beside
 * a record's names and applied to what is typed, so that "orsted", "ØRSTED" and "Ørsted" find the
 * same company on SQLite (whose lower() knows only ASCII) and PostgreSQL alike. The stored keys
 * were made by this function: changing what it gives needs a migration that makes them again.
 */
export function searchKey(...parts: readonly (string | null | undefined)[]): string {
  return parts.filter((p): p is string => !!p).map((p) => withoutAccents(p).toLowerCase().replace(/\s+/g, " ").trim()).filter(Boolean).join(" ");
}
