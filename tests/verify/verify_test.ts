import assert from "node:assert/strict";
import { Keyspace } from "../../lib/fill/keyspace.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { servingMasters } from "../../lib/cluster/nodes.ts";
import { slotCount } from "../../lib/cluster/slots.ts";
import type { VerifyResult } from "../../lib/types.ts";
import { displayKey, verifyFill } from "../../lib/verify/verify.ts";
import { sampleIndices } from "../../lib/verify/sample.ts";
import { SMALL_KEYSPACE, smallFill, withTransport } from "./_helpers.ts";

function check(result: VerifyResult, name: string) {
  const found = result.checks.find((entry) => entry.name === name);
  assert.ok(found, `a "${name}" check`);
  return found;
}

Deno.test("verifyFill() passes after a fill of a standalone server, with exact numbers", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    const fill = await smallFill(transport);
    const result = await verifyFill(transport, fill);
    assert.equal(result.ok, true, JSON.stringify(result.checks));
    assert.deepEqual(result.checks.map((entry) => entry.name), [
      "count",
      "distribution",
      "content",
      "memory",
    ]);
    assert.equal(result.totalKeys, 65536);
    assert.equal(result.expectedKeys, 65536);
    assert.equal(result.maxDeviation, 0);
    assert.equal(result.tolerance, 0.2);
    assert.equal(result.sampled, 1000);
    assert.equal(result.mismatched, 0);
    assert.equal(check(result, "count").detail, "found 65536 of 65536, exact after a flush");
    assert.equal(
      check(result, "content").detail,
      "1000 sampled keys over 1000 slots match their expected values",
    );
    const [node] = result.nodes;
    assert.equal(node?.slots, 16384);
    assert.ok(node!.usedMemory > 8 * 1024 * 1024, "used_memory holds the 8 MiB written");
    assert.equal(node?.maxMemory, 0);
  });
});

Deno.test("verifyFill() passes after a fill of a 3-master cluster, each master by its slots", async () => {
  await using local = await startLocalRedis({ cluster: true, replicas: 0 });
  await withTransport(local, async (transport) => {
    const fill = await smallFill(transport);
    const result = await verifyFill(transport, fill, { sample: 500 });
    assert.equal(result.ok, true, JSON.stringify(result.checks));
    assert.equal(result.nodes.length, 3);
    assert.equal(result.sampled, 500);
    for (const node of result.nodes) {
      assert.equal(node.expectedKeys, node.slots * 4, `${node.address} expects 4 keys per slot`);
      assert.equal(node.keys, node.expectedKeys);
    }
  });
});

Deno.test("verifyFill() fails naming 10 missing keys after 10 keys are deleted", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    const fill = await smallFill(transport);
    const keyspace = new Keyspace(fill.keyspace);
    // Indices 1 … 10 are not in the sample (0, 65, 130, …): only the count can see them.
    const keys = Array.from({ length: 10 }, (_, k) => keyspace.keyString(k + 1));
    assert.equal(await transport.call(["DEL", ...keys]), 10);
    const result = await verifyFill(transport, fill);
    assert.equal(result.ok, false);
    assert.equal(check(result, "count").ok, false);
    assert.equal(check(result, "count").detail, "10 keys missing: found 65526 of 65536");
    assert.equal(check(result, "content").ok, true);
  });
});

Deno.test("verifyFill() fails naming the key whose sampled value was overwritten", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    const fill = await smallFill(transport);
    const keyspace = new Keyspace(fill.keyspace);
    const index = sampleIndices(0, fill.keyspace.count, 1000)[5]!;
    const key = keyspace.keyString(index);
    await transport.call(["SET", key, "not the value"], { key });
    const result = await verifyFill(transport, fill);
    assert.equal(result.ok, false);
    assert.equal(result.mismatched, 1);
    assert.equal(check(result, "count").ok, true);
    assert.equal(
      check(result, "content").detail,
      `1 of 1000 sampled keys are wrong: key "${
        displayKey(keyspace, index)
      }" (index ${index}) differs from its expected value`,
    );
    assert.match(displayKey(keyspace, index), /^redfill:\{...\}00325…$/);
  });
});

