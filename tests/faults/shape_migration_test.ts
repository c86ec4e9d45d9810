/**
 * Shaped keys during a live slot migration: an acked fill of a hash + zset mix with a TTL (each
 * key `DEL`, `HSET`/`ZADD`, `EXPIRE`) while slots move from one master to another (SETSLOT
 * IMPORTING / MIGRATING, MIGRATE, SETSLOT NODE). Keys answered with ASK are re-sent whole, with
 * an ASKING before each of their commands, to the importing node, keys answered with MOVED to
 * the new owner; the fill counts each key once, ends with exactly N keys, and verify recomputes
 * the type and contents of every key.
 */

import assert from "node:assert/strict";
import { runFill } from "../../lib/fill/fill.ts";
import { encoderFor } from "../../lib/fill/shape_batch.ts";
import { Keyspace } from "../../lib/fill/keyspace.ts";
import { type LocalNode, localTarget, startLocalRedis } from "../../lib/local/mod.ts";
import { ClusterTransport } from "../../lib/transport/cluster.ts";
import type { KeyspaceParams } from "../../lib/types.ts";
import { verifyFill } from "../../lib/verify/verify.ts";
import { memoryLogger } from "../_local.ts";
import { client, Migration, range } from "./_migration.ts";

const KEYS = 49152; // 3 keys per slot: i, i + 16384 and i + 32768
/** Slots moved (and finished) early in the fill: their later keys get MOVED. */
const MOVED_SLOTS = range(0, 10);
/** Slots left migrating until the fill is over: their later keys get ASK. */
const ASK_SLOTS = range(10, 20);

const KEYSPACE: KeyspaceParams = {
  count: KEYS,
  keySize: 48,
  valueSize: 700,
  seed: 17,
  prefix: "shape:",
  ttl: { min: 3000, max: 4000 },
  shapes: [
    { type: "hash", share: 50, options: { fields: "4-10", "field-size": "32-128" } },
    { type: "zset", share: 50, options: { members: "4-10", "member-size": "32-96" } },
  ],
};

Deno.test("runFill() acked, of hashes and zsets with a TTL, follows ASK and MOVED while slots migrate mid-fill: each key once, exactly N, every key verifies", async () => {
  await using redis = await startLocalRedis({ cluster: true, masters: 3, replicas: 0 });
  const logger = memoryLogger();
  const [a, b, c] = redis.masters() as [LocalNode, LocalNode, LocalNode];
  const clients = [client(a), client(b), client(c)];
  const transport = new ClusterTransport({ target: localTarget(redis), logger });
  try {
    await Promise.all(clients.map((redis) => redis.connect()));
    assert.ok(a.slots[0]![0] === 0 && a.slots[0]![1] >= 20, `first master's slots: ${a.slots}`);
    const migration = new Migration(
      { node: a, redis: clients[0]! },
      { node: b, redis: clients[1]! },
      clients,
    );
    await transport.connect();
    // About 35 MB of payload at 4 MiB/s: some 8 s, so index 16384 comes well after the moves.
    const filling = runFill(transport, {
      keyspace: KEYSPACE,
      acked: true,
      flushed: true,
      rateBytesPerSecond: 4 * 1024 * 1024,
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
    assert.equal(movedLate, 0, "a key was left on the migrating source instead of following ASK");

    const resent = /Re-sending (\d+) redirected keys .*\((\d+) with ASKING\)/.exec(context);
    assert.ok(resent, `no redirected key was re-sent: ${context}`);
    const [total, asked] = [Number(resent[1]), Number(resent[2])];
    // The later keys of each moved slot (i + 16384, i + 32768) came back once, MOVED or ASK:
    // one redirect per key, however many commands it has.
    assert.equal(total, 2 * slots.length, context);
    assert.ok(asked >= 2 * ASK_SLOTS.length, context);
    assert.ok(total - asked > 0, `no MOVED: ${context}`);

    // Each key counted once (keys, acknowledged replies, payload bytes), exactly N on the servers.
    const encoder = encoderFor(new Keyspace(KEYSPACE), undefined);
    let bytes = 0;
    for (let index = 0; index < KEYS; index++) bytes += encoder.payloadBytes!(index);
    assert.equal(result.keys, KEYS, context);
    assert.equal(result.bytes, bytes, "payload bytes counted once per key");
    assert.equal(result.errors, 0, JSON.stringify(result.nodes.map((node) => node.firstErrors)));
    assert.equal(result.nodes.reduce((sum, node) => sum + node.keys, 0), KEYS);
    assert.equal(result.nodes.reduce((sum, node) => sum + node.acked, 0), KEYS);
    const sizes = await Promise.all(clients.map((redis) => redis.dbsize()));
    assert.equal(sizes.reduce((sum, size) => sum + size, 0), KEYS, `DBSIZE: ${sizes}`);
    // The moved slots' keys are on the new owner, whole: type, cardinality and a TTL.
    const keyspace = new Keyspace(KEYSPACE);
    for (const slot of slots) {
      assert.equal(Number(await clients[1]!.call("CLUSTER", "COUNTKEYSINSLOT", slot)), 3);
      for (const index of [slot, slot + 16384, slot + 32768]) {
        const key = keyspace.keyString(index);
        const type = await clients[1]!.type(key);
        assert.ok(type === "hash" || type === "zset", `${key}: ${type}`);
        const size = type === "hash" ? await clients[1]!.hlen(key) : await clients[1]!.zcard(key);
        assert.ok(size >= 4 && size <= 10, `${key}: ${size} elements`);
        const ttl = await clients[1]!.ttl(key);
        assert.ok(ttl > 2900 && ttl <= 4000, `${key}: TTL ${ttl}`);
      }
    }
    await transport.refresh();
    // Every key's type, cardinality, contents and TTL, recomputed from (seed, i).
    const verify = await verifyFill(transport, result, { sample: KEYS });
    assert.ok(verify.ok, JSON.stringify(verify.checks.filter((check) => !check.ok)));
    assert.equal(verify.totalKeys, KEYS);
    const content = verify.checks.find((check) => check.name === "content");
    assert.match(content?.detail ?? "", new RegExp(`^${KEYS} sampled keys`), content?.detail);
  } finally {
    for (const redis of clients) redis.disconnect();
    await transport.close();
  }
});
