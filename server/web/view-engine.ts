import { ExpressHandlebars } from "express-handlebars";
import type { ConfigOptions } from "express-handlebars/types";

type Partials = Awaited<ReturnType<ExpressHandlebars["getPartials"]>>;

/*
 * express-handlebars caches each compiled partial, but still walks the partials directory's list
 * and looks up every partial again on each render (twice: page and layout). With the view cache
 * on, the set of partials cannot change, so the first lookup is kept for the life of the process.
 */
class CachedPartialsHandlebars extends ExpressHandlebars {
  private cachedPartials: Promise<Partials> | undefined;

  override getPartials(options: Parameters<ExpressHandlebars["getPartials"]>[0] = {}): Promise<Partials> {
    if (!options.cache) return super.getPartials(options);
    this.cachedPartials ??= super.getPartials(options).catch((err: unknown) => {
      this.cachedPartials = undefined;
      throw err;
    });
    return this.cachedPartials;
  }
}

/** The Handlebars view engine for Express (express-handlebars, with its partials kept once cached). */
export function viewEngine(config: ConfigOptions): CachedPartialsHandlebars["engine"] {
  return new CachedPartialsHandlebars(config).engine;
}
