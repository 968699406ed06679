import { expect } from "chai";
import type { Agent } from "./app";
import { defined } from "./defined";

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

/**
 * Follows a list read a page at a time from a key, two pages long, the way a reader does: the
 * first page shows the first `pageSize` of `expected` and no link back; its next page the rest,
 * no next link and a link to the first page; that page's previous link leads to the first page's
 * rows again. Returns both pages' HTML for the list's own checks.
 */
export async function followTwoPages(
  agent: Agent, firstPath: string, idsOf: (html: string) => number[], expected: readonly number[], pageSize: number,
): Promise<{ first: string; second: string }> {
  expect(expected.length, "rows for two pages").to.be.above(pageSize).and.at.most(2 * pageSize);
  const first = await agent.get(firstPath);
  expect(first.status).to.equal(200);
  expect(idsOf(first.text)).to.deep.equal(expected.slice(0, pageSize));
  expect(relLink(first.text, "prev")).to.equal(null);
  const second = await agent.get(defined(relLink(first.text, "next")));
  expect(second.status).to.equal(200);
  expect(idsOf(second.text)).to.deep.equal(expected.slice(pageSize));
  expect(relLink(second.text, "next")).to.equal(null);
  expect(relLink(second.text, "first")).to.equal(firstPath);
  const back = await agent.get(defined(relLink(second.text, "prev")));
  expect(idsOf(back.text)).to.deep.equal(expected.slice(0, pageSize));
  return { first: first.text, second: second.text };
}
