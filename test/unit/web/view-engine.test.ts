import { expect } from "chai";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import Handlebars from "handlebars";
import { withoutIndentation } from "../../../server/web/view-engine";

const VIEWS = path.resolve(__dirname, "../../../views");

function templates(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return templates(file);
    return file.endsWith(".hbs") ? [file] : [];
  });
}

describe("view engine: pages sent without the views' indentation", () => {
  it("drops each line's leading spaces and tabs and the empty lines", () => {
    expect(withoutIndentation("<ul>\n  <li>a</li>\n\n\t\t<li>b</li>\n</ul>\n")).to.equal("<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
  });

  it("keeps white space that the data brings: text typed into a textarea comes back as typed", () => {
    const view = Handlebars.compile(withoutIndentation("<form>\n    <textarea name=\"purpose\">{{value}}</textarea>\n</form>"));
    const typed = "Two days:\n    - market size\n\n    - partners";
    expect(view({ value: typed })).to.equal(`<form>\n<textarea name="purpose">${Handlebars.escapeExpression(typed)}</textarea>\n</form>`);
  });

  it("finds no view whose preformatted text or textarea starts on a later line than the tag", () => {
    // Such a view would lose the indentation of text it means to show as written.
    for (const file of templates(VIEWS)) {
      const source = readFileSync(file, "utf8");
      for (const m of source.matchAll(/<(pre|textarea)\b[^>]*>([^]*?)<\/\1>/g)) {
        expect(m[2], `${path.relative(VIEWS, file)}: <${m[1]}>`).not.to.include("\n");
      }
    }
  });
});
