import { assertEquals, assertOk } from "./_assert.ts";
import { join } from "node:path";
import { z } from "zod";
import {
  ConnectionError,
  FillError,
  InternalError,
  InterruptedError,
  PluginStepError,
} from "../../lib/errors.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { defineStep } from "../../lib/pipeline/define.ts";
import { describeTarget, formatPlan, runPipeline } from "../../lib/pipeline/executor.ts";
import { loadPipeline, parsePipeline } from "../../lib/builtins.ts";
import type { RunReport } from "../../lib/report/model.ts";
import type { FillResult, Logger } from "../../lib/types.ts";
import { fakeTransport, registryWith, spyTransport, type TransportLog } from "../_transports.ts";
import { events as recordingEvents } from "../../fixtures/steps/recording_transport.ts";

/**
 * The built-in steps and transports, a fake and a spy transport, and steps that fail, wait,
 * hold resources or break the rules of the context: what the executor must handle.
 */
function executorRegistry(log: TransportLog) {
  const registry = registryWith(fakeTransport(log), spyTransport(log));
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
  registry.registerStep(defineStep({
    name: "sneak",
    description: "Uses a fact it did not declare, as an untyped plugin could",
    options: z.strictObject({ call: z.enum(["get", "find", "provide"]) }),
    run(ctx, options) {
      // Casts stand for a plugin written without types; the executor must still refuse.
      const loose = ctx as unknown as {
        get(fact: string): unknown;
        find(fact: string): unknown;
        provide(fact: string, value: unknown): void;
      };
      if (options.call === "get") return loose.get("connection");
      if (options.call === "find") return loose.find("connection");
      loose.provide("verify", { ok: true });
      return null;
    },
  }));
  registry.registerStep(defineStep({
    name: "peek",
    description: "Returns the optional flush fact, or a marker when no step provided it",
    optional: ["flush"],
    run: (ctx) => ctx.find("flush") ?? "absent",
  }));
  return registry;
}

/** Loads pipeline text with the executor registry; the target uses the given transport. */
function load(log: TransportLog, steps: string, target = "{ transport: fake }") {
  return parsePipeline(
    `version: 1\nname: exec\ntarget: ${target}\nsteps:\n${steps}`,
    "fixtures/pipelines/exec.yaml",
    { registry: executorRegistry(log), env: {} },
  );
}

