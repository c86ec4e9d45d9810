/**
 * Acknowledged means replicated, when asked: `durability: replicas` (`--wait-replicas`) ends
 * each writer with WAIT, so a master killed right after the fill loses no acknowledged key;
 * and a frozen master (SIGSTOP) is declared lost after `--timeout`.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ExitCode } from "../../lib/errors.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { assertFailure, FillProcess, runDeno, runFillCli } from "../_cli.ts";

const KILL_NOW = fileURLToPath(new URL("../faults/_kill_now_step.ts", import.meta.url));

interface DurabilityReport {
  fill: {
    keys: number;
    waitedForReplicas: boolean;
    nodes: Array<{ address: string; replication: { wanted: number; acknowledged: number } | null }>;
  };
  verify: { ok: boolean; totalKeys: number; failovers: Array<{ from: string; to: string }> };
}

/** Runs a pipeline file written to a temp folder through `redfill run`. */
async function runPipeline(text: string) {
  const dir = await Deno.makeTempDir({ prefix: "redfill-durability-" });
  try {
    const file = join(dir, "pipeline.yaml");
    await Deno.writeTextFile(file, text);
    const run = await runDeno(["run", "-A", "tasks/redfill.ts", "run", file]);
    return { ...run, report: await Deno.readTextFile(join(dir, "report.json")).catch(() => "") };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("durability: replicas, a master killed -9 right after the fill: no acknowledged key lost, verify passes against the promoted replica", async () => {
  await using local = await startLocalRedis({
    cluster: true,
    replicas: 1,
    clusterNodeTimeout: 1500,
  });
  const seed = local.masters()[0]!;
  const victim = local.masters()[1]!;
  const run = await runPipeline(
    [
      "version: 1",
      "name: wait-replicas-then-kill",
      `target: { url: "redis://127.0.0.1:${seed.port}", mode: cluster }`,
      "steps:",
      "  - connect",
      "  - flush",
      "  - fill: { size: 8MiB, key-size: 64, value-size: 448, replies: true, durability: replicas }",
      `  - uses: ${KILL_NOW}`,
      `    with: { pid: ${victim.pid}, port: ${victim.port} }`,
      "  - verify: { sample: 200 }",
      "  - report: { format: json, out: ./report.json }",
    ].join("\n") + "\n",
  );
  const context = `exit ${run.code}\nstderr: ${run.stderr}`;
  assert.equal(run.code, 0, context);
  const report = JSON.parse(run.report) as DurabilityReport;
  assert.equal(report.fill.waitedForReplicas, true);
  assert.equal(report.fill.keys, 16384);
  for (const node of report.fill.nodes) {
    assert.deepEqual(node.replication, { wanted: 1, acknowledged: 1 }, node.address);
  }
  assert.equal(report.verify.ok, true);
  assert.equal(report.verify.totalKeys, 16384);
  assert.deepEqual(report.verify.failovers.map((entry) => entry.from), [
    `127.0.0.1:${victim.port}`,
  ]);
});

Deno.test("--wait-replicas on a master without replicas acknowledges with 0 of 0 and says so", async () => {
  await using local = await startLocalRedis();
  const port = local.nodes[0]!.port;
  const run = await runFillCli([
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-d",
    "1MB",
    "-f",
    "--replies",
    "--wait-replicas",
    "--report",
    "json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /has no replica: durability: replicas waits for none there/);
  const report = JSON.parse(run.stdout) as DurabilityReport;
  assert.deepEqual(report.fill.nodes[0]!.replication, { wanted: 0, acknowledged: 0 });
});

Deno.test("durability: replicas without replies: true is refused before anything connects", async () => {
  const run = await runPipeline(
    [
      "version: 1",
      "name: durability-without-replies",
      "target: { url: redis://127.0.0.1:1, mode: standalone }",
      "steps:",
      "  - connect",
      "  - fill: { size: 1MiB, durability: replicas }",
    ].join("\n") + "\n",
  );
  assert.equal(run.code, ExitCode.Usage, run.stderr);
  assert.match(run.stderr, /durability.*needs "replies: true"/);
});

for (const mode of ["fire-and-forget", "acked"] as const) {
  Deno.test(`a frozen master (SIGSTOP) mid-fill, ${mode}: lost after --timeout, exit 4`, async () => {
    await using local = await startLocalRedis();
    const node = local.nodes[0]!;
    const fill = new FillProcess([
      "-h",
      "127.0.0.1",
      "-p",
      String(node.port),
      "-d",
      "256MB",
      "--rate",
      "16",
      "--timeout",
      "1000",
      "--no-verify",
      ...(mode === "acked" ? ["--replies"] : []),
    ]);
    let stopped = false;
    try {
      await fill.waitForStderr(/Filling /);
      await new Promise((resolve) => setTimeout(resolve, 500));
      Deno.kill(node.pid, "SIGSTOP");
      stopped = true;
      const frozenAt = performance.now();
      const run = await fill.finish(30_000);
      const waited = performance.now() - frozenAt;
      assertFailure(
        run,
        ExitCode.Fill,
        new RegExp(
          `^Step "fill" failed: .*"127\\.0\\.0\\.1:${node.port}" (stopped reading: a write made no progress for 1 s|did not answer within 1 s|stopped answering: .* after 1 s)`,
        ),
      );
      // The kernel's socket buffers take a few MiB first; 16 MiB/s fills them in well under 10 s.
      assert.ok(waited < 15_000, `lost after ${waited} ms`);
    } finally {
      if (stopped) Deno.kill(node.pid, "SIGCONT");
      fill.kill("SIGKILL");
    }
  });
}

Deno.test("--wait-replicas without --replies is refused before anything connects, naming both flags", async () => {
  const run = await runFillCli(["-h", "127.0.0.1", "-p", "1", "-d", "1MB", "--wait-replicas"]);
  assertFailure(
    run,
    ExitCode.Usage,
    /--wait-replicas needs --replies: only acknowledged writes can be waited for on replicas/,
  );
});

Deno.test("--replies --wait-replicas on a standalone master with a replica waits for it: 1 of 1", async () => {
  await using primary = await startLocalRedis();
  await using secondary = await startLocalRedis();
  const master = primary.nodes[0]!;
  const replica = new Redis({ port: secondary.nodes[0]!.port, lazyConnect: true });
  await replica.connect();
  try {
    await replica.call("REPLICAOF", "127.0.0.1", String(master.port));
    const deadline = performance.now() + 20_000;
    while (!/master_link_status:up/.test(String(await replica.info("replication")))) {
      assert.ok(performance.now() < deadline, "the replica never linked up");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    replica.disconnect();
  }
  const run = await runFillCli([
    "-h",
    "127.0.0.1",
    "-p",
    String(master.port),
    "-d",
    "2MB",
    "-f",
    "--replies",
    "--wait-replicas",
    "--report",
    "json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /has no replica/);
  const report = JSON.parse(run.stdout) as DurabilityReport;
  assert.deepEqual(report.fill.nodes[0]!.replication, { wanted: 1, acknowledged: 1 });
});
