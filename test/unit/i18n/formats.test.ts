import { expect } from "chai";
import Handlebars from "handlebars";
import { parseMoney } from "../../../server/domain/money";
import { viewHelpers } from "../../../server/web/view-helpers";

/** A view rendered in a page language, with the real helpers, as express-handlebars renders pages. */
function render(source: string, lang: string, data: Record<string, unknown> = {}): string {
  const hb = Handlebars.create();
  hb.registerHelper(viewHelpers("Europe/Copenhagen"));
  return hb.compile(source)({ ...data, lang });
}

describe("dates and amounts in the reader's conventions", () => {
  it("writes amounts as the page's language does", () => {
    const view = "{{money cents}}";
    expect(render(view, "en", { cents: 400_000 })).to.equal("EUR 4,000.00");
    expect(render(view, "da", { cents: 400_000 })).to.equal("4.000,00 EUR");
    expect(render(view, "de", { cents: 400_000 })).to.equal("4.000,00 EUR");
    expect(render(view, "fr", { cents: 400_000 })).to.equal("4\u00A0000,00 EUR");
    expect(render(view, "nl", { cents: 400_000 })).to.equal("EUR 4.000,00");
    // A view may still ask for one convention explicitly.
    expect(render('{{money cents "en"}}', "da", { cents: 400_000 })).to.equal("EUR 4,000.00");
  });

  it("writes dates and times as the page's language does, on the programme's clock", () => {
    expect(render("{{date d}}", "en", { d: "2026-09-03" })).to.equal("3 Sep 2026");
    expect(render("{{date d}}", "da", { d: "2026-09-03" })).to.equal("3. sep. 2026");
    expect(render("{{date d}}", "de", { d: "2026-09-03" })).to.equal("3. Sept. 2026");
    expect(render("{{date d}}", "fr", { d: "2026-09-03" })).to.equal("3 sept. 2026");
    // 22:30 UTC is already the next day in Copenhagen.
    expect(render("{{datetime t}}", "nl", { t: "2026-09-02T22:30:00Z" })).to.equal("3 sep 2026, 00:30 GMT+2");
  });

  it("keeps accepting the local forms of an amount and refusing the ambiguous ones (R1)", () => {
    for (const typed of ["4.000,00", "4 000,00", "4,000.00", "4000", "4000,5"]) expect(parseMoney(typed).ok, typed).to.equal(true);
    expect(parseMoney("4.000").ok).to.equal(false);
    expect(parseMoney("4,000").ok).to.equal(false);
  });
});
