/**
 * The links of a list read a page at a time from a key (views/partials/ui/pager.hbs): the first
 * page, and the pages before and after the keys the list gave. Each keeps the list's filter,
 * `kept` as a query string; a link the list cannot follow is null.
 */
export function pagerLinks(path: string, kept: string, keys: { previous: string | number | null; next: string | number | null }) {
  const at = (key?: "before" | "after", value?: string | number) => {
    const query = new URLSearchParams(kept);
    if (key && value !== undefined) query.set(key, String(value));
    const qs = query.toString();
    return qs ? `${path}?${qs}` : path;
  };
  return {
    firstLink: keys.previous !== null ? at() : null,
    prevLink: keys.previous !== null ? at("before", keys.previous) : null,
    nextLink: keys.next !== null ? at("after", keys.next) : null,
  };
}
