import type { Actor, ServiceContext } from "../services/platform/context";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport puts the deserialised Actor here.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends Actor {}
    interface Request {
      ctx: ServiceContext;
      requestId: string;
    }
  }
}

declare module "express-session" {
  interface SessionData {
    flash?: { kind: "success" | "info" | "error"; message: string }[];
    returnTo?: string;
    /** A signed-in session's times (epoch ms) and where it was last used from; see session-limits.ts. */
    activity?: { signedInAt: number; lastSeenAt: number; ip: string; userAgent: string };
  }
}

export {};
