import type { TFunction } from "i18next";
import { z } from "zod";
import { msg } from "../domain/message";
import { COMPANY_CHOICES, type CompanyChoices } from "../services/people/company-queries";
import { field, parseQuery } from "./input";

/*
 * A form's company list at a programme's size: a search above the form (its query's `company`)
 * narrows the list, and the form carries the search as `companySearch`, so that the page shown
 * again with an error lists the same companies, the one chosen among them.
 */
const searchQuery = z.object({ company: field.filter(msg("errors:fields.searchText"), 100) });
const chosenCompany = field.optionalId(msg("errors:fields.aCompany"));

/** The search in the page's query; anything else there is refused like any bad query. */
export function companySearchIn(query: unknown): string {
  return parseQuery(searchQuery, query).company.trim();
}

/** The search and the chosen company a sent form carries, read leniently: the form is being shown again. */
export function companyChoiceSent(body: unknown): { search: string; chosen: number | undefined } {
  const fields = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const search = searchQuery.safeParse({ company: fields.companySearch });
  const chosen = chosenCompany.safeParse(fields.companyId);
  return { search: search.success ? search.data.company.trim() : "", chosen: (chosen.success && chosen.data) || undefined };
}

/**
 * The select's options, the search to carry, what the list holds when it is not every company,
 * and the company the search found alone, which a form just opened with that search chooses.
 */
export function companyListLocals(t: TFunction, search: string, choices: CompanyChoices) {
  return {
    companyFoundAlone: search && choices.matching === 1 ? choices.companies[0]?.id : undefined,
    companyOptions: choices.companies.map((c) => ({ value: c.id, label: c.vatNumber ? `${c.name} (${c.vatNumber})` : c.name })),
    companySearch: search,
    companyHint: companyListHint(t, search, choices),
  };
}

function companyListHint(t: TFunction, search: string, c: CompanyChoices): string | undefined {
  const hint = listHint(t, search, c);
  return c.chosenKept ? [hint, t("common:companyList.chosenKept")].filter(Boolean).join(" ") : hint;
}

function listHint(t: TFunction, search: string, c: CompanyChoices): string | undefined {
  const shown = Math.min(c.matching, COMPANY_CHOICES);
  if (search && c.matching === 0) return t("common:companyList.noneFound", { search });
  if (search && c.matching > shown) return t("common:companyList.cut", { search, shown, matching: c.matching });
  if (search) return t("common:companyList.found", { search, matching: c.matching });
  return c.total > shown ? t("common:companyList.first", { shown, total: c.total }) : undefined;
}
