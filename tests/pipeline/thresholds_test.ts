import assert from "node:assert/strict";
import { defaultRegistry } from "../../lib/builtins.ts";
import { runPipeline } from "../../lib/pipeline/executor.ts";
import { loadPipeline } from "../../lib/pipeline/loader.ts";

const FILE = "fixtures/pipelines/plugin_thresholds.yaml";

Deno.test("loadPipeline() reads thresholds with their limits in the metric's unit", async () => {
  const pipeline = await loadPipeline(FILE, { registry: defaultRegistry(), env: {} });
  assert.deepEqual(
    pipeline.thresholds?.map((
      entry,
    ) => [entry.metric, entry.expression.op, entry.limit, entry.unit]),
    [
      ["counter.count", "==", 5, "number"],
      ["counter.count", "<", 10, "number"],
      ["step.counter.duration", "<", 60, "s"],
    ],
  );
});

Deno.test("loadPipeline() takes thresholds from overrides with the path thresholds", async () => {
  const pipeline = await loadPipeline(FILE, {
    registry: defaultRegistry(),
    env: {},
    set: [{ path: "thresholds", value: "counter.count>=2", origin: { flag: "--threshold" } }],
  });
  assert.equal(pipeline.thresholds?.length, 4);
  assert.equal(pipeline.thresholds?.[3]?.metric, "counter.count");
});

Deno.test("runPipeline() checks a plugin step's metric: passing thresholds leave the run ok", async () => {
  const pipeline = await loadPipeline(FILE, { registry: defaultRegistry(), env: {} });
  const result = await runPipeline(pipeline);
  assert.equal(result.exitCode, 0, result.error?.message);
  assert.deepEqual(result.thresholds?.map((entry) => [entry.metric, entry.ok, entry.observed]), [
    ["counter.count", true, 5],
    ["counter.count", true, 5],
    ["step.counter.duration", true, result.thresholds?.[2]?.observed],
  ]);
});

Deno.test("runPipeline() exits 1 after every step when a threshold fails", async () => {
  const pipeline = await loadPipeline(FILE, {
    registry: defaultRegistry(),
    env: {},
    set: [{ path: "thresholds", value: "counter.count>5", origin: { flag: "--threshold" } }],
  });
  const result = await runPipeline(pipeline);
  assert.equal(result.exitCode, 1);
  assert.equal(result.error?.message, "A threshold failed: counter.count > 5 (observed 5)");
  assert.equal(result.steps[0]?.ok, true, "the step itself finished");
});

Deno.test("runPipeline() stops a step at the first sample an abort-on-fail threshold fails", async () => {
  const dir = await Deno.makeTempDir({ dir: "fixtures/pipelines" });
  try {
    const file = `${dir}/abort.yaml`;
    await Deno.writeTextFile(
      file,
      [
        "version: 1",
        "target: { url: redis://127.0.0.1:7000 }",
        "steps:",
        "  - uses: ../../steps/counter.ts",
        "    id: counter",
        "    with: { to: 1000, every-ms: 5 }",
        "thresholds:",
        '  counter.count: [{ threshold: "< 3", abort-on-fail: true }]',
        "",
      ].join("\n"),
    );
    const pipeline = await loadPipeline(file, { registry: defaultRegistry(), env: {} });
    const result = await runPipeline(pipeline);
    assert.equal(result.exitCode, 1);
    assert.equal(
      result.error?.message,
      'Threshold counter.count < 3 failed (observed 3): abort-on-fail stopped step "counter", and the run',
    );
    assert.deepEqual(result.steps[0]?.output, { count: 3 }, "it stopped at the failing sample");
    assert.equal(result.thresholds?.[0]?.stoppedRun, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ctx.metric() of a metric the step did not declare is a bug of the step", async () => {
  const dir = await Deno.makeTempDir({ dir: "fixtures/pipelines" });
  try {
    await Deno.writeTextFile(
      `${dir}/undeclared.ts`,
      [
        'import { defineStep } from "redfill";',
        "export default defineStep({",
        '  name: "sneaky",',
        '  description: "Publishes a metric it did not declare",',
        '  run(ctx) { ctx.metric("speed", 1); },',
        "});",
        "",
      ].join("\n"),
    );
    await Deno.writeTextFile(
      `${dir}/p.yaml`,
      "version: 1\ntarget: { url: redis://127.0.0.1:7000 }\nsteps:\n  - uses: ./undeclared.ts\n",
    );
    const result = await runPipeline(
      await loadPipeline(`${dir}/p.yaml`, { registry: defaultRegistry(), env: {} }),
    );
    assert.equal(result.exitCode, 5);
    const cause = (result.error?.cause as Error | undefined)?.message;
    assert.equal(
      cause,
      'Step "sneaky" called ctx.metric("speed") but does not declare "speed" in metrics',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
