import assert from "node:assert/strict";
import type { z } from "zod";
import { defaultRegistry, parsePipeline } from "../lib/builtins.ts";
import { KEYSPACE_DEFAULTS, TARGET_DEFAULTS, VERIFY_DEFAULTS } from "../lib/defaults.ts";
import { localTarget } from "../lib/local/target.ts";
import { keyspaceFromOptions } from "../lib/steps/fill.ts";
import type { LocalRedis } from "../lib/local/types.ts";

/** A step's options when a pipeline gives none. */
function defaultsOf(step: string): Record<string, unknown> {
  const definition = defaultRegistry().step(step);
  assert.ok(definition, `no step "${step}"`);
  return (definition.options as unknown as z.ZodType).parse({}) as Record<string, unknown>;
}

Deno.test("the fill and keyspace steps take the keyspace defaults from lib/defaults.ts", async () => {
  for (const step of ["fill", "keyspace"]) {
    const options = defaultsOf(step);
    // size has no schema default, so that `keys` or `until-memory` may stand in its place; the
    // keyspace falls back to the default size when none of them is given.
    assert.deepEqual(
      [options.size, options["key-size"], options["value-size"], options.seed, options.prefix],
      [
        undefined,
        KEYSPACE_DEFAULTS.keySize,
        KEYSPACE_DEFAULTS.valueSize,
        KEYSPACE_DEFAULTS.seed,
        KEYSPACE_DEFAULTS.prefix,
      ],
      step,
    );
    const keyspace = await keyspaceFromOptions(
      options as Parameters<typeof keyspaceFromOptions>[0],
    );
    assert.equal(
      keyspace.count,
      Math.ceil(KEYSPACE_DEFAULTS.size / (KEYSPACE_DEFAULTS.keySize + KEYSPACE_DEFAULTS.valueSize)),
      step,
    );
  }
});

Deno.test("a flush without a fill step to take the prefix from uses the keyspace default", async () => {
  const pipeline = await parsePipeline(
    "version: 1\nsteps: [connect, flush]\n",
    "d.yaml",
    { env: {} },
  );
  const flush = pipeline.steps.find((step) => step.name === "flush");
  assert.equal((flush?.options as { prefix: string }).prefix, KEYSPACE_DEFAULTS.prefix);
});

Deno.test("the verify step takes its tolerance and sample from lib/defaults.ts", () => {
  const options = defaultsOf("verify");
  assert.deepEqual([options.tolerance, options.sample], [
    VERIFY_DEFAULTS.tolerance,
    VERIFY_DEFAULTS.sample,
  ]);
});

Deno.test("a pipeline's target and a local server's target take lib/defaults.ts's timeouts", async () => {
  const plain = await parsePipeline("version: 1\nsteps: [connect]\n", "d.yaml", { env: {} });
  const tls = await parsePipeline(
    "version: 1\ntarget: { tls: true }\nsteps: [connect]\n",
    "d.yaml",
    {
      env: {},
    },
  );
  assert.deepEqual(
    [plain.target.host, plain.target.port, tls.target.port],
    [TARGET_DEFAULTS.host, TARGET_DEFAULTS.port, TARGET_DEFAULTS.tlsPort],
  );
  const local = {
    kind: "standalone",
    masters: () => [{ host: "127.0.0.1", port: 20001 }],
  } as unknown as LocalRedis;
  for (const target of [plain.target, localTarget(local)]) {
    assert.deepEqual(
      [target.connectTimeoutMs, target.commandTimeoutMs],
      [TARGET_DEFAULTS.connectTimeoutMs, TARGET_DEFAULTS.commandTimeoutMs],
    );
  }
});
