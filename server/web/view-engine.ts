import { ExpressHandlebars } from "express-handlebars";
import type { ConfigOptions } from "express-handlebars/types";

type Partials = Awaited<ReturnType<ExpressHandlebars["getPartials"]>>;

/** Each line's leading spaces and tabs, and the lines left empty. */
export function withoutIndentation(template: string): string {
  return template.replace(/^[ \t]+/gm, "").replace(/\n{2,}/g, "\n");
}

/*
 * express-handlebars caches each compiled partial, but still walks the partials directory's list
 * and looks up every partial again on each render (twice: page and layout). With the view cache
 * on, the set of partials cannot change, so the first lookup is kept for the life of the process.
 */
class CachedPartialsHandlebars extends ExpressHandlebars {
  private cachedPartials: Promise<Partials> | undefined;

  /*
   * The views are indented for the people who edit them; the indentation would be sent with
   * every page (a sixth of the ledger page's bytes). No view keeps text whose leading white space
   * shows: the <pre> and the textareas print their value on the line that opens them.
   */
  protected override _compileTemplate(template: string, options?: Parameters<ExpressHandlebars["_compileTemplate"]>[1]): HandlebarsTemplateDelegate {
    return super._compileTemplate(withoutIndentation(template), options);
  }

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
