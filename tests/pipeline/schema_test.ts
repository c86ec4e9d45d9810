import { assertEquals } from "./_assert.ts";
import { pipelineJsonSchema, pipelineSchema } from "../../lib/pipeline/schema.ts";
import { defaultRegistry } from "../../lib/builtins.ts";

const registry = defaultRegistry();

Deno.test("pipelineJsonSchema() closes every object and gives each step item oneOf its forms", () => {
  const schema = pipelineJsonSchema(registry) as {
    additionalProperties: boolean;
    required: string[];
    properties: { steps: { items: { oneOf: { enum?: string[]; properties?: object }[] } } };
  };
  assertEquals(schema.additionalProperties, false);
  assertEquals(schema.required.sort(), ["steps", "version"]);
  const forms = schema.properties.steps.items.oneOf;
  assertEquals(forms.length, 1 + registry.steps().length + 1);
  assertEquals(forms[0]?.enum, [
    "connect",
    "discover",
    "flush",
    "fill",
    "keyspace",
    "verify",
    "report",
    "merge",
  ]);
  assertEquals(Object.keys(forms[4]?.properties ?? {}), ["fill", "id"]);
  assertEquals(Object.keys(forms.at(-1)?.properties ?? {}), ["uses", "with", "id"]);
  const open: string[] = [];
  (function walk(node: unknown, path: string) {
    if (node === null || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    if (
      record.type === "object" && "properties" in record && record.additionalProperties !== false
    ) {
      open.push(path);
    }
    for (const [key, value] of Object.entries(record)) walk(value, `${path}/${key}`);
  })(schema, "");
  assertEquals(open, []);
});

Deno.test("pipelineSchema() accepts the forms the loader accepts", () => {
  const schema = pipelineSchema(registry);
  const result = schema.safeParse({
    version: 1,
    name: "x",
    target: { url: "redis://127.0.0.1:7000", mode: "cluster" },
    steps: [
      "connect",
      "discover",
      { fill: { size: "1MB", "key-size": 512 } },
      { fill: null, id: "again" },
      { uses: "./steps/x.ts", with: { a: 1 }, id: "x" },
    ],
  });
  assertEquals(result.success, true, JSON.stringify(result.error?.issues));
  assertEquals(
    schema.safeParse({ version: 1, steps: [{ fill: { "key-sise": 1 } }] }).success,
    false,
  );
});
