// n2words publishes one ES module per language behind package "exports", which the project's
// "node" module resolution does not read; these are the two functions the letter uses.
declare module "n2words/da-DK" {
  export function toCardinal(value: number | string | bigint): string;
}
declare module "n2words/de-DE" {
  export function toCurrency(value: number | string | bigint, options?: { and?: boolean }): string;
}
declare module "n2words/fr-FR" {
  export function toCurrency(value: number | string | bigint, options?: { and?: boolean }): string;
}
declare module "n2words/nl-NL" {
  export function toCurrency(value: number | string | bigint, options?: { and?: boolean }): string;
}
