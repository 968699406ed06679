import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { LANGUAGES } from "../../../server/languages";
import { EMAIL_TEMPLATES, TemplateError } from "../../../server/services/platform/mail";
import { loadTemplates, TEMPLATE_ROOT } from "../../../server/services/platform/templates";

function copyWithout(relative: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vd-templates-"));
  cpSync(TEMPLATE_ROOT, dir, { recursive: true });
  rmSync(path.join(dir, relative));
  return dir;
}

describe("templates: every e-mail and letter exists in every language the product offers", () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("has every e-mail the code can send in every language", () => {
    const missing = LANGUAGES.flatMap((language) =>
      EMAIL_TEMPLATES.map((name) => path.join("emails", language, `${name}.hbs`)).filter((f) => !existsSync(path.join(TEMPLATE_ROOT, f))),
    );
    expect(missing).to.deep.equal([]);
  });

  it("has no e-mail text that no code sends (a misspelt file name would hide behind it)", () => {
    for (const language of LANGUAGES) {
      const files = readdirSync(path.join(TEMPLATE_ROOT, "emails", language)).map((f) => f.replace(/\.hbs$/, ""));
      expect(files.sort()).to.deep.equal([...EMAIL_TEMPLATES].sort());
    }
  });

  it("has the award letter in every language", () => {
    for (const language of LANGUAGES) expect(existsSync(path.join(TEMPLATE_ROOT, "letters", `${language}.hbs`)), language).to.equal(true);
  });

  it("loads and compiles the repository's templates", () => {
    expect(() => loadTemplates()).not.to.throw();
  });

  it("refuses a set with an e-mail missing, naming the file", () => {
    const dir = copyWithout(path.join("emails", "en", "payment-made.hbs"));
    dirs.push(dir);
    expect(() => loadTemplates(dir)).to.throw(TemplateError, /payment-made\.hbs: missing/);
    loadTemplates();
  });

  it("refuses a set with the award letter missing, naming the file", () => {
    const dir = copyWithout(path.join("letters", "en.hbs"));
    dirs.push(dir);
    expect(() => loadTemplates(dir)).to.throw(TemplateError, /en\.hbs: missing \(award letter\)/);
    loadTemplates();
  });
});
