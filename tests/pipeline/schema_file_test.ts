import { assertEquals } from "./_assert.ts";
import { defaultRegistry } from "../../lib/builtins.ts";
import { renderPipelineJsonSchema } from "../../lib/pipeline/schema.ts";

Deno.test("schema/pipeline.schema.json is up to date with the built-in steps (deno task schema)", async () => {
  const committed = await Deno.readTextFile("schema/pipeline.schema.json");
  assertEquals(
    committed,
    renderPipelineJsonSchema(defaultRegistry()),
    "schema/pipeline.schema.json is stale: run `deno task schema` and commit it",
  );
});
