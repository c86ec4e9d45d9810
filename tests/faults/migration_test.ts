/**
 * Slot migration mid-fill: slots move from one master to another (CLUSTER SETSLOT IMPORTING /
 * MIGRATING, MIGRATE, SETSLOT NODE) while an acked fill writes them. Keys answered with ASK
 * are re-sent with ASKING to the importing node, keys answered with MOVED to the new owner;
 * the fill ends with exactly N keys and verify passes.
 */

import assert from "node:assert/strict";
import { memoryLogger } from "../_local.ts";
import { runFill } from "../../lib/fill/fill.ts";
import { type LocalNode, localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import { ClusterTransport } from "../../lib/transport/cluster.ts";
import { verifyFill } from "../../lib/verify/verify.ts";
import { client, Migration, range } from "./_migration.ts";

const KEYS = 49152; // 3 keys per slot: i, i + 16384 and i + 32768; at 8 MiB/s about 6 s
/** Slots moved (and finished) early in the fill: their later keys get MOVED. */
const MOVED_SLOTS = range(0, 10);
/** Slots left migrating until the fill is over: their later keys get ASK. */
const ASK_SLOTS = range(10, 20);

Deno.test("runFill() in acked mode follows ASK and MOVED while slots migrate mid-fill: exactly N keys", async () => {
  const redis = await startLocalRedis({ cluster: true, masters: 3, replicas: 0 });
  const logger = memoryLogger();
  const [a, b, c] = redis.masters() as [LocalNode, LocalNode, LocalNode];
  const clients = [client(a), client(b), client(c)];
  const transport = new ClusterTransport({
    target: localTarget(redis),
    logger,
  });
  try {
    await Promise.all(clients.map((redis) => redis.connect()));
    assert.ok(a.slots[0]![0] === 0 && a.slots[0]![1] >= 20, `first master's slots: ${a.slots}`);
    const migration = new Migration(
      { node: a, redis: clients[0]! },
      { node: b, redis: clients[1]! },
      clients,
    );
    await transport.connect();
    const filling = runFill(transport, {
      keyspace: { count: KEYS, keySize: 512, valueSize: 512, seed: 3, prefix: "redfill:" },
      acked: true,
      flushed: true,
      rateBytesPerSecond: 8 * 1024 * 1024,
      logger,
    });
    const slots = [...MOVED_SLOTS, ...ASK_SLOTS];
    const { result, movedEarly, movedLate } = await migration.duringFill(
      filling,
      MOVED_SLOTS,
      ASK_SLOTS,
    );
    const context = logger.lines.join("\n");
    assert.ok(movedEarly >= slots.length, `only ${movedEarly} keys migrated during the fill`);
    assert.equal(
      movedLate,
      0,
      "a key was written to the migrating source instead of following ASK",
    );

    const resent = /Re-sending (\d+) redirected keys .*\((\d+) with ASKING\)/.exec(context);
    assert.ok(resent, `no redirected key was re-sent: ${context}`);
    const [total, asked] = [Number(resent[1]), Number(resent[2])];
    // The later keys of each moved slot (i + 16384, i + 32768) came back once, MOVED or ASK.
    assert.equal(total, 2 * slots.length, context);
    assert.ok(asked >= 2 * ASK_SLOTS.length, context);
    assert.ok(total - asked > 0, `no MOVED: ${context}`);

    // Each key counted once, and exactly N on the servers.
    assert.equal(result.keys, KEYS, context);
    assert.equal(result.errors, 0);
    assert.equal(result.nodes.reduce((sum, node) => sum + node.keys, 0), KEYS);
    const sizes = await Promise.all(clients.map((redis) => redis.dbsize()));
    assert.equal(sizes.reduce((sum, size) => sum + size, 0), KEYS, `DBSIZE: ${sizes}`);
    for (const slot of slots) {
      assert.equal(Number(await clients[1]!.call("CLUSTER", "COUNTKEYSINSLOT", slot)), 3);
    }
    await transport.refresh();
    const verify = await verifyFill(transport, result, { sample: 500 });
    assert.ok(verify.ok, JSON.stringify(verify.checks));
    assert.equal(verify.totalKeys, KEYS);
  } finally {
    for (const redis of clients) redis.disconnect();
    await transport.close();
    await redis.stop();
  }
});
