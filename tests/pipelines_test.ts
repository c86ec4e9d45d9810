import assert from "node:assert/strict";
import { startLocalRedis } from "../lib/local/mod.ts";
import type { LocalRedis } from "../lib/local/mod.ts";
import { runPipeline, silentLogger, silentProgress } from "../lib/pipeline/executor.ts";
import { loadPipeline } from "../lib/pipeline/loader.ts";
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
