import assert from "node:assert/strict";
import { renderReportJsonSchema, REPORT_SCHEMA_PATH } from "../../lib/report/schema.ts";

Deno.test("the committed schema/report.schema.json is what RunReportSchema generates", async () => {
  const committed = await Deno.readTextFile(REPORT_SCHEMA_PATH);
  if (Deno.env.get("UPDATE_SNAPSHOTS") === "1") {
    await Deno.writeTextFile(REPORT_SCHEMA_PATH, renderReportJsonSchema());
    return;
  }
  assert.equal(
    committed,
    renderReportJsonSchema(),
    "stale: run deno run --allow-write lib/report/schema.ts",
  );
  const schema = JSON.parse(committed);
  assert.equal(schema.properties.schemaVersion.const, 2);
  assert.deepEqual(schema.properties.status.enum, ["passed", "failed", "interrupted"]);
  // Units are binary and named in the fields.
  const fill = schema.properties.fill.anyOf[0].properties;
  assert.ok("mibPerSecond" in fill && "cpuSecondsPerGib" in fill.client.properties);
  assert.ok(!JSON.stringify(schema).includes("megabytes"));
  assert.equal(schema.additionalProperties, false);
  assert.ok(!("password" in schema.properties.target.properties));
});
