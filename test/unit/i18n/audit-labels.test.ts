import { expect } from "chai";
import { translator } from "../../../server/i18n";
import { PAGE_LANGUAGES } from "../../../server/languages";
import { AUDIT_ACTION_LABELS } from "../../../server/services/platform/audit-labels";

/**
 * Audit actions are shown in the reader's language from codes:audit.<action>: the English
 * catalogue says exactly what the label map says (the CSV export and the tests read the map), and
 * every language has its own words for every action.
 */
describe("audit action labels in the catalogues", () => {
  for (const language of PAGE_LANGUAGES) {
    it(`${language} has every action the label map knows`, () => {
      const t = translator(language);
      for (const [action, label] of Object.entries(AUDIT_ACTION_LABELS)) {
        const shown = t(`codes:audit.${action}`, { defaultValue: "" });
        expect(shown, action).to.not.equal("");
        if (language === "en") expect(shown, action).to.equal(label);
        else expect(shown, `${action} in ${language}`).to.not.equal(label);
      }
    });
  }
});
