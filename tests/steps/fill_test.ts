import assert from "node:assert/strict";
import { FillError } from "../../lib/errors.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import type { RunReport } from "../../lib/report/model.ts";
import { keyspaceFromOptions } from "../../lib/steps/fill.ts";
import type { FillResult } from "../../lib/types.ts";
import { withTransport } from "../_local.ts";
import { runSteps } from "./_run.ts";

const SMALL = "{ size: 64KiB, key-size: 32, value-size: 32 }";

Deno.test("fill writes N = size / (key + value) keys and logs what it wrote", async () => {
  await using local = await startLocalRedis();
  const { result, lines } = await runSteps(local, `  - connect\n  - fill: ${SMALL}\n`);
  assert.equal(result.error?.message, undefined);
  const fill = result.outputs.get("fill") as FillResult;
  assert.deepEqual([fill.keys, fill.bytes, fill.written, fill.flushed], [1024, 65536, true, false]);
  assert.equal(fill.keyspace.count, 1024);
  assert.ok(lines.includes("info: Filling 64.0 KiB: 1024 keys of 32+32 bytes"), lines.join("\n"));
  assert.ok(lines.some((line) => /^info: Wrote 1024 keys, 64\.0 KiB in /.test(line)));
  await withTransport(local, async (transport) => {
    assert.equal(await transport.call(["DBSIZE"]), 1024);
  });
});

Deno.test("fill counts as flushed only after a FLUSHALL by an earlier flush step", async () => {
  await using local = await startLocalRedis();
  const flushedAfter = async (before: string) => {
    const { result } = await runSteps(local, `  - connect\n${before}  - fill: ${SMALL}\n`);
    assert.equal(result.error?.message, undefined);
    return (result.outputs.get("fill") as FillResult).flushed;
  };
  assert.equal(await flushedAfter("  - flush\n"), true);
  assert.equal(await flushedAfter("  - flush: { scope: prefix }\n"), false);
  assert.equal(await flushedAfter("  - flush: { enabled: false }\n"), false);
  assert.equal(await flushedAfter(""), false);
});

Deno.test("fill with a shard writes only its part and says which", async () => {
  await using local = await startLocalRedis();
  const { result, lines } = await runSteps(
    local,
    "  - connect\n  - fill: { size: 64KiB, key-size: 32, value-size: 32, shard: 1/4 }\n",
  );
  const fill = result.outputs.get("fill") as FillResult;
  assert.deepEqual([fill.keys, fill.shard], [256, { index: 1, count: 4 }]);
  assert.ok(lines.includes("info: Filling 64.0 KiB: 1024 keys of 32+32 bytes (shard 1/4)"));
});

Deno.test("fill with replies fails with exit 4 naming the node that rejected writes, and still reports them", async () => {
  await using local = await startLocalRedis({ maxmemory: "2mb", maxmemoryPolicy: "noeviction" });
  const port = local.masters()[0]!.port;
  const { result, lines } = await runSteps(
    local,
    "  - connect\n  - fill: { size: 8MiB, key-size: 64, value-size: 448, replies: true }\n" +
      "  - report: { format: json, out: /dev/null }\n",
  );
  assert.equal(result.exitCode, 4);
  assert.ok(result.error instanceof FillError);
  assert.match(
    result.error.message,
    new RegExp(
      `^Node "127\\.0\\.0\\.1:${port}" rejected [\\d,]+ of 16,384 writes with "OOM command not allowed when used memory > 'maxmemory'\\.": the node is full \\(maxmemory with noeviction\\); raise maxmemory, allow eviction, or fill less$`,
    ),
  );
  assert.ok(lines.some((line) => line.startsWith(`warn: Node 127.0.0.1:${port} rejected `)));
  // The fact was provided before the step failed, so the report (run after a failure) has it.
  const report = result.outputs.get("report") as RunReport;
  assert.ok(report.fill !== null && report.fill.errors > 0 && report.fill.acked);
});

Deno.test("fill without replies into a full server fails with the writes the server rejected (errorstat_OOM)", async () => {
  await using local = await startLocalRedis({ maxmemory: "8mb", maxmemoryPolicy: "noeviction" });
  const port = local.masters()[0]!.port;
  const { result } = await runSteps(
    local,
    "  - connect\n  - fill: { size: 32MiB, key-size: 64, value-size: 448 }\n",
  );
  assert.equal(result.ok, false);
  assert.match(
    result.error?.message ?? "",
    new RegExp(
      `^127\\.0\\.0\\.1:${port} rejected [\\d,]+ writes: OOM command not allowed when used memory > 'maxmemory'`,
    ),
  );
  const fill = result.outputs.get("fill") ?? undefined;
  assert.equal(
    fill,
    undefined,
    "a failed step has no output; the fill fact carries the partial result",
  );
});

Deno.test("keyspace declares a fill made earlier without writing anything", async () => {
  await using local = await startLocalRedis();
  const { result } = await runSteps(
    local,
    "  - keyspace: { size: 64KiB, key-size: 32, value-size: 32, seed: 9, flushed: true }\n",
  );
  const fill = result.outputs.get("keyspace") as FillResult;
  assert.deepEqual(
    [fill.written, fill.flushed, fill.keys, fill.bytes, fill.shard, fill.keyspace.seed],
    [false, true, 0, 0, { index: 0, count: 1 }, 9],
  );
  assert.equal(fill.keyspace.count, 1024);
  await withTransport(local, async (transport) => {
    assert.equal(await transport.call(["DBSIZE"]), 0);
  });
});

Deno.test("keyspaceFromOptions() computes N and keeps a TTL only when one is given", async () => {
  const options = {
    size: 1000,
    "key-size": 30,
    "value-size": 70,
    seed: 3,
    prefix: "p:",
  };
  assert.deepEqual(await keyspaceFromOptions(options), {
    count: 10,
    keySize: 30,
    valueSize: 70,
    seed: 3,
    prefix: "p:",
  });
  assert.equal((await keyspaceFromOptions({ ...options, size: 1001 })).count, 11);
  assert.equal((await keyspaceFromOptions({ ...options, keys: 77 })).count, 77);
  assert.deepEqual((await keyspaceFromOptions({ ...options, ttl: { min: 5, max: 9 } })).ttl, {
    min: 5,
    max: 9,
  });
});
