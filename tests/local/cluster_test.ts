import assert from "node:assert/strict";
import { Cluster } from "ioredis";
import {
  evenSlotCounts,
  type LocalRedis,
  slotRanges,
  startLocalRedis,
} from "../../lib/local/mod.ts";
import {
  assertCoversAllSlotsOnce,
  assertNothingLeft,
  assertRedisGone,
  readClientTls,
} from "./_helpers.ts";

/** Connects an ioredis Cluster to a local cluster with its TLS and auth settings. */
async function connectCluster(
  redis: LocalRedis,
  auth: { username?: string; password?: string } = {},
): Promise<Cluster> {
  const tls = redis.tls ? { tls: await readClientTls(redis) } : {};
  const cluster = new Cluster(
    redis.masters().map((n) => ({ host: n.host, port: n.port })),
    { lazyConnect: true, redisOptions: { ...auth, ...tls } },
  );
  await cluster.connect();
  return cluster;
}

/** SETs and GETs keys spread over every master through the cluster client. */
async function assertSetAndGet(cluster: Cluster): Promise<void> {
  const keys = Array.from({ length: 30 }, (_, i) => `key:${i}`);
  for (const key of keys) assert.equal(await cluster.set(key, `value of ${key}`), "OK");
  for (const key of keys) assert.equal(await cluster.get(key), `value of ${key}`);
  const counts = await Promise.all(cluster.nodes("master").map((n) => n.dbsize()));
  assert.ok(counts.every((c) => c > 0), `every master should hold keys, got ${counts}`);
}

/** Checks masters, replicas and the slot map against what the servers say. */
async function assertTopology(
  redis: LocalRedis,
  cluster: Cluster,
  expected: { masters: number; replicas: number },
): Promise<void> {
  assert.equal(redis.kind, "cluster");
  assert.equal(redis.masters().length, expected.masters);
  assert.equal(redis.replicas().length, expected.masters * expected.replicas);
  assert.deepEqual(
    redis.nodes.map((n) => n.role),
    [
      ...Array(expected.masters).fill("master"),
      ...Array(expected.masters * expected.replicas).fill("replica"),
    ],
  );
  assertCoversAllSlotsOnce(redis.masters().flatMap((n) => n.slots));
  assert.equal(cluster.nodes("master").length, expected.masters);
  assert.equal(cluster.nodes("slave").length, expected.masters * expected.replicas);

  const slots = await cluster.cluster("SLOTS") as Array<[number, number, ...unknown[]]>;
  assertCoversAllSlotsOnce(slots.map(([first, last]) => [first, last]));
  for (const [first, last, master, ...replicas] of slots) {
    const owner = redis.masters().find((n) => n.port === (master as [string, number])[1]);
    assert.ok(owner, `slots ${first}-${last} belong to an unknown node`);
    assert.deepEqual(owner.slots, [[first, last]]);
    assert.deepEqual(
      replicas.map((r) => (r as [string, number])[1]).sort(),
      redis.replicas().filter((r) => r.masterId === owner.id).map((r) => r.port).sort(),
    );
  }
  const ids = new Set(redis.nodes.map((n) => n.id));
  assert.equal(ids.size, redis.nodes.length);
  for (const node of redis.nodes) assert.match(node.id, /^[0-9a-f]{40}$/);
  for (const node of redis.nodes) {
    assert.ok(node.busPort !== undefined && node.busPort !== node.port);
  }
}

Deno.test("startLocalRedis() starts a 3+3 cluster ready on every node", async () => {
  const redis = await startLocalRedis({ cluster: true });
  try {
    const cluster = await connectCluster(redis);
    await assertTopology(redis, cluster, { masters: 3, replicas: 1 });
    await assertSetAndGet(cluster);
    await cluster.quit();

    const replica = redis.replicas()[0]!;
    await redis.killNode(replica);
    await assertRedisGone([replica.pid], 1000);
    assert.equal((await redis.waitForExit()).pid, replica.pid);
  } finally {
    await redis.stop();
  }
  await assertNothingLeft(redis);
});

Deno.test("startLocalRedis() starts a TLS 3+3 cluster whose bus and replication use TLS", async () => {
  const redis = await startLocalRedis({ cluster: true, tls: true });
  try {
    assert.match(redis.url(), /^rediss:/);
    for (const node of redis.nodes) assert.equal(node.plainPort, undefined);
    const cluster = await connectCluster(redis);
    await assertTopology(redis, cluster, { masters: 3, replicas: 1 });
    await assertSetAndGet(cluster);
    const master = cluster.nodes("master")[0]!;
    assert.deepEqual(await master.config("GET", "tls-cluster"), ["tls-cluster", "yes"]);
    assert.deepEqual(await master.config("GET", "tls-replication"), ["tls-replication", "yes"]);
    await cluster.quit();
  } finally {
    await redis.stop();
  }
  await assertNothingLeft(redis);
});

Deno.test("startLocalRedis() starts a password cluster with an ACL user and custom slot counts", async () => {
  const redis = await startLocalRedis({
    cluster: true,
    slots: [8000, 4000, 4384],
    password: "cluster pw",
    user: { name: "filler", password: "fill-pw" },
  });
  try {
    assert.deepEqual(redis.masters().map((n) => n.slots), [
      [[0, 7999]],
      [[8000, 11999]],
      [[12000, 16383]],
    ]);
    const cluster = await connectCluster(redis, { username: "filler", password: "fill-pw" });
    await assertTopology(redis, cluster, { masters: 3, replicas: 1 });
    await assertSetAndGet(cluster);
    await cluster.quit();
    const owner = await connectCluster(redis, { password: "cluster pw" });
    assert.equal(await owner.get("key:1"), "value of key:1");
    await owner.quit();
  } finally {
    await redis.stop();
  }
  await assertNothingLeft(redis);
});

Deno.test("startLocalRedis() starts a one-master cluster without replicas", async () => {
  await using redis = await startLocalRedis({ cluster: true, masters: 1, replicas: 0 });
  const cluster = await connectCluster(redis);
  try {
    await assertTopology(redis, cluster, { masters: 1, replicas: 0 });
    assert.deepEqual(redis.masters()[0]!.slots, [[0, 16383]]);
  } finally {
    await cluster.quit();
  }
});

Deno.test("evenSlotCounts() splits 16384 slots evenly, the remainder to the first masters", () => {
  assert.deepEqual(evenSlotCounts(1), [16384]);
  assert.deepEqual(evenSlotCounts(3), [5462, 5461, 5461]);
  assert.deepEqual(evenSlotCounts(5), [3277, 3277, 3277, 3277, 3276]);
  for (const masters of [2, 6, 7, 100]) {
    const counts = evenSlotCounts(masters);
    assert.equal(counts.reduce((a, b) => a + b, 0), 16384);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1);
  }
});

Deno.test("slotRanges() turns slot counts into consecutive ranges from slot 0", () => {
  assert.deepEqual(slotRanges([8000, 4000, 4384]), [[0, 7999], [8000, 11999], [12000, 16383]]);
  assert.deepEqual(slotRanges([16384]), [[0, 16383]]);
  assertCoversAllSlotsOnce(slotRanges(evenSlotCounts(7)));
});
