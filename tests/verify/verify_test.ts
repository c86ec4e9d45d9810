import assert from "node:assert/strict";
import { Keyspace } from "../../lib/fill/keyspace.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import { servingMasters } from "../../lib/cluster/nodes.ts";
import { slotCount } from "../../lib/cluster/slots.ts";
import type { VerifyResult } from "../../lib/types.ts";
import { displayKey, verifyFill } from "../../lib/verify/verify.ts";
import { sampleIndices } from "../../lib/verify/sample.ts";
import { SMALL_KEYSPACE, smallFill, withTransport, writeForeignKeys } from "./_helpers.ts";

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
    assert.deepEqual([result.count, result.content, result.checkedKeys], [
      "exact",
      "sample",
      65536,
    ]);
    assert.ok(result.keysPerSecond! > 0);
    assert.equal(
      check(result, "count").detail,
      "found 65536 of 65536, exact (EXISTS of this fill's keys); DBSIZE agrees",
    );
    assert.equal(
      check(result, "content").detail,
      "1000 sampled keys over 1000 slots match their expected values",
    );
    const [node] = result.nodes;
    assert.deepEqual([node?.slots, node?.keys, node?.missing, node?.dbsize], [
      16384,
      65536,
      0,
      65536,
    ]);
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

Deno.test("verifyFill() fails naming the first 3 of 10 missing keys after 10 keys are deleted", async () => {
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
    const named = [1, 2, 3].map((index) => `"${displayKey(keyspace, index)}" (index ${index})`);
    assert.equal(
      check(result, "count").detail,
      `10 keys missing: found 65526 of 65536, exact (EXISTS of this fill's keys); missing ${
        named.join(", ")
      }, and 7 more`,
    );
    assert.deepEqual(result.missingKeys?.map((key) => key.index), [1, 2, 3]);
    assert.equal(result.nodes[0]?.missing, 10);
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

    // 1600 more keys on the 4000-slot master, from another client, in one of its slots.
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
    // The exact count counts this fill's keys only: the others change nothing but DBSIZE.
    const exact = await verifyFill(transport, fill, { sample: 300, tolerance: 0.05 });
    assert.equal(exact.ok, true, JSON.stringify(exact.checks));
    assert.equal(exact.maxDeviation, 0);
    assert.deepEqual(exact.nodes.map((node) => node.dbsize), [32000, 17600, 17536]);
    assert.equal(
      check(exact, "count").detail,
      "found 65536 of 65536, exact (EXISTS of this fill's keys); DBSIZE counts 1600 other keys, written by another client since the flush",
    );

    // count: fast (DBSIZE) after a flush: the count must be exact, and it is 1600 over.
    const flushed = await verifyFill(transport, fill, { sample: 300, count: "fast" });
    assert.equal(flushed.count, "fast");
    assert.equal(flushed.maxDeviation, 0.1, "after a flush: (17600 - 16000) / 16000");
    assert.equal(check(flushed, "count").ok, false, "after a flush the count must be exact");
    // Not flushed: the count is "at least" and shares are compared: 17600 / 67136 against
    // 16000 / 65536, +7.38%.
    const unflushed = { ...fill, flushed: false };
    const fast = { sample: 300, count: "fast" } as const;
    const within = await verifyFill(transport, unflushed, { ...fast, tolerance: 0.2 });
    assert.equal(within.ok, true, JSON.stringify(within.checks));
    assert.equal(within.maxDeviation.toFixed(4), "0.0738");
    assert.equal(
      check(within, "count").detail,
      "at least 65536 expected: DBSIZE found 67136 (1600 more: not flushed first; earlier keys count too), count: fast (DBSIZE counts every key, not only this fill's)",
    );
    const beyond = await verifyFill(transport, unflushed, { ...fast, tolerance: 0.05 });
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

Deno.test("verifyFill() counts a declared keyspace (written: false) and one shard of it exactly", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    const fill = await smallFill(transport);
    const declared = { ...fill, written: false, flushed: false, keys: 0, bytes: 0, nodes: [] };
    const result = await verifyFill(transport, declared, { sample: 100 });
    assert.equal(result.ok, true, JSON.stringify(result.checks));
    assert.equal(
      check(result, "count").detail,
      "found 65536 of 65536, exact (EXISTS of this fill's keys)",
    );
    // Shard 1/4 after every shard wrote: exactly its 16384 keys, whatever the others wrote.
    const shard = { ...fill, shard: { index: 1, count: 4 } };
    const sharded = await verifyFill(transport, shard, { sample: 100 });
    assert.equal(sharded.ok, true, JSON.stringify(sharded.checks));
    assert.deepEqual([sharded.expectedKeys, sharded.totalKeys, sharded.checkedKeys], [
      16384,
      16384,
      16384,
    ]);
    assert.equal(
      check(sharded, "count").detail,
      "found 16384 of 16384, exact (EXISTS of this fill's keys)",
    );
    // count: fast keeps DBSIZE's "at least" for a shard.
    const fast = await verifyFill(transport, shard, { sample: 100, count: "fast" });
    assert.equal(
      check(fast, "count").detail,
      "at least 16384 expected: DBSIZE found 65536 (49152 more: this run wrote one shard; other shards and earlier keys count too), count: fast (DBSIZE counts every key, not only this fill's)",
    );
  });
});

