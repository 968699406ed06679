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
    /** Password accepted, second factor not yet: this session can reach the code page and sign-out only. */
    pendingSignIn?: { userId: number; at: string; returnTo?: string };
    /** When this session last confirmed a second factor (step-up freshness). */
    secondFactorAt?: string;
    /** The sealed TOTP key shown on the set-up page, until a code confirms it. */
    twoFactorSetup?: { userId: number; sealed: string };
    /** The request a step-up interrupted, to be resumed once a fresh code is given. */
    stepUp?: { method: "GET" | "POST"; url: string; fields?: Record<string, string | string[]> };
    /** A signed-in session's times (epoch ms) and where it was last used from; see session-limits.ts. */
    activity?: { signedInAt: number; lastSeenAt: number; ip: string; userAgent: string };
  }
}

export {};
