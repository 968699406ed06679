import { randomUUID } from "node:crypto";
import path from "node:path";
import express, { type Express } from "express";
import session from "express-session";
import helmet from "helmet";
import passport from "passport";
import type { DestinationStream } from "pino";
import { pinoHttp } from "pino-http";
import type { Config } from "../config";
import type { Db } from "../db/connection";
import { createLogger, logSerializers } from "../logging";
import "./types";
import { configurePassport } from "./auth";
import { csrfGuard, lazyCsrfToken } from "./csrf";
import { errorHandler, notFound } from "./error-handler";
import { refuseNul, refuseUnreadable, refuseUnreadableForm } from "./input";
import { messageHelper } from "./error-text";
import { languageLocals, pseudoLocaleMiddleware, requestLanguage, translateHelper } from "./language";
import { pendingFlash, storeSessionBeforeRedirect } from "./middleware";
import { navigationFor } from "./navigation";
import { registerRoutes } from "./routes";
import { sessionLimits } from "./session-limits";
import { SessionStore } from "./session-store";
import { viewEngine } from "./view-engine";
import { viewHelpers } from "./view-helpers";
import { labelHelpers } from "./view-labels";

export interface AppDeps {
  db: Db;
  config: Config;
  /** Injected by tests to put the whole application at a chosen moment. */
  clock?: () => Date;
  /** Where log lines go (standard output by default); tests capture them. */
  logDestination?: DestinationStream;
}

const ROOT = path.resolve(__dirname, "../..");

export function createApp({ db, config, clock = () => new Date(), logDestination }: AppDeps): Express {
  const app = express();
  app.set("trust proxy", "loopback");
  app.disable("x-powered-by");
  /*
   * Every page is rendered for its request (language, session, form token), so a 304 would save
   * only the bytes, never the work, and a signed-in page is never revalidated (no-store, below):
   * hashing each page's body for an ETag is left out. Static assets keep theirs (express.static).
   */
  app.set("etag", false);

  const renderView = viewEngine({
    extname: ".hbs",
    defaultLayout: "main",
    layoutsDir: path.join(ROOT, "views/layouts"),
    partialsDir: path.join(ROOT, "views/partials"),
    // Handlebars would indent every line a standalone partial prints, text typed into a textarea included.
    compilerOptions: { preventIndent: true },
    helpers: { ...viewHelpers(config.timeZone), ...labelHelpers(viewHelpers(config.timeZone).date), t: translateHelper, msg: messageHelper },
  });
  // Given a callback, express-handlebars reports every error through it, so its promise is left.
  app.engine("hbs", (viewPath, options, callback) => {
    void renderView(viewPath, options, callback);
  });
  app.set("view engine", "hbs");
  app.set("views", path.join(ROOT, "views"));
  if (config.env === "production") app.enable("view cache");

  const logger = createLogger(config.logLevel, logDestination);
  app.use(pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = randomUUID();
      res.setHeader("X-Request-Id", id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : "info"),
    // Headers carry session cookies and CSRF tokens, URLs one-time tokens: see server/logging.ts.
    serializers: logSerializers,
  }));
  app.use((req, res, next) => {
    req.requestId = typeof req.id === "string" || typeof req.id === "number" ? String(req.id) : "";
    // Every page's footer names it, error pages raised before the session is read included.
    res.locals.timeZone = config.timeZone;
    next();
  });

  app.use(helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        // Over plain http (local use, the demo) upgrading requests would break every form.
        "upgrade-insecure-requests": config.secureCookies ? [] : null,
      },
    },
    strictTransportSecurity: config.secureCookies,
  }));
  app.use("/assets", express.static(path.join(ROOT, "views/assets"), { maxAge: config.env === "production" ? "1d" : 0 }));
  // Browsers ask for /favicon.ico on their own, alongside the pages. Answered after the session is
  // read, as a signed-in 404 page, it could take the flash message meant for the page being loaded.
  app.get("/favicon.ico", (_req, res) => {
    res.redirect(301, "/assets/favicon.svg");
  });

  app.get("/healthz", async (_req, res) => {
    try {
      await db.raw("select 1");
      res.json({ status: "ok", db: "ok" });
    } catch {
      res.status(503).json({ status: "error", db: "unreachable" });
    }
  });

  // Flat forms only: `a[b]=c` stays a plain key, so no field can arrive as a nested object.
  // Marked when its text is not percent-encoded UTF-8, which querystring would keep as typed: refuseUnreadable.
  app.use(express.urlencoded({ extended: false, limit: "200kb", parameterLimit: 2000, verify: refuseUnreadableForm }));
  const sessionStore = new SessionStore({ knex: db, tableName: "sessions", createTable: false, cleanupInterval: 60 * 60 * 1000 });
  sessionStore.onTouchError = (err) => logger.warn({ err }, "session expiry not extended");
  sessionStore.now = () => clock().getTime();
  if (config.pseudoLocale) app.use(pseudoLocaleMiddleware);
  // Set before anything can fail, so even an error page has its language.
  app.use((req, res, next) => {
    res.locals.lang = requestLanguage(req);
    next();
  });
  app.use(session({
    name: "vd.sid",
    secret: config.sessionSecret,
    store: sessionStore,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    // The server ends signed-in sessions (session-limits.ts); the cookie outlives them, so that
    // an expired session still reaches the server and is told why it ended.
    cookie: { httpOnly: true, sameSite: "lax", secure: config.secureCookies, maxAge: config.sessionLimits.maxMs },
  }));
  app.use(storeSessionBeforeRedirect);
  configurePassport(db);
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(sessionLimits(config.sessionLimits, clock));
  app.use((req, res, next) => {
    // A signed-in page holds personal and financial data: a browser must not keep it, or on a
    // shared computer "back" after signing out would show it again from its cache.
    if (req.user) res.setHeader("Cache-Control", "no-store");
    next();
  });

  app.use((req, _res, next) => {
    req.ctx = { db, config, actor: req.user ?? null, requestId: req.requestId, now: clock, reportError: (err) => req.log.error({ err }, "failed after commit") };
    next();
  });

  app.use(csrfGuard(app));
  app.use(refuseNul);

  app.use((req, res, next) => {
    // Now the signed-in user's own choice is known, it decides.
    const lang = requestLanguage(req);
    res.locals.lang = lang;
    Object.assign(res.locals, languageLocals(req, lang, config.baseUrl));
    res.locals.csrfToken = lazyCsrfToken(req);
    res.locals.user = req.user ?? null;
    res.locals.nav = navigationFor(req.user ?? null, req.path, lang);
    res.locals.flash = pendingFlash(req);
    next();
  });

  // After the locals, so the refusal is a page like any other (the user's language, navigation).
  app.use(refuseUnreadable);
  registerRoutes(app);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
