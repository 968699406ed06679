import express, { type Express } from "express";
import { sameTargetAs } from "./app";

/**
 * Wraps an app for race tests: requests matching `holds` wait at the door until `parties` of them
 * have arrived, then all go in together, and the number of requests inside the app at once is
 * measured on the server side, so a test can assert that its requests really overlapped.
 */
export function raceGate(app: Express, parties: number, holds: (req: express.Request) => boolean) {
  const outer = express();
  outer.set("trust proxy", "loopback");
  let waiting: (() => void)[] = [];
  let inside = 0;
  let maxInside = 0;
  outer.use((req, res, next) => {
    if (!holds(req)) return app(req, res, next);
    const enter = () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      res.on("close", () => inside--);
      app(req, res, next);
    };
    waiting.push(enter);
    if (waiting.length >= parties) {
      const go = waiting;
      waiting = [];
      go.forEach((f) => f());
    }
  });
  sameTargetAs(outer, app);
  return { app: outer, maxInside: () => maxInside };
}
