/**
 * Run reports: the versioned model built from a run's facts, and its terminal, JSON and
 * Markdown renderings.
 *
 * ```ts ignore
 * import { buildRunReport, renderTable } from "./lib/report/mod.ts";
 * console.log(renderTable(buildRunReport({ pipeline, target, fill, verify }), { width: 80 }));
 * ```
 *
 * @module
 */

export {
  buildRunReport,
  redact,
  REPORT_SCHEMA_VERSION,
  ReportCheckSchema,
  ReportFillNodeSchema,
  ReportFillSchema,
  ReportNodeSchema,
  ReportStepSchema,
  ReportTargetSchema,
  ReportVerifyNodeSchema,
  ReportVerifySchema,
  RunReportSchema,
} from "./model.ts";
export { renderTable } from "./table.ts";
export { renderJson } from "./json.ts";
export { renderMarkdown } from "./markdown.ts";
export { renderReportJsonSchema, REPORT_SCHEMA_PATH } from "./schema.ts";

export type { RunReport, RunReportInput } from "./model.ts";
export type { RenderTableOptions } from "./table.ts";
