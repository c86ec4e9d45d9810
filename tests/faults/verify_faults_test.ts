/**
 * Verify under a cluster that moves or loses nodes: slots migrating while verify starts, a
 * reshard during an acked fill, a master killed between the fill and verify (its replica
 * promoted), and a standalone server killed between them. Verify never reports a migration
 * or a failover as loss, and a node that stopped is called stopped (exit 3), never "may
 * require TLS".
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ExitCode } from "../../lib/errors.ts";
import { runFill } from "../../lib/fill/fill.ts";
import { type LocalNode, localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import { ClusterTransport } from "../../lib/transport/cluster.ts";
import { verifyFill } from "../../lib/verify/verify.ts";
import { memoryLogger } from "../_local.ts";
import { FillProcess, lastLine, runDeno } from "../_cli.ts";

const KILL_STEP = fileURLToPath(new URL("./_kill_step.ts", import.meta.url));

function client(node: LocalNode): Redis {
  const redis = new Redis({
    host: node.host,
    port: node.port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  return redis;
}

async function until(what: string, probe: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await probe())) {
    assert.ok(performance.now() < deadline, `${what} did not happen within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Runs a pipeline file written to a temp folder through `redfill run` (tasks/redfill.ts). */
async function runPipeline(text: string) {
  const dir = await Deno.makeTempDir({ prefix: "redfill-verify-faults-" });
  try {
    const file = join(dir, "pipeline.yaml");
    await Deno.writeTextFile(file, text);
    const run = await runDeno(["run", "-A", "tasks/redfill.ts", "run", file]);
    return { ...run, report: await Deno.readTextFile(join(dir, "report.json")).catch(() => "") };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("verifyFill() waits while slots migrate and counts them by their new owner: exactly N keys", async () => {
  await using local = await startLocalRedis({ cluster: true, replicas: 0 });
  const logger = memoryLogger();
  const transport = new ClusterTransport({ target: localTarget(local), logger });
  const [a, b, c] = local.masters() as [LocalNode, LocalNode, LocalNode];
  const clients = [client(a), client(b), client(c)];
  try {
    await Promise.all(clients.map((redis) => redis.connect()));
    await transport.connect();
    const keyspace = { count: 65536, keySize: 64, valueSize: 64, seed: 5, prefix: "redfill:" };
    const fill = await runFill(transport, { keyspace, flushed: true, logger });
    // Slots 0 … 9 start moving from a to b, and half their keys are already on b.
    const slots = Array.from({ length: 10 }, (_, k) => k);
    const [source, target] = [clients[0]!, clients[1]!];
    for (const slot of slots) {
      await target.call("CLUSTER", "SETSLOT", slot, "IMPORTING", a.id);
      await source.call("CLUSTER", "SETSLOT", slot, "MIGRATING", b.id);
    }
    const migrate = async (slot: number, count: number) => {
      const keys = await source.call("CLUSTER", "GETKEYSINSLOT", slot, count) as string[];
      if (keys.length > 0) {
        await source.call("MIGRATE", b.host, b.port, "", 0, 5000, "KEYS", ...keys);
      }
    };
    for (const slot of slots) await migrate(slot, 2);
    const verifying = verifyFill(transport, fill, { sample: 200, logger });
    verifying.catch(() => {});
    await until(
      "verify waiting",
      () =>
        Promise.resolve(
          logger.lines.some((line) => /Verify waits for slot \d+ to move from/.test(line)),
        ),
    );
    for (const slot of slots) await migrate(slot, 10);
    for (const slot of slots) {
      for (const redis of [target, source, clients[2]!]) {
        await redis.call("CLUSTER", "SETSLOT", slot, "NODE", b.id);
      }
    }
    const result = await verifying;
    assert.equal(result.ok, true, JSON.stringify(result.checks));
    assert.equal(result.totalKeys, 65536);
    for (const node of result.nodes) assert.equal(node.keys, node.expectedKeys, node.address);
    const importer = result.nodes.find((node) => node.address === `127.0.0.1:${b.port}`);
    const exporter = result.nodes.find((node) => node.address === `127.0.0.1:${a.port}`);
    assert.deepEqual([importer?.slots, exporter?.slots], [5461 + 10, 5462 - 10]);
    const topology = result.checks.find((check) => check.name === "topology");
    assert.match(
      topology?.detail ?? "",
      /^waited \d+\.\d s for a stable slot map \(slot \d+ to move from "127\.0\.0\.1:\d+" to "127\.0\.0\.1:\d+"/,
    );
  } finally {
    for (const redis of clients) redis.disconnect();
    await transport.close();
  }
});

Deno.test("deno task fill --replies while redis-cli --cluster reshard moves 2000 slots: exit 0, exactly N keys", async () => {
  await using local = await startLocalRedis({ cluster: true, replicas: 0 });
  const [a, b] = local.masters() as [LocalNode, LocalNode];
  const acked = ["--replies", "-d", "40MB", "--rate", "8", "--report", "json"];
  const fill = new FillProcess(["-c", "-h", "127.0.0.1", "-p", String(a.port), ...acked]);
  await fill.waitForStderr(/Filling /);
  const watcher = client(a);
  await watcher.connect();
  try {
    await until("keys on the first master", async () => (await watcher.dbsize()) > 2000);
  } finally {
    watcher.disconnect();
  }
  // About 3 ms a slot: the reshard goes on after the fill's ~5 s, into its verify.
  const reshard = new Deno.Command("redis-cli", {
    args: [
      "--cluster",
      "reshard",
      `127.0.0.1:${a.port}`,
      "--cluster-from",
      a.id,
      "--cluster-to",
      b.id,
      "--cluster-slots",
      "2000",
      "--cluster-yes",
      "--cluster-pipeline",
      "10",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  const run = await fill.finish(90_000);
  const resharded = await reshard;
  const context = `exit ${run.code}\nstderr: ${run.stderr}`;
  assert.equal(resharded.code, 0, new TextDecoder().decode(resharded.stderr));
  assert.equal(run.code, 0, context);
  assert.match(run.stderr, /Verify passed: 40960 of 40960 keys/, context);
  const report = JSON.parse(run.stdout) as {
    verify: { totalKeys: number; nodes: Array<{ keys: number; expectedKeys: number }> };
  };
  assert.equal(report.verify.totalKeys, 40960);
  for (const node of report.verify.nodes) assert.equal(node.keys, node.expectedKeys);
});

Deno.test("a master killed -9 after the fill: verify passes against its promoted replica and names the failover", async () => {
  await using local = await startLocalRedis({
    cluster: true,
    masters: 3,
    replicas: 1,
    clusterNodeTimeout: 1500,
  });
  const victim = local.masters()[1]!;
  const heir = local.replicas().find((node) => node.masterId === victim.id)!;
  const seed = local.masters()[0]!;
  const run = await runPipeline(
    [
      "version: 1",
      "name: failover-before-verify",
      `target: { url: "redis://127.0.0.1:${seed.port}", mode: cluster }`,
      "steps:",
      "  - connect",
      "  - flush",
      "  - fill: { size: 8MiB, key-size: 64, value-size: 64 }",
      `  - uses: ${KILL_STEP}`,
      `    with: { pid: ${victim.pid}, port: ${victim.port} }`,
      "  - verify: { sample: 200 }",
      "  - report: { format: json, out: ./report.json }",
      "",
    ].join("\n"),
  );
  const context = `exit ${run.code}\nstderr: ${run.stderr}`;
  assert.equal(run.code, 0, context);
  const sentence = `127.0.0.1:${victim.port} failed over to 127.0.0.1:${heir.port} before verify`;
  assert.ok(run.stderr.includes(sentence), context);
  assert.match(run.stderr, /Verify passed: 65536 of 65536 keys/, context);
  const report = JSON.parse(run.report) as {
    verify: {
      totalKeys: number;
      failovers: Array<{ from: string; to: string }>;
      checks: Array<{ name: string; detail: string }>;
    };
  };
  assert.equal(report.verify.totalKeys, 65536);
  assert.deepEqual(report.verify.failovers, [
    { from: `127.0.0.1:${victim.port}`, to: `127.0.0.1:${heir.port}` },
  ]);
  const topology = report.verify.checks.find((check) => check.name === "topology");
  assert.ok(topology?.detail.startsWith(sentence), JSON.stringify(report.verify.checks));
});

Deno.test("a standalone server killed after the fill: verify exits 3 saying it stopped, not that it may need TLS", async () => {
  await using local = await startLocalRedis();
  const node = local.nodes[0]!;
  const run = await runPipeline(
    [
      "version: 1",
      "name: stopped-before-verify",
      `target: { url: "redis://127.0.0.1:${node.port}", mode: standalone }`,
      "steps:",
      "  - connect",
      "  - fill: { size: 1MiB }",
      `  - uses: ${KILL_STEP}`,
      `    with: { pid: ${node.pid}, port: ${node.port} }`,
      "  - verify",
      "  - report: { format: json, out: ./report.json }",
      "",
    ].join("\n"),
  );
  const context = `exit ${run.code}\nstderr: ${run.stderr}`;
  assert.equal(run.code, ExitCode.Connection, context);
  assert.match(
    lastLine(run),
    new RegExp(
      `Node "127\\.0\\.0\\.1:${node.port}" stopped: it answered earlier in this run but now refuses connections; start it again`,
    ),
    context,
  );
  assert.doesNotMatch(run.stderr, /TLS/, context);
  const report = JSON.parse(run.report) as {
    ok: boolean;
    steps: Array<{ id: string; ok: boolean }>;
  };
  assert.equal(report.ok, false);
  assert.deepEqual(report.steps.find((step) => step.id === "verify")?.ok, false);
});
