/**
 * One server for the bench, in its own process: `app` is Voucherdesk as in production, `bare` the
 * reference page (bare Express + Handlebars + knex: one query, 25 rows) on the same database.
 * Prints "LISTENING <port>" once it accepts connections.
 *
 *   tsx bench/server.ts app|bare <sqlite-file>
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import express from "express";
import { engine } from "express-handlebars";
import knex from "knex";
import { loadConfig } from "../server/config";
import { BENCH_SECRET_KEY } from "./large-programme";
import { createDb } from "../server/db/connection";
import { createApp } from "../server/web/app";

function bare(file: string): express.Express {
  // knex as it comes (one pooled SQLite connection), not the product's tuned connection module.
  const db = knex({ client: "sqlite3", connection: { filename: file }, useNullAsDefault: true });
  const app = express();
  const views = path.join(__dirname, "bare-views");
  const render = engine({ extname: ".hbs", defaultLayout: "main", layoutsDir: path.join(views, "layouts") });
  app.engine("hbs", (file, options, done) => void render(file, options, done));
  app.set("view engine", "hbs");
  app.set("views", views);
  app.enable("view cache");
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  // Audit events: both data sets have more than 25 (the demo has 11 applications), so the
  // reference does the same work on either and "large vs demo" measures the page alone.
  app.get("/", (_req, res, next) => {
    db("audit_events").orderBy("id").limit(25).select("id", "entity_type", "entity_id", "action", "at")
      .then((rows) => res.render("page", { title: "Audit events", rows }), next);
  });
  return app;
}

function voucherdesk(file: string): express.Express {
  const config = loadConfig({
    ...process.env, NODE_ENV: "production", SESSION_SECRET: "bench-secret-bench-secret-bench-secret-0123", VOUCHERDESK_SECRET_KEY: BENCH_SECRET_KEY,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "vd-bench-data-")), LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  });
  return createApp({ db: createDb({ sqliteFile: file }), config });
}

const [mode, file] = process.argv.slice(2);
if ((mode !== "app" && mode !== "bare") || !file) {
  console.error("usage: bench/server.ts app|bare <sqlite-file>");
  process.exit(2);
}
const app = mode === "app" ? voucherdesk(file) : bare(file);
const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(`LISTENING ${typeof address === "object" && address ? address.port : 0}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
