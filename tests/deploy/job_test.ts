/**
 * The Kubernetes Indexed Job, simulated here as it would run: one local 3+3 cluster, three
 * `fill --shard auto` processes at once through the container's entry
 * (`deploy/shard-report.sh`) with `JOB_COMPLETION_INDEX=0..2` and `REDFILL_SHARDS=3`, index 1
 * run again (a retried pod), the logs merged with `report merge`, and the union verified with
 * `fill --verify-only`: exactly N keys, the slot-share spread, sampled contents.
 */

import assert from "node:assert/strict";
import { startLocalRedis } from "../../lib/local/mod.ts";
import type { RunReport } from "../../lib/report/types.ts";
import { REPORT_BEGIN, REPORT_END } from "../../lib/report/merge.ts";
import { addressFlags, type CliRun, redisCli, runDeno } from "../_cli.ts";

const ROOT = new URL("../../", import.meta.url);
const SHARDS = 3;
/** 16 MiB of 512+512-byte keys and values: N = 16384. */
const SIZE = "16MiB";
const N = 16384;

/** Runs the container's entry for shard `index` to the end, as a pod of the Job would. */
async function pod(index: number, flags: string[]): Promise<CliRun> {
  const started = performance.now();
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  const output = await new Deno.Command("sh", {
    args: ["deploy/shard-report.sh", "fill", ...flags, "--shard", "auto", "--no-verify"],
    cwd: ROOT,
    clearEnv: true,
    env: {
      ...env,
      NO_COLOR: "1",
      JOB_COMPLETION_INDEX: String(index),
      REDFILL_SHARDS: String(SHARDS),
    },
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
    ms: performance.now() - started,
  };
}

function reportIn(log: string): RunReport {
  const begin = log.indexOf(REPORT_BEGIN);
  const end = log.indexOf(REPORT_END);
  assert.ok(begin >= 0 && end > begin, `no marked report in:\n${log}`);
  return JSON.parse(log.slice(begin + REPORT_BEGIN.length, end)) as RunReport;
}

function report(...args: string[]): Promise<CliRun> {
  return runDeno(["run", "-A", "tasks/redfill.ts", "report", ...args]);
}

Deno.test("three shard pods at once, index 1 retried, merged and verified: exactly N keys, spread by slot share, sampled contents", async () => {
  await using cluster = await startLocalRedis({ cluster: true });
  const dir = await Deno.makeTempDir();
  try {
    const flags = [...addressFlags(cluster), "--cluster", "-d", SIZE];
    const runs = await Promise.all([0, 1, 2].map((index) => pod(index, flags)));
    const logs: string[] = [];
    for (const [index, run] of runs.entries()) {
      assert.equal(run.code, 0, `shard ${index}: ${run.stderr}`);
      const shard = reportIn(run.stdout);
      assert.deepEqual([shard.fill!.shard.index, shard.fill!.shard.count], [index, SHARDS]);
      assert.ok(shard.fill!.startedAt !== null && shard.fill!.endedAt !== null);
      assert.deepEqual(shard.fill!.keyspace, {
        count: N,
        keySize: 512,
        valueSize: 512,
        seed: 1,
        prefix: "redfill:",
        ttl: null,
      });
      const path = `${dir}/fill-${index}.log`;
      await Deno.writeTextFile(path, run.stderr + run.stdout);
      logs.push(path);
    }
    // A retried pod: the same index again writes the same keys, so the count stays N.
    const retry = await pod(1, flags);
    assert.equal(retry.code, 0, retry.stderr);
    await Deno.writeTextFile(`${dir}/fill-1-retry.log`, retry.stderr + retry.stdout);
    logs.push(`${dir}/fill-1-retry.log`);
    const dbsizes = await Promise.all(
      cluster.nodes.filter((node) => node.role === "master").map((node) =>
        redisCli(node.port, "DBSIZE")
      ),
    );
    assert.equal(dbsizes.reduce((sum, text) => sum + Number(text), 0), N);

    const merge = await report("merge", ...logs, "--report", "json", "--out", `${dir}/m.json`);
    assert.equal(merge.code, 0, merge.stderr);
    const merged = JSON.parse(await Deno.readTextFile(`${dir}/m.json`)) as RunReport;
    assert.equal(merged.status, "passed");
    assert.equal(merged.fill!.keys, N);
    assert.equal(merged.fill!.bytes, N * 1024);
    assert.equal(merged.fill!.nodes.reduce((sum, node) => sum + node.keys, 0), N);
    assert.equal(merged.fill!.nodes.length, 3);
    assert.deepEqual(merged.shards!.merged, [0, 1, 2]);
    assert.deepEqual(merged.shards!.missing, []);
    const ones = merged.shards!.reports.filter((entry) => entry.index === 1);
    assert.deepEqual(
      ones.map((entry) => [entry.source.endsWith("retry.log"), entry.counted]),
      [[false, false], [true, true]],
      "the later run of index 1 counts, the earlier one is listed",
    );
    // The window opens with the first run of any index, index 1's superseded run included.
    const first = Math.min(...runs.map((run) => Date.parse(reportIn(run.stdout).fill!.startedAt!)));
    assert.equal(merged.fill!.startedAt, new Date(first).toISOString());
    assert.equal(merged.fill!.endedAt, reportIn(retry.stdout).fill!.endedAt);
    // The counted shards' CPU summed (each report rounds to 1 ms).
    const counted = [0, 2].map((i) => reportIn(runs[i]!.stdout)).concat(reportIn(retry.stdout))
      .reduce((sum, shard) => sum + shard.fill!.client.cpuSeconds, 0);
    assert.ok(Math.abs(merged.fill!.client.cpuSeconds - counted) < 0.0025, `${counted}`);

    // Two of three: named, not ok, exit 1 — and still a report.
    const partial = await report("merge", logs[0]!, logs[1]!);
    assert.equal(partial.code, 1, partial.stderr);
    assert.match(partial.stdout, /2 of 3 merged; missing: 2/);
    assert.match(partial.stderr, /Shard 2 of 3 is missing/);

    // The verify Job: the whole keyspace, nothing written.
    const verify = await runDeno([
      "run",
      "-A",
      "tasks/redfill.ts",
      "fill",
      ...flags,
      "--verify-only",
      "--report",
      "json",
    ]);
    assert.equal(verify.code, 0, verify.stderr);
    const checked = JSON.parse(verify.stdout) as RunReport;
    assert.equal(checked.fill!.written, false);
    assert.equal(checked.verify!.count, "exact");
    assert.equal(checked.verify!.expectedKeys, N);
    assert.equal(checked.verify!.totalKeys, N);
    assert.ok(checked.verify!.nodes.every((node) => node.missing === 0));
    assert.ok(checked.verify!.checks.find((check) => check.name === "distribution")!.ok);
    assert.ok(checked.verify!.sampled >= 1000);
    assert.equal(checked.verify!.mismatched, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the README's 'Filling from many machines' example runs: three shards, merged, the union verified", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const start = readme.indexOf("\n## Filling from many machines\n");
  assert.ok(start >= 0, "README has the section");
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))![1]!;
  assert.match(block, /deno task report merge reports\/shard-0\.json/);
  await using cluster = await startLocalRedis({ cluster: true });
  await Deno.mkdir(new URL(".redfill/", ROOT), { recursive: true });
  // Under the project, as a user's checkout: deno task finds deno.json above it.
  const dir = await Deno.makeTempDir({ dir: new URL(".redfill/", ROOT).pathname });
  try {
    const env = Deno.env.toObject();
    delete env.INIT_CWD;
    const script = block.replaceAll("-p 7000", `-p ${cluster.nodes[0]!.port}`);
    const output = await new Deno.Command("sh", {
      args: ["-e", "-c", script],
      cwd: dir,
      clearEnv: true,
      env: { ...env, NO_COLOR: "1" },
      stdin: "null",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    assert.match(stdout, /3 of 3 merged/);
    assert.match(stdout, /Verify +pass: 65,536 of 65,536 keys/);
    for (const k of [0, 1, 2]) await Deno.stat(`${dir}/reports/shard-${k}.json`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
