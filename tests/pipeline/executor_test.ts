import { assertEquals, assertOk, assertRejects } from "./_assert.ts";
import { z } from "zod";
import { ConnectionError, FillError } from "../../lib/errors.ts";
import { defineStep } from "../../lib/pipeline/define.ts";
import { formatPlan, runPipeline } from "../../lib/pipeline/executor.ts";
import { loadPipeline, parsePipeline } from "../../lib/pipeline/loader.ts";
import type { Logger } from "../../lib/types.ts";
import { type FakeLog, testRegistry } from "./_registry.ts";
import { events as recordingEvents } from "../../fixtures/steps/recording_transport.ts";

/** A registry with the lookalikes plus steps that fail, wait or hold resources. */
function executorRegistry(log: FakeLog) {
  const registry = testRegistry(log);
  registry.registerStep(defineStep({
    name: "hold",
    description: "Defers a closer that records its name",
    options: z.strictObject({ label: z.string() }),
    run(ctx, options) {
      log.events.push(`open ${options.label}`);
      ctx.defer(() => {
        log.events.push(`close ${options.label}`);
      });
      return options.label;
    },
  }));
  registry.registerStep(defineStep({
    name: "boom",
    description: "Throws a user error of a chosen kind",
    options: z.strictObject({ kind: z.enum(["fill", "connection", "bug"]) }),
    run(_ctx, options) {
      if (options.kind === "fill") {
        throw new FillError('Node "10.0.0.5:7000" was lost during the fill');
      }
      if (options.kind === "connection") {
        throw new ConnectionError('Cannot connect to "10.0.0.5:7000"');
      }
      throw new TypeError("undefined is not a function");
    },
  }));
  registry.registerStep(defineStep({
    name: "wait-abort",
    description: "Waits until the run is aborted",
    run(ctx) {
      return new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
      });
    },
  }));
  registry.registerStep(defineStep({
    name: "liar",
    description: "Declares a fact it never provides",
    provides: ["topology"],
    run: () => null,
  }));
  registry.registerStep(defineStep({
    name: "sleep",
    description: "Sleeps a while",
    options: z.strictObject({ ms: z.number() }),
    async run(_ctx, options) {
      await new Promise((resolve) => setTimeout(resolve, options.ms));
      return options.ms;
    },
  }));
  return registry;
}

/** Loads pipeline text with the executor registry. */
function load(log: FakeLog, steps: string) {
  return parsePipeline(`version: 1\nname: exec\nsteps:\n${steps}`, "fixtures/pipelines/exec.yaml", {
    registry: executorRegistry(log),
    env: {},
  });
}

Deno.test("runPipeline() runs steps in order, stores outputs by id and times each step", async () => {
  const log: FakeLog = { events: [] };
  const pipeline = await load(
    log,
    "  - connect\n  - discover\n  - sleep: { ms: 30 }\n  - fill: { size: 1000, key-size: 10, value-size: 90 }\n  - report\n",
  );
  const result = await runPipeline(pipeline);
  assertEquals(result.ok, true);
  assertEquals(result.exitCode, 0);
  assertEquals(result.steps.map((step) => step.id), [
    "connect",
    "discover",
    "sleep",
    "fill",
    "report",
  ]);
  assertOk((result.steps[2]?.durationMs ?? 0) >= 25, `sleep took ${result.steps[2]?.durationMs}`);
  assertEquals(result.outputs.get("fill"), { keys: 10, bytes: 1000 });
  assertEquals(result.outputs.get("report"), { outputs: ["connect", "discover", "sleep", "fill"] });
  assertEquals(log.events, ["fake:connect 127.0.0.1:6379", "fake:close"]);
});

Deno.test("runPipeline() turns a typed error into its exit code and stops the run", async () => {
  const log: FakeLog = { events: [] };
  const pipeline = await load(
    log,
    "  - connect\n  - boom: { kind: fill }\n  - hold: { label: never }\n",
  );
  const result = await runPipeline(pipeline);
  assertEquals(result.ok, false);
  assertEquals(result.exitCode, 4);
  assertEquals(result.steps.map((step) => [step.id, step.ok]), [["connect", true], [
    "boom",
    false,
  ]]);
  assertEquals(result.steps[1]?.error, 'Node "10.0.0.5:7000" was lost during the fill');
  assertOk(result.error instanceof FillError);
  assertEquals(log.events, ["fake:connect 127.0.0.1:6379", "fake:close"]);
});

Deno.test("runPipeline() runs deferred closers in reverse order when a step throws", async () => {
  const log: FakeLog = { events: [] };
  const pipeline = await load(
    log,
    "  - connect\n  - hold: { label: a }\n  - hold: { label: b }\n    id: hold-b\n  - boom: { kind: connection }\n",
  );
  const result = await runPipeline(pipeline);
  assertEquals(result.exitCode, 3);
  assertEquals(log.events, [
    "fake:connect 127.0.0.1:6379",
    "open a",
    "open b",
    "close b",
    "close a",
    "fake:close",
  ]);
});

