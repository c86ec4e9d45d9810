import assert from "node:assert/strict";
import { silentLogger, silentProgress } from "../../lib/logger.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { runPipeline } from "../../lib/pipeline/executor.ts";
import { loadPipeline } from "../../lib/builtins.ts";
import type { RunReport } from "../../lib/report/types.ts";
import type { VerifyResult } from "../../lib/types.ts";
import { addressFlags, runFillCli } from "../_cli.ts";

async function mergePipeline(dir: string, port: number) {
  const pipeline = await loadPipeline("pipelines/merge.yaml", {
    set: [
      `merge.from=${dir}/reports`,
      `target.port=${port}`,
      "merge.format=json",
      `merge.out=${dir}/m.json`,
    ],
  });
  pipeline.steps = pipeline.steps.filter((step) => step.name !== "report");
  return await runPipeline(pipeline, { logger: silentLogger, progress: silentProgress });
}

Deno.test("pipelines/merge.yaml merges a folder of shard reports and verifies the union", async () => {
  await using local = await startLocalRedis();
  const dir = await Deno.makeTempDir();
  try {
    for (const k of [0, 1]) {
      const run = await runFillCli([
        ...addressFlags(local),
        "-d",
        "4MiB",
        "--shard",
        `${k}/2`,
        "--no-verify",
        "--report",
        "json",
        "--out",
        `${dir}/reports/shard-${k}.json`,
      ]);
      assert.equal(run.code, 0, run.stderr);
    }
    const result = await mergePipeline(dir, local.nodes[0]!.port);
    assert.equal(result.error?.message, undefined);
    assert.equal(result.ok, true);
    const merged = JSON.parse(await Deno.readTextFile(`${dir}/m.json`)) as RunReport;
    assert.equal(merged.fill!.keys, 4096);
    assert.deepEqual(merged.shards!.merged, [0, 1]);
    const verify = result.outputs.get("verify") as VerifyResult;
    assert.equal(verify.ok, true);
    assert.equal(verify.expectedKeys, 4096);
    assert.equal(verify.totalKeys, 4096);

    // Without shard 1: the merged report is written, names it, and the step fails (exit 1).
    await Deno.remove(`${dir}/reports/shard-1.json`);
    const partial = await mergePipeline(dir, local.nodes[0]!.port);
    assert.equal(partial.ok, false);
    assert.match(partial.error?.message ?? "", /Shard 1 of 2 is missing/);
    assert.equal(partial.exitCode, 1);
    const written = JSON.parse(await Deno.readTextFile(`${dir}/m.json`)) as RunReport;
    assert.deepEqual(written.shards!.missing, [1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