Deno.test("runPipeline() runs steps in order, stores outputs by id and times each step", async () => {
  await using local = await startLocalRedis();
  const dir = await Deno.makeTempDir({ prefix: "redfill-executor-" });
  try {
    const log: TransportLog = { events: [] };
    const port = local.masters()[0]!.port;
    const pipeline = await load(
      log,
      "  - connect\n  - discover\n  - sleep: { ms: 30 }\n" +
        "  - fill: { size: 1000, key-size: 20, value-size: 80 }\n" +
        `  - report: { format: json, out: ${join(dir, "report.json")} }\n`,
      `{ host: 127.0.0.1, port: ${port}, mode: standalone, transport: spy }`,
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
    const fill = result.outputs.get("fill") as FillResult;
    assertEquals([fill.keys, fill.bytes], [10, 1000]);
    // The last step sees every earlier one.
    const report = result.outputs.get("report") as RunReport;
    assertEquals(report.steps.map((step) => step.id), ["connect", "discover", "sleep", "fill"]);
    // One connection, made by connect and closed after the last step (the fill's own
    // control-plane calls in between are not the point here).
    assertEquals(log.events.filter((event) => /:(connect|close)/.test(event)), [
      `spy:connect 127.0.0.1:${port}`,
      "spy:close",
    ]);
    assertEquals(log.events.at(-1), "spy:close");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runPipeline() turns a typed error into its exit code and stops the run", async () => {
  const log: TransportLog = { events: [] };
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
  const log: TransportLog = { events: [] };
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

Deno.test("runPipeline() turns a bug into an internal error (exit 70) after running every closer", async () => {
  const log: TransportLog = { events: [] };
  const pipeline = await load(
    log,
    "  - connect\n  - hold: { label: a }\n  - boom: { kind: bug }\n",
  );
  const result = await runPipeline(pipeline);
  assertEquals(result.exitCode, 70);
  assertOk(result.error instanceof InternalError);
  assertEquals(
    result.error.message,
    'Internal error in step "boom": TypeError: undefined is not a function',
  );
  assertOk(result.error.cause instanceof TypeError);
  assertEquals(log.events.slice(-2), ["close a", "fake:close"]);
});

Deno.test("runPipeline() reports a step that declares a fact it never provides as a bug", async () => {
  const result = await runPipeline(await load({ events: [] }, "  - liar\n"));
  assertEquals(result.exitCode, 70);
  assertEquals(
    result.error?.message,
    'Internal error in step "liar": Error: Step "liar" declares that it provides "topology" but did not call ctx.provide() for it',
  );
});

Deno.test("runPipeline() refuses a fact a step did not declare, even from an untyped plugin", async () => {
  const messages: string[] = [];
  for (const call of ["get", "find", "provide"]) {
    const log: TransportLog = { events: [] };
    const pipeline = await load(log, `  - connect\n  - sneak: { call: ${call} }\n`);
    const result = await runPipeline(pipeline);
    assertEquals(result.exitCode, 70);
    messages.push(String((result.error?.cause as Error).message));
    assertEquals(log.events.at(-1), "fake:close");
  }
  assertEquals(messages, [
    'Step "sneak" called ctx.get("connection") but does not declare "connection" in needs',
    'Step "sneak" called ctx.find("connection") but does not declare "connection" in needs or optional',
    'Step "sneak" called ctx.provide("verify") but does not declare "verify" in provides',
  ]);
});

Deno.test("runPipeline() gives ctx.find() an optional fact when provided, else undefined", async () => {
  const without = await runPipeline(await load({ events: [] }, "  - connect\n  - peek\n"));
  assertEquals(without.outputs.get("peek"), "absent");
  const log: TransportLog = { events: [] };
  const withFlush = await runPipeline(await load(log, "  - connect\n  - flush\n  - peek\n"));
  assertEquals(withFlush.outputs.get("peek"), { enabled: true, scope: "all", deleted: 0 });
  assertEquals(log.events, [
    "fake:connect 127.0.0.1:6379",
    "fake:call PING",
    "fake:call ACL DRYRUN default FLUSHALL",
    "fake:call FLUSHALL ASYNC",
    "fake:call INFO memory",
    "fake:close",
  ]);
});

Deno.test("formatPlan() lists the optional facts a step reads if present", async () => {
  const plan = formatPlan(await load({ events: [] }, "  - connect\n  - fill: { size: 1KiB }\n"));
  assertOk(plan.includes("     provides: fill\n     reads if present: flush"), plan);
});

Deno.test("runPipeline() stops with exit 130 after cleanup when the signal aborts", async () => {
  const log: TransportLog = { events: [] };
  const pipeline = await load(
    log,
    "  - connect\n  - hold: { label: a }\n  - wait-abort\n  - discover\n",
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
  const log: TransportLog = { events: [] };
  const pipeline = await load(log, "  - connect\n");
  const controller = new AbortController();
  controller.abort();
  const result = await runPipeline(pipeline, { signal: controller.signal });
  assertEquals([result.exitCode, result.steps.length, log.events.length], [130, 0, 0]);
});

Deno.test("runPipeline() with dryRun prints the plan through the logger and connects nowhere", async () => {
  const log: TransportLog = { events: [] };
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
    { env: {} },
  );
  const plan = formatPlan(pipeline);
  assertOk(!plan.includes("hunter2x") && plan.includes("password ***"), plan);
});

Deno.test("a custom step from uses: gets typed, validated options and sees earlier outputs", async () => {
  const pipeline = await loadPipeline("fixtures/pipelines/custom_transport.yaml");
  recordingEvents.length = 0;
  const result = await runPipeline(pipeline);
  assertEquals(result.ok, true);
  const probe = result.outputs.get("probe") as { times: number; earlier: Record<string, unknown> };
  assertEquals(probe.times, 2);
  assertEquals(Object.keys(probe.earlier), ["connect", "discover"]);
  assertEquals(probe.earlier.connect, { transport: "recording", masters: 1, nodes: 1 });
  assertEquals(
    (probe.earlier.discover as { slotsServed: number }).slotsServed,
    16384,
  );
});

Deno.test("a transport exported by a uses: module is what ctx.createTransport() makes", async () => {
  const pipeline = await loadPipeline("fixtures/pipelines/custom_transport.yaml");
  recordingEvents.length = 0;
  await runPipeline(pipeline);
  assertEquals(recordingEvents, ["connect 10.0.0.5:7001", "call PING", "call PING", "close"]);
});

Deno.test("the memory-doctor example step warns above its threshold and returns per-node numbers", async () => {
  // 1 MiB of maxmemory: an empty redis-server already uses most of it.
  await using local = await startLocalRedis({ maxmemory: "1mb" });
  const port = local.masters()[0]!.port;
  const log: TransportLog = { events: [] };
  const pipeline = await loadPipeline("fixtures/pipelines/custom_step.yaml", {
    registry: registryWith(spyTransport(log)),
    set: [`target.port=${port}`, "target.transport=spy"],
  });
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (message) => warnings.push(message) };
  const result = await runPipeline(pipeline, { logger });
  assertEquals(result.error?.message, undefined);
  const doctor = result.outputs.get("doctor") as {
    nodes: { address: string; usedMemory: number; maxMemory: number; share: number }[];
    warned: boolean;
  };
  const node = doctor.nodes[0]!;
  assertEquals(doctor.nodes.length, 1);
  assertEquals([node.address, node.maxMemory], [`127.0.0.1:${port}`, 1024 * 1024]);
  assertEquals(node.share, node.usedMemory / node.maxMemory);
  assertOk(node.share > 0.5, `share ${node.share}`);
  assertEquals(doctor.warned, true);
  assertEquals(warnings, [
    `127.0.0.1:${port} uses ${(node.share * 100).toFixed(1)}% of maxmemory (warn above 50%)`,
  ]);
  assertEquals(log.events, [
    `spy:connect 127.0.0.1:${port}`,
    "spy:each INFO memory",
    "spy:close",
  ]);
});

Deno.test("the README's count-keys step provides its typed fact and reads the fill it finds", async () => {
  await using local = await startLocalRedis();
  const port = local.masters()[0]!.port;
  const pipeline = await parsePipeline(
    `version: 1\ntarget: { port: ${port}, mode: standalone }\nsteps:\n  - connect\n` +
      "  - uses: ../steps/count_keys.ts\n    id: before\n" +
      "  - fill: { size: 64KiB, key-size: 32, value-size: 32 }\n" +
      "  - uses: ../steps/count_keys.ts\n    id: after\n    with: { label: written }\n",
    "fixtures/pipelines/count.yaml",
    { env: {} },
  );
  const lines: string[] = [];
  const logger: Logger = { debug() {}, info: (message) => lines.push(message), warn() {} };
  const result = await runPipeline(pipeline, { logger });
  assertEquals(result.error?.message, undefined);
  const address = `127.0.0.1:${port}`;
  assertEquals(result.outputs.get("before"), { [address]: 0 });
  assertEquals(result.outputs.get("after"), { [address]: 1024 });
  assertEquals(lines.filter((line) => /^(keys on|written on|The fill)/.test(line)), [
    `keys on ${address}: 0`,
    `written on ${address}: 1024`,
    "The fill wrote 1024 keys",
  ]);
});

Deno.test("describeTarget() shows address, mode, TLS, user and transport, never the password", () => {
  const base = {
    host: "10.0.0.5",
    port: 7000,
    mode: "cluster" as const,
    connectTimeoutMs: 5000,
    commandTimeoutMs: 10000,
  };
  assertEquals(describeTarget(base), "redis://10.0.0.5:7000, mode cluster");
  assertEquals(
    describeTarget({
      ...base,
      tls: { ca: "ca.crt", servername: "redis.local", cert: undefined },
      username: "alice",
      password: "hunter2",
      transport: "recording",
    }),
    "rediss://10.0.0.5:7000, mode cluster, TLS (ca ca.crt, servername redis.local), user alice, password ***, transport recording",
  );
  assertEquals(describeTarget({ ...base, tls: {} }), "rediss://10.0.0.5:7000, mode cluster, TLS");
});

Deno.test("runPipeline() turns a plain Error from a uses: step into a plugin failure (exit 5) and still reports", async () => {
  const dir = await Deno.makeTempDir({ prefix: "redfill-executor-" });
  try {
    const out = join(dir, "r.json");
    const pipeline = await loadPipeline("fixtures/pipelines/plugin_throws.yaml", {
      set: [`report.out=${out}`],
    });
    const result = await runPipeline(pipeline);
    assertEquals(result.exitCode, 5);
    assertOk(result.error instanceof PluginStepError);
    assertEquals(
      result.error.message,
      'Step "careless" from "../steps/throws.ts" failed: The disk is full',
    );
    assertEquals(result.steps.map((step) => [step.id, step.ok]), [
      ["careless", false],
      ["report", true],
    ]);
    assertEquals((JSON.parse(await Deno.readTextFile(out)) as { ok: boolean }).ok, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runPipeline() still runs the report after an internal error", async () => {
  const log: TransportLog = { events: [] };
  const dir = await Deno.makeTempDir({ prefix: "redfill-executor-" });
  try {
    const out = join(dir, "r.json");
    const pipeline = await load(
      log,
      `  - connect\n  - boom: { kind: bug }\n  - report: { format: json, out: ${out} }\n`,
    );
    const result = await runPipeline(pipeline);
    assertEquals(result.exitCode, 70);
    assertEquals(result.steps.map((step) => [step.id, step.ok]), [
      ["connect", true],
      ["boom", false],
      ["report", true],
    ]);
    const report = JSON.parse(await Deno.readTextFile(out)) as { ok: boolean };
    assertEquals(report.ok, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runPipeline() exits 143 when the abort reason is an interruption by SIGTERM", async () => {
  const log: TransportLog = { events: [] };
  const pipeline = await load(log, "  - connect\n  - wait-abort\n");
  const controller = new AbortController();
  const running = runPipeline(pipeline, { signal: controller.signal });
  setTimeout(() => controller.abort(new InterruptedError("Stopped", { signal: "SIGTERM" })), 20);
  const result = await running;
  assertEquals(result.exitCode, 143);
  assertEquals(result.error?.message, 'Interrupted during step "wait-abort"');
});
