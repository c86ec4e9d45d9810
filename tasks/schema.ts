/**
 * `deno task schema`: regenerates `schema/pipeline.schema.json` from the registered steps'
 * zod schemas, for editors (`# yaml-language-server: $schema=…`).
 *
 * @module
 */

import { defaultRegistry } from "../lib/builtins.ts";
import { renderPipelineJsonSchema } from "../lib/pipeline/schema.ts";

/** Where the schema is committed, relative to the repository root. */
export const SCHEMA_PATH = new URL("../schema/pipeline.schema.json", import.meta.url);

if (import.meta.main) {
  await Deno.writeTextFile(SCHEMA_PATH, renderPipelineJsonSchema(defaultRegistry()));
  console.log(`Wrote ${SCHEMA_PATH.pathname}`);
}
