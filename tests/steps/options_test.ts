import assert from "node:assert/strict";
import { z } from "zod";
import { parsePipeline } from "../../lib/builtins.ts";
import { KEYSPACE_DEFAULTS } from "../../lib/defaults.ts";
import { PipelineError } from "../../lib/pipeline/errors.ts";
import { keyspaceShape, shardSchema, sizeSchema, ttlSchema } from "../../lib/steps/options.ts";

/** The messages a schema gives for a value, or [] when it accepts it. */
function messages(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
}

Deno.test("a bad TTL, shard, size or batch buffer in a pipeline file is one problem at its file:line:col, named by its option path", async () => {
  const ttlRange = "expected seconds ≥ 1, and a range whose end is not below its start";
  const cases: [option: string, value: string, reason: string][] = [
    ["ttl", '"120-60"', `${ttlRange}, found "120-60"`],
    ["ttl", '"0"', `${ttlRange}, found "0"`],
    ["ttl", "0", "expected a number above 0, found 0"],
    ["shard", '"1 of 3"', 'expected k/n like 0/3, or auto, found "1 of 3"'],
    ["size", "0", "expected a size above 0 (a fill of 0 bytes writes nothing), found 0"],
    [
      "pipeline",
      "10GiB",
      'expected at most 256.0 MiB per batch buffer (each writer has two), found "10GiB"',
    ],
  ];
  for (const [option, value, reason] of cases) {
    const source = `version: 1\nsteps:\n  - connect\n  - fill: { ${option}: ${value} }\n`;
    await assert.rejects(
      () => parsePipeline(source, "t.yaml", { env: {} }),
      (error: unknown) =>
        error instanceof PipelineError &&
        error.message.startsWith(`t.yaml:4:${source.split("\n")[3]!.indexOf(value) + 1}: `) &&
        [error.line, error.step, error.option].join() === `4,fill,${option}` &&
        error.reason === `step "fill": option "${option}": ${reason}`,
      `${option}: ${value}`,
    );
  }
});

Deno.test("sizeSchema reads bytes and sizes in powers of 1024", () => {
  assert.equal(sizeSchema.parse(4096), 4096);
  assert.equal(sizeSchema.parse("64MB"), 64 * 1024 * 1024);
  assert.equal(sizeSchema.parse("1.5GiB"), 1.5 * 1024 ** 3);
  assert.equal(sizeSchema.parse("10 kb"), 10240);
  assert.equal(sizeSchema.parse("7"), 7);
});

Deno.test("sizeSchema refuses text that is not a size, and negative or fractional bytes", () => {
  assert.ok(messages(sizeSchema, "12 parsecs").includes("expected a size like 512MB or 1.5GiB"));
  assert.ok(messages(sizeSchema, -1).length > 0);
  assert.ok(messages(sizeSchema, 1.5).length > 0);
  assert.ok(messages(sizeSchema, true).length > 0);
});

Deno.test("ttlSchema reads seconds or a range, and refuses zero and a reversed range", () => {
  assert.deepEqual(ttlSchema.parse(60), { min: 60, max: 60 });
  assert.deepEqual(ttlSchema.parse("60-120"), { min: 60, max: 120 });
  assert.deepEqual(ttlSchema.parse(" 5 - 9 "), { min: 5, max: 9 });
  assert.deepEqual(
    messages(ttlSchema, "120-60"),
    ["expected seconds ≥ 1, and a range whose end is not below its start"],
  );
  assert.deepEqual(
    messages(ttlSchema, "0"),
    ["expected seconds ≥ 1, and a range whose end is not below its start"],
  );
  assert.equal(messages(ttlSchema, 0).length, 1, "one problem, not two");
  assert.equal(messages(ttlSchema, "1m").length, 1);
});

Deno.test("shardSchema reads k/n with 0 ≤ k < n", () => {
  assert.deepEqual(shardSchema.parse("0/3"), { index: 0, count: 3 });
  assert.deepEqual(shardSchema.parse("2/3"), { index: 2, count: 3 });
  assert.deepEqual(messages(shardSchema, "3/3"), ["expected k/n with 0 ≤ k < n"]);
  assert.deepEqual(messages(shardSchema, "0/0"), ["expected k/n with 0 ≤ k < n"]);
  assert.deepEqual(messages(shardSchema, "1 of 3"), ["expected k/n like 0/3, or auto"]);
});

Deno.test("keyspaceShape defaults every option and refuses a prefix with braces or spaces", () => {
  const schema = z.strictObject(keyspaceShape);
  assert.deepEqual(schema.parse({}), {
    size: KEYSPACE_DEFAULTS.size,
    "key-size": KEYSPACE_DEFAULTS.keySize,
    "value-size": KEYSPACE_DEFAULTS.valueSize,
    seed: KEYSPACE_DEFAULTS.seed,
    prefix: KEYSPACE_DEFAULTS.prefix,
  });
  for (const prefix of ["a{b", "a}b", "a b"]) {
    assert.deepEqual(messages(schema, { prefix }), [
      "expected printable ASCII without spaces, { or }",
    ]);
  }
  assert.deepEqual(messages(schema, { prefix: "" }), [], "an empty prefix is allowed");
  assert.ok(messages(schema, { "key-size": 0 }).length > 0);
  assert.ok(messages(schema, { seed: 2 ** 32 }).length > 0);
  assert.ok(messages(schema, { "value-size": 512 * 1024 * 1024 + 1 }).length > 0);
});
