/**
 * The JSON Schema of the run report, generated from {@linkcode RunReportSchema} and committed
 * as `schema/report.schema.json`. Regenerate it with
 * `deno run --allow-write lib/report/schema.ts`; a test fails when the committed file is stale.
 *
 * @module
 */

import { z } from "zod";
import { RunReportSchema } from "./model.ts";

/** Where the schema is committed. */
export const REPORT_SCHEMA_PATH: URL = new URL("../../schema/report.schema.json", import.meta.url);

/**
 * The report's JSON Schema as committed (draft 2020-12); `schemaVersion` is a constant in it.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { renderReportJsonSchema } from "./schema.ts";
 * equal(JSON.parse(renderReportJsonSchema()).title, "redfill run report");
 * ```
 *
 * @returns The schema text, ending with a newline.
 */
export function renderReportJsonSchema(): string {
  const schema = z.toJSONSchema(RunReportSchema, { target: "draft-2020-12" });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (import.meta.main) {
  await Deno.writeTextFile(REPORT_SCHEMA_PATH, renderReportJsonSchema());
  console.log(`Wrote ${REPORT_SCHEMA_PATH.pathname}`);
}
