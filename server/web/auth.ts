import passport from "passport";
import { Strategy as LocalStrategy } from "passport-local";
import type { Db } from "../db/connection";
import { loadActor } from "../services/people/user-queries";

let configured = false;

/**
 * Passport only (de)serialises the user id here; the credential check with throttling lives in
 * services/people/sign-in.authenticate and is called by the login route, which then calls req.login.
 */
export function configurePassport(db: Db): void {
  if (configured) {
    // Several apps (tests) share passport's singleton: point it at the latest database.
    currentDb = db;
    return;
  }
  currentDb = db;
  configured = true;
  passport.use(new LocalStrategy({ usernameField: "email" }, (_e, _p, done) => done(null, false)));
  passport.serializeUser((user, done) => done(null, user.id));
  passport.deserializeUser((id: number, done) => {
    loadActor(currentDb, Number(id)).then((actor) => done(null, actor ?? false), done);
  });
}

let currentDb: Db;