Deno.test("verifyFill() checks that sampled keys carry the TTL the fill asked for", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    const fill = await smallFill(transport, { ...SMALL_KEYSPACE, ttl: { min: 600, max: 900 } });
    const passed = await verifyFill(transport, fill, { sample: 200 });
    assert.equal(passed.ok, true, JSON.stringify(passed.checks));
    assert.equal(check(passed, "ttl").detail, "200 sampled keys have a TTL within 600-900 s");
    const keyspace = new Keyspace(fill.keyspace);
    const index = sampleIndices(0, fill.keyspace.count, 200)[3]!;
    const key = keyspace.keyString(index);
    await transport.call(["PERSIST", key], { key });
    const failed = await verifyFill(transport, fill, { sample: 200 });
    assert.equal(failed.ok, false);
    assert.equal(
      check(failed, "ttl").detail,
      `1 of 200 sampled keys lack a TTL within 600-900 s: key "${
        displayKey(keyspace, index)
      }" has no TTL`,
    );
  });
});

Deno.test("verifyFill() on uneven slots (8000/4000/4384) expects each master's keys by its slot share", async () => {
  await using local = await startLocalRedis({
    cluster: true,
    replicas: 0,
    slots: [8000, 4000, 4384],
  });
  await withTransport(local, async (transport) => {
    const fill = await smallFill(transport);
    const passed = await verifyFill(transport, fill, { sample: 300 });
    assert.equal(passed.ok, true, JSON.stringify(passed.checks));
    assert.deepEqual(passed.nodes.map((node) => node.slots), [8000, 4000, 4384]);
    assert.deepEqual(passed.nodes.map((node) => node.expectedKeys), [32000, 16000, 17536]);
    assert.deepEqual(passed.nodes.map((node) => node.keys), [32000, 16000, 17536]);

    // 1600 more keys on the 4000-slot master, from another client: +10% there. Without a
    // flush the count is "at least", so only the distribution can fail.
    const keyspace = new Keyspace(fill.keyspace);
    const master = servingMasters(transport.topology())[1]!;
    assert.equal(slotCount(master.slots), 4000);
    const slot = master.slots[0]![0];
    const tagged = keyspace.keyString(slot); // its {tag} puts any key with it in `slot`
    for (let batch = 0; batch < 16; batch++) {
      const pairs = Array.from(
        { length: 100 },
        (_, k) => [`${tagged}:extra${batch * 100 + k}`, "x"],
      )
        .flat();
      await transport.call(["MSET", ...pairs], { key: pairs[0]! });
    }
    const flushed = await verifyFill(transport, fill, { sample: 300, tolerance: 0.2 });
    assert.equal(flushed.maxDeviation, 0.1, "after a flush: (17600 - 16000) / 16000");
    assert.equal(check(flushed, "count").ok, false, "after a flush the count must be exact");
    // Not flushed: the count is "at least" and shares are compared: 17600 / 67136 against
    // 16000 / 65536, +7.38%.
    const unflushed = { ...fill, flushed: false };
    const within = await verifyFill(transport, unflushed, { sample: 300, tolerance: 0.2 });
    assert.equal(within.ok, true, JSON.stringify(within.checks));
    assert.equal(within.maxDeviation.toFixed(4), "0.0738");
    assert.equal(
      check(within, "count").detail,
      "found 67136, at least 65536 expected (1600 more: not flushed first; earlier keys count too)",
    );
    const beyond = await verifyFill(transport, unflushed, { sample: 300, tolerance: 0.05 });
    assert.equal(beyond.ok, false);
    assert.deepEqual(beyond.checks.filter((entry) => !entry.ok).map((entry) => entry.name), [
      "distribution",
    ]);
    assert.equal(
      check(beyond, "distribution").detail,
      `largest deviation +7.38% on ${master.host}:${master.port} (holds 26.22% of the keys found, 17600 of 67136, against 24.41% by its 4000 slots), beyond ±5%`,
    );
  });
});

Deno.test("verifyFill() checks a declared keyspace (written: false) and one shard of it", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    const fill = await smallFill(transport);
    const declared = { ...fill, written: false, flushed: false, keys: 0, bytes: 0, nodes: [] };
    const result = await verifyFill(transport, declared, { sample: 100 });
    assert.equal(result.ok, true, JSON.stringify(result.checks));
    assert.equal(
      check(result, "count").detail,
      "found 65536, at least 65536 expected (0 more: not flushed first; earlier keys count too)",
    );
    // Shard 1/4 after every shard wrote: at least its 16384 keys, and shares as expected.
    const shard = { ...fill, shard: { index: 1, count: 4 } };
    const sharded = await verifyFill(transport, shard, { sample: 100 });
    assert.equal(sharded.ok, true, JSON.stringify(sharded.checks));
    assert.equal(sharded.expectedKeys, 16384);
    assert.equal(
      check(sharded, "count").detail,
      "found 65536, at least 16384 expected (49152 more: this run wrote one shard; other shards and earlier keys count too)",
    );
  });
});
