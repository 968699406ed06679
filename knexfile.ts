import { loadConfig } from "./server/config";
import { knexConfig } from "./server/db/connection";

// Used by the knex CLI (npm run migrate); the server builds the same configuration itself.
const config = loadConfig();
module.exports = knexConfig({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
