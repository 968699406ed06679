/* Reading the server's HTML in e2e tests the way a browser reads it. */

/** An attribute's value as the browser reads it: Handlebars escapes & and = in attributes. */
export function unescapeHref(href: string): string {
  return href.replace(/&amp;/g, "&").replace(/&#x3D;/g, "=");
}

/** The address of the page's link with this rel (first, prev, next), or null when the page has none. */
export function relLink(html: string, rel: "first" | "prev" | "next"): string | null {
  const m = new RegExp(`<a href="([^"]*)" rel="${rel}"`).exec(html);
  return m?.[1] ? unescapeHref(m[1]) : null;
}
