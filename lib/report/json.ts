/**
 * The JSON rendering of a run report: the versioned model, validated, with its keys in the
 * schema's order, so the output of two runs differs only where the runs did.
 *
 * @module
 */

import { type RunReport, RunReportSchema } from "./model.ts";

/**
 * Renders a report as JSON (two-space indent, keys in schema order, a final newline).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { buildRunReport } from "./model.ts";
 * import { renderJson } from "./json.ts";
 * const report = buildRunReport({
 *   pipeline: "demo",
 *   target: {
 *     host: "127.0.0.1", port: 6379, mode: "standalone",
 *     connectTimeoutMs: 5000, commandTimeoutMs: 10000,
 *   },
 * });
 * equal(JSON.parse(renderJson(report)).schemaVersion, 2);
 * ```
 *
 * @param report The report.
 * @returns The JSON text.
 * @throws {z.ZodError} when the report does not match its schema (a bug).
 */
export function renderJson(report: RunReport): string {
  return `${JSON.stringify(RunReportSchema.parse(report), null, 2)}\n`;
}