Deno.test("verifyFill() finds exactly the keys a fill lost under 300,000 other keys, where count: fast sees at least N", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    await writeForeignKeys(transport, 300_000);
    const fill = await smallFill(transport, SMALL_KEYSPACE, false);
    const keyspace = new Keyspace(fill.keyspace);
    // 93 of the fill's own keys vanish (as evictions or expiries would take them), none of
    // them sampled: indices 3, 10, 17, … (7k + 3, never a multiple of the sample's step 65).
    const sampled = new Set(sampleIndices(0, fill.keyspace.count, 1000));
    const lost = Array.from({ length: 200 }, (_, k) => 7 * k + 3).filter((i) => !sampled.has(i))
      .slice(0, 93);
    assert.equal(lost.length, 93);
    assert.equal(await transport.call(["DEL", ...lost.map((i) => keyspace.keyString(i))]), 93);

    const exact = await verifyFill(transport, fill);
    assert.equal(exact.ok, false);
    assert.deepEqual(exact.checks.filter((entry) => !entry.ok).map((entry) => entry.name), [
      "count",
    ]);
    assert.equal(exact.totalKeys, 65536 - 93);
    assert.deepEqual(exact.missingKeys?.map((key) => key.index), lost.slice(0, 3));
    assert.match(
      check(exact, "count").detail,
      /^93 keys missing: found 65443 of 65536, exact \(EXISTS of this fill's keys\); missing "redfill:\{...\}00003…" \(index 3\), .*, and 90 more$/,
    );
    assert.equal(exact.nodes[0]?.dbsize, 300_000 + 65536 - 93);
    assert.equal(check(exact, "content").ok, true, "the sample cannot see the loss");

    const fast = await verifyFill(transport, fill, { count: "fast" });
    assert.equal(fast.ok, true, JSON.stringify(fast.checks));
    assert.equal(
      check(fast, "count").detail,
      "at least 65536 expected: DBSIZE found 365443 (299907 more: not flushed first; earlier keys count too), count: fast (DBSIZE counts every key, not only this fill's)",
    );
  });
});

Deno.test("verifyFill() passes a 1 MiB fill into a cluster already holding a 64 MiB fill of the same prefix", async () => {
  await using local = await startLocalRedis({ cluster: true, replicas: 0 });
  await withTransport(local, async (transport) => {
    const big = { count: 65536, keySize: 512, valueSize: 512, seed: 1, prefix: "redfill:" };
    await smallFill(transport, big);
    // 1 MiB of 512 + 512 bytes: 1024 keys, in slots 0 … 1023 (all the first master's).
    const small = await smallFill(transport, { ...big, count: 1024, seed: 2 }, false);
    const result = await verifyFill(transport, small);
    assert.equal(result.ok, true, JSON.stringify(result.checks));
    assert.deepEqual(result.nodes.map((node) => node.keys), [1024, 0, 0]);
    assert.deepEqual(result.nodes.map((node) => node.expectedKeys), [1024, 0, 0]);
    assert.equal(result.maxDeviation, 0);
    assert.equal(
      check(result, "count").detail,
      "found 1024 of 1024, exact (EXISTS of this fill's keys)",
    );
    // DBSIZE counts the 64 MiB fill too: the spread fails by +100% on the masters that should
    // hold none of the 1024 keys.
    const fast = await verifyFill(transport, small, { count: "fast" });
    assert.equal(fast.ok, false);
    assert.match(check(fast, "distribution").detail, /^largest deviation \+100\.00% on /);
  });
});

Deno.test("verifyFill() with content: full reads every key back, naming the keys that differ or are missing", async () => {
  await using local = await startLocalRedis({ cluster: true, replicas: 0 });
  await withTransport(local, async (transport) => {
    const fill = await smallFill(transport);
    const passed = await verifyFill(transport, fill, { content: "full" });
    assert.equal(passed.ok, true, JSON.stringify(passed.checks));
    assert.deepEqual([passed.content, passed.sampled, passed.mismatched, passed.checkedKeys], [
      "full",
      65536,
      0,
      65536,
    ]);
    assert.match(
      check(passed, "content").detail,
      /^all 65536 keys match their expected values \(every key read by GET, \d+ keys\/s\)$/,
    );
    assert.deepEqual(
      passed.nodes.map((node) => node.keys),
      passed.nodes.map((node) => node.expectedKeys),
    );

    const keyspace = new Keyspace(fill.keyspace);
    for (const index of [40000, 7, 20000]) {
      const key = keyspace.keyString(index);
      await transport.call(["SET", key, "not the value"], { key });
    }
    const gone = keyspace.keyString(12345);
    await transport.call(["DEL", gone], { key: gone });
    const hashed = keyspace.keyString(999);
    await transport.call(["DEL", hashed], { key: hashed });
    await transport.call(["HSET", hashed, "f", "v"], { key: hashed });
    const failed = await verifyFill(transport, fill, { content: "full" });
    assert.equal(failed.ok, false);
    assert.deepEqual([failed.sampled, failed.mismatched, failed.totalKeys], [65536, 5, 65535]);
    assert.deepEqual(failed.wrongKeys?.map((key) => key.index), [7, 999, 20000]);
    assert.deepEqual(failed.missingKeys?.map((key) => key.index), [12345]);
    const shown = (index: number) => `"${displayKey(keyspace, index)}" (index ${index})`;
    assert.match(
      check(failed, "content").detail,
      new RegExp(
        `^5 of 65536 keys are wrong \\(every key read by GET, \\d+ keys/s\\): 4 differ: ${
          escape([7, 999, 20000].map(shown).join(", "))
        }, and 1 more; 1 are missing: ${escape(shown(12345))}$`,
      ),
    );
    assert.equal(check(failed, "count").ok, false);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
