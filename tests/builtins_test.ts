import assert from "node:assert/strict";
import { z } from "zod";
import {
  builtinSteps,
  builtinTransports,
  defaultRegistry,
  loadPipeline,
  parsePipeline,
  registerBuiltins,
} from "../lib/builtins.ts";
import { defineStep } from "../lib/pipeline/define.ts";
import { PipelineError } from "../lib/pipeline/errors.ts";
import { Registry } from "../lib/pipeline/registry.ts";

const STEPS = ["connect", "discover", "flush", "fill", "keyspace", "verify", "report", "merge"];

Deno.test("defaultRegistry() holds every built-in step and transport, in a new registry each time", () => {
  const registry = defaultRegistry();
  assert.deepEqual(registry.steps().map((step) => step.name), STEPS);
  assert.deepEqual(registry.transports().map((t) => t.name), [
    "standalone",
    "cluster",
    "auto",
    "proxy",
  ]);
  assert.deepEqual(
    [registry.transportFor("standalone")?.name, registry.transportFor("cluster")?.name],
    ["standalone", "cluster"],
  );
  registry.registerStep(defineStep({ name: "extra", description: "x", run: () => null }));
  assert.equal(defaultRegistry().step("extra"), undefined);
  assert.equal(defaultRegistry().step("fill"), registry.step("fill"), "the same definitions");
});

Deno.test("registerBuiltins() adds the built-ins beside a plugin's steps, as a plugin registers", () => {
  const plugin = defineStep({ name: "probe", description: "x", run: () => null });
  const registry = new Registry().registerStep(plugin);
  registerBuiltins(registry);
  assert.deepEqual(registry.steps().map((step) => step.name), ["probe", ...STEPS]);
  assert.equal(builtinSteps.length, STEPS.length);
  assert.equal(builtinTransports.length, 4);
});

Deno.test("parsePipeline() and loadPipeline() resolve step names against the built-ins by default", async () => {
  const parsed = await parsePipeline("version: 1\nsteps: [connect, discover]\n", "b.yaml", {
    env: {},
  });
  assert.equal(parsed.steps[1]?.definition, defaultRegistry().step("discover"));
  const loaded = await loadPipeline("pipelines/fill.yaml");
  assert.ok(loaded.steps.some((step) => step.name === "verify"));
});

Deno.test("parsePipeline() uses the registry given instead of the built-ins", async () => {
  const registry = new Registry().registerStep(defineStep({
    name: "only",
    description: "The only step",
    options: z.strictObject({ n: z.number().default(3) }),
    run: () => null,
  }));
  const pipeline = await parsePipeline("version: 1\nsteps: [only]\n", "b.yaml", {
    registry,
    env: {},
  });
  assert.deepEqual(pipeline.steps[0]?.options, { n: 3 });
  await assert.rejects(
    () => parsePipeline("version: 1\nsteps: [connect]\n", "b.yaml", { registry, env: {} }),
    (error: unknown) =>
      error instanceof PipelineError && /Unknown step "connect"/.test(error.message),
  );
});
