import type { Express, RequestHandler } from "express";

/*
 * The application's routes as Express registered them. The multipart gate uses it to know which
 * routes take files, and the route-walk test to prove that every route has an authorization and
 * a bad-input case, so a route cannot be added without both.
 */

const ACCEPTS_FILES = Symbol("acceptsFiles");

/** Marks the upload parser of a route: only routes carrying one accept multipart bodies. */
export function markAcceptsFiles(handler: RequestHandler): RequestHandler {
  (handler as unknown as Record<symbol, boolean>)[ACCEPTS_FILES] = true;
  return handler;
}

export interface RouteEntry {
  method: string;
  path: string;
  acceptsFiles: boolean;
  /** Matches a request path against the route's path (its `:params` match one segment). */
  matches(path: string): boolean;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: { handle: unknown }[] };
  handle?: { stack?: Layer[] };
}

function matcher(path: string): (p: string) => boolean {
  const source = path.split("/").map((seg) =>
    seg.split(/(:[A-Za-z_][A-Za-z0-9_]*)/).map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join(""),
  ).join("/");
  const re = new RegExp(`^${source}/?$`);
  return (p) => re.test(p);
}

/** Every route of every router mounted at the root of `app`, with its HTTP method. */
export function listRoutes(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        const acceptsFiles = layer.route.stack.some((l) => Boolean((l.handle as Record<symbol, unknown> | null)?.[ACCEPTS_FILES]));
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== "_all")) {
          for (const path of paths) out.push({ method: method.toUpperCase(), path, acceptsFiles, matches: matcher(path) });
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}
