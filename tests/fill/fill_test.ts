import assert from "node:assert/strict";
import { runFill } from "../../lib/fill/fill.ts";
import { keyCount, Keyspace } from "../../lib/fill/keyspace.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { servingMasters } from "../../lib/cluster/nodes.ts";
import { slotCount } from "../../lib/cluster/slots.ts";
import type { KeyspaceParams, Transport } from "../../lib/types.ts";
import { memoryLogger, withTransport } from "../_local.ts";

const MiB = 1024 * 1024;

function keyspaceOf(size: number, seed = 1): KeyspaceParams {
  return {
    count: keyCount(size, 512, 512),
    keySize: 512,
    valueSize: 512,
    seed,
    prefix: "redfill:",
  };
}

/** Checks counts, the slot-share spread and 100 sampled values after a fill. */
async function assertLanded(transport: Transport, params: KeyspaceParams): Promise<void> {
  const n = params.count;
  const sizes = await transport.callEachMaster(["DBSIZE"]);
  const total = sizes.reduce((sum, { reply }) => sum + Number(reply), 0);
  assert.equal(total, n, "DBSIZE summed over the masters equals N");
  for (const { node, reply } of sizes) {
    const expected = n * slotCount(node.slots) / 16384;
    const deviation = Math.abs(Number(reply) - expected) / expected;
    assert.ok(deviation <= 0.01, `${node.host}:${node.port} holds ${reply}, expected ~${expected}`);
  }
  const keyspace = new Keyspace(params);
  for (let k = 0; k < 100; k++) {
    const index = Math.floor((k * n) / 100) + (k % 7);
    const key = keyspace.keyString(index);
    const value = await transport.call(["GET", key], { key });
    assert.equal(value, new TextDecoder().decode(keyspace.value(index)), `value of key ${index}`);
  }
}

Deno.test("runFill() writes exactly N keys to a standalone server, every value as derived", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    const params = keyspaceOf(32 * MiB);
    const result = await runFill(transport, { keyspace: params, logger: memoryLogger() });
    assert.equal(result.keys, params.count);
    assert.equal(result.bytes, 32 * MiB);
    assert.equal(result.nodes[0]?.dbsize, params.count);
    assert.equal(result.interrupted, false);
    assert.ok(result.cpuSeconds > 0 && result.peakRssBytes > 0);
    await assertLanded(transport, params);
  });
});

Deno.test("runFill() spreads a cluster fill (3+3) by slot share, exactly N keys", async () => {
  await using local = await startLocalRedis({ cluster: true });
  await withTransport(local, async (transport) => {
    assert.equal(servingMasters(transport.topology()).length, 3);
    const params = keyspaceOf(32 * MiB, 5);
    const result = await runFill(transport, { keyspace: params, logger: memoryLogger() });
    assert.equal(result.nodes.length, 3);
    assert.equal(result.nodes.reduce((sum, node) => sum + node.keys, 0), params.count);
    await assertLanded(transport, params);
  });
});

Deno.test("runFill() fills a TLS cluster through its TLS ports", async () => {
  await using local = await startLocalRedis({ cluster: true, tls: true, replicas: 0 });
  await withTransport(local, async (transport) => {
    const params = keyspaceOf(32 * MiB, 9);
    await runFill(transport, { keyspace: params, logger: memoryLogger(), connections: 1 });
    await assertLanded(transport, params);
  });
});

Deno.test("runFill() with the same seed writes the same keys on standalone and on a cluster", async () => {
  await using standalone = await startLocalRedis();
  await using cluster = await startLocalRedis({ cluster: true, replicas: 0 });
  const params = keyspaceOf(4 * MiB, 42);
  const sample: Array<[string, string]> = [];
  await withTransport(standalone, async (transport) => {
    await runFill(transport, { keyspace: params, logger: memoryLogger() });
    const [, keys] = await transport.call(["SCAN", "0", "COUNT", "200"]) as [string, string[]];
    for (const key of keys.slice(0, 50)) {
      sample.push([key, String(await transport.call(["GET", key]))]);
    }
  });
  assert.ok(sample.length >= 20);
  await withTransport(cluster, async (transport) => {
    await runFill(transport, { keyspace: params, logger: memoryLogger() });
    for (const [key, value] of sample) {
      assert.equal(await transport.call(["GET", key], { key }), value, key);
    }
  });
});

Deno.test("runFill() shards 0/3, 1/3 and 2/3 together write exactly N keys", async () => {
  await using local = await startLocalRedis({ cluster: true, replicas: 0 });
  await withTransport(local, async (transport) => {
    const params = keyspaceOf(49157 * 1024, 3); // 3 × 16384 + 5 keys: not divisible by 3
    let written = 0;
    for (let index = 0; index < 3; index++) {
      const result = await runFill(transport, {
        keyspace: params,
        shard: { index, count: 3 },
        logger: memoryLogger(),
      });
      written += result.keys;
      const sizes = await transport.callEachMaster(["DBSIZE"]);
      const total = sizes.reduce((sum, { reply }) => sum + Number(reply), 0);
      assert.equal(total, written, `after shard ${index}/3`);
    }
    assert.equal(written, params.count);
    await assertLanded(transport, params);
  });
});

Deno.test("runFill() in acked mode counts the writes a full server (noeviction) rejects", async () => {
  await using local = await startLocalRedis({ maxmemory: "8mb", maxmemoryPolicy: "noeviction" });
  await withTransport(local, async (transport) => {
    const params = keyspaceOf(16 * MiB);
    const result = await runFill(transport, {
      keyspace: params,
      acked: true,
      logger: memoryLogger(),
      connections: 2,
    });
    const node = result.nodes[0]!;
    assert.ok(node.errors > 0, "some writes were rejected");
    assert.equal(node.acked + node.errors, params.count, "every write got a reply");
    assert.equal(result.errors, node.errors);
    assert.match(node.firstErrors[0] ?? "", /^OOM /);
    assert.equal(node.dbsize, node.acked);
  });
});