Deno.test("runPipeline() rethrows a bug after running every closer", async () => {
  const log: FakeLog = { events: [] };
  const pipeline = await load(
    log,
    "  - connect\n  - hold: { label: a }\n  - boom: { kind: bug }\n",
  );
  await assertRejects(() => runPipeline(pipeline), TypeError, "undefined is not a function");
  assertEquals(log.events.slice(-2), ["close a", "fake:close"]);
});

Deno.test("runPipeline() reports a step that declares a fact it never provides as a bug", async () => {
  const pipeline = await load({ events: [] }, "  - liar\n");
  await assertRejects(
    () => runPipeline(pipeline),
    Error,
    'Step "liar" declares that it provides "topology" but did not call ctx.provide() for it',
  );
});

Deno.test("runPipeline() stops with exit 130 after cleanup when the signal aborts", async () => {
  const log: FakeLog = { events: [] };
  const pipeline = await load(
    log,
    "  - connect\n  - hold: { label: a }\n  - wait-abort\n  - report\n",
  );
  const controller = new AbortController();
  const running = runPipeline(pipeline, { signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  const result = await running;
  assertEquals(result.exitCode, 130);
  assertEquals(result.error?.message, 'Interrupted during step "wait-abort"');
  assertEquals(result.steps.map((step) => [step.id, step.ok]), [
    ["connect", true],
    ["hold", true],
    ["wait-abort", false],
  ]);
  assertEquals(log.events.slice(-2), ["close a", "fake:close"]);
});

Deno.test("runPipeline() runs nothing when the signal is already aborted", async () => {
  const log: FakeLog = { events: [] };
  const pipeline = await load(log, "  - connect\n");
  const controller = new AbortController();
  controller.abort();
  const result = await runPipeline(pipeline, { signal: controller.signal });
  assertEquals([result.exitCode, result.steps.length, log.events.length], [130, 0, 0]);
});

Deno.test("runPipeline() with dryRun prints the plan through the logger and connects nowhere", async () => {
  const log: FakeLog = { events: [] };
  const pipeline = await load(log, "  - connect\n  - discover\n  - fill: { size: 1KB }\n");
  const lines: string[] = [];
  const logger: Logger = { debug() {}, info: (message) => lines.push(message), warn() {} };
  const result = await runPipeline(pipeline, { dryRun: true, logger });
  assertEquals([result.ok, result.steps.length, log.events.length], [true, 0, 0]);
  assertEquals(lines, [formatPlan(pipeline)]);
  assertOk(lines[0]?.includes("     needs: connection, topology\n     provides: fill"), lines[0]);
});

Deno.test("formatPlan() masks the password and secret-looking options", async () => {
  const pipeline = await parsePipeline(
    "version: 1\ntarget: { password: hunter2x }\nsteps: [connect]\n",
    "p.yaml",
    { registry: testRegistry(), env: {} },
  );
  const plan = formatPlan(pipeline);
  assertOk(!plan.includes("hunter2x") && plan.includes("password ***"), plan);
});

Deno.test("a custom step from uses: gets typed, validated options and sees earlier outputs", async () => {
  const pipeline = await loadPipeline("fixtures/pipelines/custom_transport.yaml", {
    registry: testRegistry(),
  });
  recordingEvents.length = 0;
  const result = await runPipeline(pipeline);
  assertEquals(result.ok, true);
  assertEquals(result.outputs.get("probe"), {
    times: 2,
    earlier: { connect: { transport: "recording" }, discover: { nodes: 1 } },
  });
});

Deno.test("a transport exported by a uses: module is what ctx.createTransport() makes", async () => {
  const pipeline = await loadPipeline("fixtures/pipelines/custom_transport.yaml", {
    registry: testRegistry(),
  });
  recordingEvents.length = 0;
  await runPipeline(pipeline);
  assertEquals(recordingEvents, ["connect 10.0.0.5:7001", "call PING", "call PING", "close"]);
});

Deno.test("the memory-doctor example step warns above its threshold and returns per-node numbers", async () => {
  const log: FakeLog = { events: [] };
  const pipeline = await loadPipeline("fixtures/pipelines/custom_step.yaml", {
    registry: testRegistry(log),
  });
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (message) => warnings.push(message) };
  const result = await runPipeline(pipeline, { logger });
  assertEquals(result.outputs.get("doctor"), {
    nodes: [{
      address: "127.0.0.1:7000",
      usedMemory: 900,
      maxMemory: 1000,
      share: 0.9,
      warned: true,
    }],
    warned: true,
  });
  assertEquals(warnings, ["127.0.0.1:7000 uses 90.0% of maxmemory (warn above 50%)"]);
  assertEquals(log.events, ["fake:connect 127.0.0.1:7000", "fake:each INFO memory", "fake:close"]);
});
