import { ConnectSessionKnexStore } from "connect-session-knex";
import type { SessionData } from "express-session";

/*
 * Sessions live in the database (so every app server sees them). connect-session-knex both
 * calls back with an error and rejects its promise, which express-session ignores: an unhandled
 * rejection. Its touch() never calls back on failure at all, so the response would hang. This
 * subclass keeps the callback as the one channel for errors: a failed load or save reaches the
 * error handler (a busy database becomes the 503 page), and a failed touch, which only extends
 * the expiry of a session that is still valid, is logged and ignored rather than refusing the page.
 */
export class SessionStore extends ConnectSessionKnexStore {
  onTouchError: (err: unknown) => void = () => {};

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): Promise<SessionData | null> {
    return super.get(sid, callback).catch(() => null);
  }

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): Promise<void> {
    return super.set(sid, session, callback).catch(() => undefined);
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): Promise<number> {
    return super.destroy(sid, callback).catch(() => 0);
  }

  override touch(sid: string, session: SessionData, callback?: () => void): Promise<void> {
    return super.touch(sid, session).then(
      () => callback?.(),
      (err: unknown) => {
        this.onTouchError(err);
        callback?.();
      },
    );
  }
}
