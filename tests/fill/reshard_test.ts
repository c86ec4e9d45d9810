/**
 * Resharding under a fire-and-forget fill: `redis-cli --cluster reshard` moves slots while
 * the fill streams with replies off (MOVED and ASK replies are dropped); at the barrier the
 * fill finds the slots that moved or were migrating and re-sends their keys, acked. The
 * acked fill under the same reshard is tests/faults/verify_faults_test.ts.
 */

import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { indicesOfSlots } from "../../lib/fill/reshard.ts";
import { type LocalNode, startLocalRedis } from "../../lib/local/mod.ts";
import { FillProcess } from "../_cli.ts";

function reshard(from: LocalNode, to: LocalNode, slots: number): Promise<Deno.CommandOutput> {
  return new Deno.Command("redis-cli", {
    args: [
      "--cluster",
      "reshard",
      `127.0.0.1:${from.port}`,
      "--cluster-from",
      from.id,
      "--cluster-to",
      to.id,
      "--cluster-slots",
      String(slots),
      "--cluster-yes",
      "--cluster-pipeline",
      "10",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
}

async function dbsizeAbove(node: LocalNode, keys: number): Promise<void> {
  const redis = new Redis({ host: node.host, port: node.port, lazyConnect: true });
  redis.on("error", () => {});
  await redis.connect();
  try {
    const deadline = performance.now() + 20_000;
    while ((await redis.dbsize()) <= keys) {
      assert.ok(performance.now() < deadline, `${node.port} never held ${keys} keys`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    redis.disconnect();
  }
}

Deno.test("indicesOfSlots() gives every index of a shard's range in the slots, slot by slot", () => {
  assert.deepEqual(indicesOfSlots([0, 16383], { start: 5, end: 16384 * 2 + 1 }), [
    16384,
    32768,
    16383,
    32767,
  ]);
  assert.deepEqual(indicesOfSlots([7], { start: 0, end: 7 }), []);
});

Deno.test("a fire-and-forget fill while redis-cli --cluster reshard moves 1500 slots: exit 0, exactly N keys, the moved slots re-sent", async () => {
  await using local = await startLocalRedis({ cluster: true, replicas: 0 });
  const [a, b] = local.masters() as [LocalNode, LocalNode];
  const fill = new FillProcess([
    "-c",
    "-h",
    "127.0.0.1",
    "-p",
    String(a.port),
    "-d",
    "40MB",
    "--rate",
    "8",
    "-f",
    "--report",
    "json",
  ]);
  await fill.waitForStderr(/Filling /);
  await dbsizeAbove(a, 2000);
  const moved = reshard(a, b, 1500);
  const run = await fill.finish(90_000);
  const resharded = await moved;
  const context = `exit ${run.code}\nstderr: ${run.stderr}`;
  assert.equal(resharded.code, 0, new TextDecoder().decode(resharded.stderr));
  assert.equal(run.code, 0, context);
  assert.match(run.stderr, /slots moved or were migrating during the fill/, context);
  assert.match(run.stderr, /Verify passed: 40960 of 40960 keys/, context);
  const report = JSON.parse(run.stdout) as {
    fill: { keys: number; resentSlots: number };
    verify: { totalKeys: number; nodes: Array<{ keys: number; expectedKeys: number }> };
  };
  assert.equal(report.fill.keys, 40960);
  assert.ok(report.fill.resentSlots > 0);
  assert.equal(report.verify.totalKeys, 40960);
  for (const node of report.verify.nodes) assert.equal(node.keys, node.expectedKeys);
});
