import type { TableRows } from "./rows";

export * from "./rows";
export * from "./values";

declare module "knex/types/tables" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the augmentation point knex offers for table types
  interface Tables extends TableRows {}
}
