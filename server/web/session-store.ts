import { ConnectSessionKnexStore } from "connect-session-knex";
import type { SessionData } from "express-session";

/** A rolling session's expiry is written again at most this often. */
export const TOUCH_INTERVAL_MS = 60_000;
/** Above this many remembered sessions, those not written within the interval are forgotten. */
const REMEMBERED_LIMIT = 10_000;

/** A session's own data, without its cookie, whose expiry every request moves on. */
export function sessionData(session: object): string {
  return JSON.stringify(session, function (this: unknown, key: string, value: unknown) {
    return this === session && key === "cookie" ? undefined : value;
  });
}

/** Each session object's data as this process last stored it. */
const storedData = new WeakMap<object, string>();

/** A session as loaded from the store is as stored. */
export function noteLoaded(session: object): void {
  storedData.set(session, sessionData(session));
}

/** What `session` held when it was loaded or last stored; nothing for one not stored yet. */
export function lastStored(session: object): string | undefined {
  return storedData.get(session);
}

/*
 * Sessions live in the database (so every app server sees them). connect-session-knex both
 * calls back with an error and rejects its promise, which express-session ignores: an unhandled
 * rejection. Its touch() never calls back on failure at all, so the response would hang. This
 * subclass keeps the callback as the one channel for errors: a failed load or save reaches the
 * error handler (a busy database becomes the 503 page; before a redirect it is logged instead, see
 * storeSessionBeforeRedirect), and a failed touch, which only extends
 * the expiry of a session that is still valid, is logged and ignored rather than refusing the page.
 *
 * Rolling sessions extend their expiry on every response. Writing that to the database on every
 * signed-in page view costs a write (on SQLite, the one write lock) per page for a change of a few
 * seconds in an eight-hour expiry, so a session this process wrote within the last minute is not
 * written again: the stored expiry is then at most a minute earlier than the cookie's.
 */
export class SessionStore extends ConnectSessionKnexStore {
  onTouchError: (err: unknown) => void = () => {};
  /** Injected by tests to move time on. */
  now: () => number = Date.now;
  private readonly writtenAt = new Map<string, number>();

  private remember(sid: string): void {
    const now = this.now();
    if (this.writtenAt.size >= REMEMBERED_LIMIT) {
      for (const [id, at] of this.writtenAt) if (now - at >= TOUCH_INTERVAL_MS) this.writtenAt.delete(id);
    }
    this.writtenAt.set(sid, now);
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): Promise<SessionData | null> {
    return super.get(sid, callback).catch(() => null);
  }

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): Promise<void> {
    // Remembered before the write: a touch that overlaps it has nothing to add.
    this.remember(sid);
    storedData.set(session, sessionData(session));
    return super.set(sid, session, callback).catch(() => {
      this.writtenAt.delete(sid);
      storedData.delete(session);
    });
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): Promise<number> {
    this.writtenAt.delete(sid);
    return super.destroy(sid, callback).catch(() => 0);
  }

  override touch(sid: string, session: SessionData, callback?: () => void): Promise<void> {
    const at = this.writtenAt.get(sid);
    if (at !== undefined && this.now() - at < TOUCH_INTERVAL_MS) {
      callback?.();
      return Promise.resolve();
    }
    this.remember(sid);
    return super.touch(sid, session).then(
      () => callback?.(),
      (err: unknown) => {
        this.writtenAt.delete(sid);
        this.onTouchError(err);
        callback?.();
      },
    );
  }
}
