import assert from "node:assert/strict";
import { startLocalRedis } from "../lib/local/mod.ts";
import type { LocalRedis } from "../lib/local/mod.ts";
import { silentLogger, silentProgress } from "../lib/logger.ts";
import { runPipeline } from "../lib/pipeline/executor.ts";
import { UsageError } from "../lib/errors.ts";
import { defineStep } from "../lib/pipeline/define.ts";
import { defaultRegistry, loadPipeline, parsePipeline } from "../lib/builtins.ts";
import type { RunResult } from "../lib/pipeline/types.ts";
import type { FillResult, VerifyResult } from "../lib/types.ts";

/** Runs a built-in pipeline against a local server, with a small fill and no report noise. */
async function runBuiltin(file: string, local: LocalRedis, set: string[] = []): Promise<RunResult> {
  const seed = local.nodes[0]!;
  const overrides = [`target.port=${seed.port}`, ...set];
  if (local.tls) {
    overrides.push(
      `target.tls.ca=${local.tls.ca}`,
      `target.tls.cert=${local.tls.cert}`,
      `target.tls.key=${local.tls.key}`,
    );
  }
  const pipeline = await loadPipeline(`pipelines/${file}`, { set: overrides });
  // The report step prints to stdout; keep the test output readable.
  pipeline.steps = pipeline.steps.filter((step) => step.name !== "report");
  return await runPipeline(pipeline, { logger: silentLogger, progress: silentProgress });
}

function outputs(result: RunResult): { fill: FillResult; verify: VerifyResult } {
  return {
    fill: result.outputs.get("fill") as FillResult,
    verify: result.outputs.get("verify") as VerifyResult,
  };
}

Deno.test("pipelines/fill.yaml fills and verifies a standalone server", async () => {
  await using local = await startLocalRedis();
  const result = await runBuiltin("fill.yaml", local, ["fill.size=8MiB"]);
  assert.equal(result.error?.message, undefined);
  assert.equal(result.ok, true);
  const { fill, verify } = outputs(result);
  assert.equal(fill.keys, 8192);
  assert.equal(verify.ok, true);
});

Deno.test("pipelines/cluster-fill.yaml flushes, fills and verifies a cluster", async () => {
  await using local = await startLocalRedis({ cluster: true, replicas: 0 });
  const result = await runBuiltin("cluster-fill.yaml", local, ["fill.size=16MiB"]);
  assert.equal(result.error?.message, undefined);
  const { fill, verify } = outputs(result);
  assert.equal(fill.flushed, true);
  assert.equal(verify.totalKeys, 16384);
  assert.equal(verify.ok, true);
});

Deno.test("pipelines/tls-fill.yaml fills an mTLS server with the client certificate", async () => {
  await using local = await startLocalRedis({ tls: true, mtls: true });
  const result = await runBuiltin("tls-fill.yaml", local, ["fill.size=4MiB"]);
  assert.equal(result.error?.message, undefined);
  assert.equal(outputs(result).verify.ok, true);
});

Deno.test("pipelines/verify.yaml checks a fill made earlier, and flush.yaml removes only its keys", async () => {
  await using local = await startLocalRedis();
  const made = await runBuiltin("fill.yaml", local, ["fill.size=4MiB", "fill.seed=7"]);
  assert.equal(made.ok, true);
  const checked = await runBuiltin("verify.yaml", local, ["fill.size=4MiB", "fill.seed=7"]);
  assert.equal(checked.ok, true);
  assert.equal(outputs(checked).verify.totalKeys, 4096);
  // The wrong seed: every sampled value differs, so verify fails with exit 1.
  const wrong = await runBuiltin("verify.yaml", local, ["fill.size=4MiB", "fill.seed=8"]);
  assert.equal(wrong.ok, false);
  assert.equal(wrong.exitCode, 1);

  const { Redis } = await import("ioredis");
  const client = new Redis({ host: "127.0.0.1", port: local.nodes[0]!.port, lazyConnect: true });
  try {
    await client.connect();
    await client.set("other:key", "kept");
    const flushed = await runBuiltin("flush.yaml", local);
    assert.equal(flushed.ok, true);
    assert.equal(await client.dbsize(), 1);
    assert.equal(await client.get("other:key"), "kept");
  } finally {
    client.disconnect();
  }
});

Deno.test("runPipeline() closes every control and data socket when a step throws after a fill", async () => {
  await using local = await startLocalRedis({ cluster: true, replicas: 0 });
  const registry = await defaultRegistry();
  registry.registerStep(defineStep({
    name: "boom",
    description: "Fails on purpose",
    needs: ["fill"],
    run() {
      throw new UsageError("Boom on purpose");
    },
  }));
  const pipeline = await parsePipeline(
    [
      "version: 1",
      "name: boom",
      `target: { url: "redis://127.0.0.1:${local.nodes[0]!.port}", mode: cluster }`,
      "steps:",
      "  - connect",
      "  - fill: { size: 4MiB }",
      "  - boom",
      "  - verify",
    ].join("\n"),
    "boom.yaml",
    { registry },
  );
  const result = await runPipeline(pipeline, { logger: silentLogger, progress: silentProgress });
  assert.equal(result.ok, false);
  assert.equal(result.exitCode, 2);
  assert.equal(result.error?.message, "Boom on purpose");
  assert.deepEqual(result.steps.map((step) => [step.id, step.ok]), [
    ["connect", true],
    ["fill", true],
    ["boom", false],
  ]);
  // No connection of the run is left on any node: each CLIENT LIST shows only its own asker.
  const { Redis } = await import("ioredis");
  for (const node of local.nodes) {
    const client = new Redis({ host: "127.0.0.1", port: node.port, lazyConnect: true });
    try {
      await client.connect();
      let clients = 0;
      for (let attempt = 0; attempt < 20; attempt++) {
        const list = String(await client.call("CLIENT", "LIST")).trim().split("\n");
        clients = list.length;
        if (clients === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(clients, 1, `connections left on 127.0.0.1:${node.port}`);
    } finally {
      client.disconnect();
    }
  }
});
