import { expect } from "chai";
import { testDatabases } from "../support/db";
import { defined } from "../support/defined";
import { snapshot, startWorld, validCompanyForm, type World } from "./input/world";

/*
 * A field's refusal reads in the page's language, label included: the labels of the route
 * schemas are catalogue messages, so a Danish or German page never shows an English field
 * message beside the field or in the error summary. English keeps its sentences word for word.
 */

const EXPECTED: Record<string, { legalName: string; date: string }> = {
  en: {
    legalName: "The company&#x27;s legal name must be 200 characters or fewer.",
    date: "Aid 1&#x27;s date granted is not a real date.",
  },
  da: {
    legalName: "Angiv virksomhedens juridiske navn med højst 200 tegn.",
    date: "Angiv tildelingsdatoen for støtte 1 som en dato, der findes.",
  },
  de: {
    legalName: "Geben Sie den eingetragenen Namen des Unternehmens mit höchstens 200 Zeichen an.",
    date: "Geben Sie für das Bewilligungsdatum der Beihilfe 1 ein Datum an, das es gibt.",
  },
};

/** The text of the error message rendered beside the field with this id. */
function besideField(html: string, id: string): string {
  const m = new RegExp(`<p class="error-message" id="${id}-error"><span class="visually-hidden">[^<]*</span> ([^<]*)</p>`).exec(html);
  return defined(m?.[1], `no error beside ${id}`);
}

/** The messages listed in the error summary, in order. */
function summary(html: string): string[] {
  const box = defined(/<div class="error-summary"[\s\S]*?<\/ul>/.exec(html)?.[0], "no error summary");
  return [...box.matchAll(/<li><a href="#([^"]+)">([^<]*)<\/a><\/li>/g)].map((m) => `${m[1]}: ${m[2]}`);
}

for (const engine of testDatabases()) {
  describe(`field messages in the page's language (${engine.name})`, function () {
    this.timeout(120000);
    let w: World;
    let company: Record<string, string>;
    before(async () => {
      w = await startWorld(engine);
      company = {
        ...(await validCompanyForm(w.db)), legalName: "N".repeat(201),
        dm0_body: "Innovationsfonden", dm0_date: "2026-02-30", dm0_amount: "1000",
      };
    });
    after(() => w.db.destroy());

    for (const [lang, expected] of Object.entries(EXPECTED)) {
      it(`refuses a too-long name and an unreal date on the company profile in ${lang}, beside the fields and in the summary`, async () => {
        const before = await snapshot(w.db);
        const res = await w.agent("applicant").post("/company").set("Cookie", `vd.lang=${lang}`).type("form")
          .send({ ...company, _csrf: await w.token("applicant") });
        expect(res.status, res.text.slice(0, 600)).to.equal(422);
        expect(res.text).to.include(`<html lang="${lang}">`);
        expect(besideField(res.text, "f-legalName")).to.equal(expected.legalName);
        expect(besideField(res.text, "f-dm0_date")).to.equal(expected.date);
        expect(summary(res.text)).to.include.members([`f-legalName: ${expected.legalName}`, `f-dm0_date: ${expected.date}`]);
        expect(await snapshot(w.db)).to.equal(before);
      });
    }
  });
}
