import { type Request, Router } from "express";
import { DateTime } from "luxon";
import { z } from "zod";
import { msg } from "../../domain/message";
import { BadRequestError } from "../../errors";
import { writeAuditCsv } from "../../exports/audit-csv";
import { startAuditExport } from "../../services/platform/audit";
import { type AuditFilter, auditChainState, listAuditEvents } from "../../services/platform/audit-queries";
import { auditHeaders, headersQuery } from "../export-headers";
import { field, parseQuery } from "../input";
import { pageLanguage, pageTranslator } from "../language";
import { auditActionLabel } from "../view-labels";
import { requireRole } from "../middleware";

/** The audit log for administrators: the chain's state, filters, paging by position, CSV export. */
export const auditRoutes = Router();
const admin = requireRole("admin");

const filterFields = {
  action: field.filter(msg("errors:fields.action"), 60),
  entityType: field.filter(msg("errors:fields.recordType"), 40),
  entityId: field.filter(msg("errors:fields.recordId"), 40),
  actor: field.filter(msg("errors:fields.user"), 254),
  from: field.optionalDate(msg("errors:fields.firstDay")),
  to: field.optionalDate(msg("errors:fields.lastDay")),
};
const auditQuery = z.object({ ...filterFields, before: field.optionalId(msg("errors:fields.logPosition")) });
const exportQuery = z.object({ ...filterFields, ...headersQuery });

type FilterInput = z.infer<typeof exportQuery>;

/** The days typed are whole days in the programme's zone; the log stores UTC instants. */
function toFilter(req: Request, q: FilterInput): AuditFilter {
  // As on the ledger: a period that ends before it starts is refused, not shown as an empty log.
  if (q.from && q.to && q.from > q.to) throw new BadRequestError(msg("errors:finance.periodEmpty", { from: q.from, to: q.to }), "bad_filter");
  const tz = req.ctx.config.timeZone;
  const day = (s: string | null, plus = 0) => (s ? DateTime.fromISO(s, { zone: tz }).plus({ days: plus }).toUTC().toISO() ?? undefined : undefined);
  return {
    action: q.action || undefined, entityType: q.entityType || undefined, entityId: q.entityId || undefined,
    actor: q.actor || undefined, from: day(q.from), to: day(q.to, 1),
  };
}

function keptQuery(q: FilterInput): Record<string, string> {
  const kept = { action: q.action, entityType: q.entityType, entityId: q.entityId, actor: q.actor, from: q.from ?? "", to: q.to ?? "" };
  return Object.fromEntries(Object.entries(kept).filter(([, v]) => v !== ""));
}

auditRoutes.get("/admin/audit", admin, async (req, res) => {
  const q = parseQuery(auditQuery, req.query);
  const filter = toFilter(req, q);
  const [{ rows, nextBefore }, chain] = await Promise.all([listAuditEvents(req.ctx, filter, q.before), auditChainState(req.ctx)]);
  const kept = keptQuery(q);
  const qs = (extra: Record<string, string> = {}) => {
    const s = new URLSearchParams({ ...kept, ...extra }).toString();
    return s ? `?${s}` : "";
  };
  res.render("pages/admin/audit", {
    pageTitle: pageTranslator(res)("admin:titles.audit"), rows, chain,
    values: { action: q.action, entityType: q.entityType, entityId: q.entityId, actor: q.actor, from: q.from ?? "", to: q.to ?? "" },
    firstLink: q.before !== null ? `/admin/audit${qs()}` : null,
    nextLink: nextBefore !== null ? `/admin/audit${qs({ before: String(nextBefore) })}` : null,
    csvLink: `/admin/audit.csv${qs()}`,
  });
});

auditRoutes.get("/admin/audit.csv", admin, async (req, res) => {
  const q = parseQuery(exportQuery, req.query);
  const headers = auditHeaders(q.headers, pageTranslator(res));
  const filter = toFilter(req, q);
  res.attachment(`audit-log${q.from ? `-from-${q.from}` : ""}${q.to ? `-to-${q.to}` : ""}.csv`);
  res.type("text/csv; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  // A HEAD gets the headers only: no export is read, and none is logged as made.
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const rows = await startAuditExport(req.ctx, filter);
  try {
    const language = pageLanguage(res);
    await writeAuditCsv(rows, res, (action) => auditActionLabel(action, language), headers);
  } catch (err) {
    // A file cut short must not look complete: the connection is dropped instead.
    if (res.headersSent) {
      req.log.error({ err }, "audit export failed mid-stream");
      res.destroy(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    throw err;
  }
});
