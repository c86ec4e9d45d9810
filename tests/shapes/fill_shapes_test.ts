/**
 * Each built-in shape alone on a standalone server and on a 3+3 cluster, a three-shape mix,
 * and the same seed giving the same contents on both: exact counts, TYPE and cardinalities
 * read independently of redfill's counters, verify passing, and tampering failing it.
 */
import assert from "node:assert/strict";
import { runFill } from "../../lib/fill/fill.ts";
import { Keyspace } from "../../lib/fill/keyspace.ts";
import { startLocalRedis } from "../../lib/local/mod.ts";
import type { KeyspaceParams, KeyspaceShape, Transport } from "../../lib/types.ts";
import { verifyFill } from "../../lib/verify/verify.ts";
import { memoryLogger, withTransport } from "../_local.ts";

const CARDINALITY: Record<string, string> = {
  string: "STRLEN",
  hash: "HLEN",
  list: "LLEN",
  set: "SCARD",
  zset: "ZCARD",
  stream: "XLEN",
};

/** Each type with ranges whose ends the test checks. */
const SHAPES: Record<string, { options: Record<string, unknown>; range: [number, number] }> = {
  string: { options: { "value-size": "10-200" }, range: [10, 200] },
  hash: { options: { fields: "3-12", "field-size": "8-32" }, range: [3, 12] },
  list: { options: { elements: "2-9", "element-size": 16 }, range: [2, 9] },
  set: { options: { members: "4-10", "member-size": "8-24" }, range: [4, 10] },
  zset: { options: { members: "5-15", scores: "0-100" }, range: [5, 15] },
  stream: { options: { entries: "1-4", fields: 2, "field-size": 8 }, range: [1, 4] },
};

function keyspaceOf(shapes: KeyspaceShape[], count: number, prefix: string): KeyspaceParams {
  return { count, keySize: 40, valueSize: 64, seed: 11, prefix, shapes };
}

/** Keys of this fill per type, counted with SCAN … TYPE on every master (not redfill's). */
async function scanTypes(transport: Transport, prefix: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const type of Object.keys(CARDINALITY)) {
    const replies = await Promise.all(
      transport.topology().nodes.filter((node) => node.role === "master").map(async (node) => {
        let cursor = "0";
        let found = 0;
        do {
          const reply = await transport.call(
            ["SCAN", cursor, "MATCH", `${prefix}*`, "COUNT", "1000", "TYPE", type],
            { node: node.id },
          ) as [string, string[]];
          cursor = String(reply[0]);
          found += reply[1].length;
        } while (cursor !== "0");
        return found;
      }),
    );
    const total = replies.reduce((sum, count) => sum + count, 0);
    if (total > 0) counts[type] = total;
  }
  return counts;
}

/** Fills one type, checks what landed, then tampers with a key and checks verify names it. */
async function checkType(transport: Transport, type: string, prefix: string): Promise<void> {
  const { options, range } = SHAPES[type]!;
  const params = keyspaceOf([{ type, share: 1, options }], 2000, prefix);
  const fill = await runFill(transport, {
    keyspace: params,
    flushed: false,
    logger: memoryLogger(),
  });
  assert.equal(fill.keys, 2000, `${type}: keys sent`);
  assert.deepEqual(await scanTypes(transport, prefix), { [type]: 2000 }, `${type}: SCAN TYPE`);
  const keyspace = new Keyspace(params);
  for (let index = 0; index < 2000; index += 97) {
    const key = keyspace.keyString(index);
    assert.equal(await transport.call(["TYPE", key], { key }), type);
    const size = Number(await transport.call([CARDINALITY[type]!, key], { key }));
    assert.ok(size >= range[0] && size <= range[1], `${type} ${index}: ${size} in ${range}`);
  }
  const passed = await verifyFill(transport, fill, { sample: 500 });
  assert.ok(passed.ok, `${type}: ${JSON.stringify(passed.checks.filter((check) => !check.ok))}`);

  const index = 0; // sampled by every verify
  const key = keyspace.keyString(index);
  const tamper: Record<string, { command: string[]; says: RegExp }> = {
    string: { command: ["SETRANGE", key, "0", "#"], says: /its value differs/ },
    hash: { command: ["HSET", key, "f1", "changed"], says: /field "f1" differs/ },
    list: { command: ["RPOP", key], says: /has \d+ elements, expected \d+/ },
    set: { command: ["SPOP", key], says: /has \d+ members, expected \d+/ },
    zset: { command: [], says: /./ }, // the member is read first, below
    stream: { command: ["XDEL", key, "1-1"], says: /entries, expected|entry 0 is not 1-1/ },
  };
  if (type === "zset") {
    const [member] = await transport.call(["ZRANGE", key, "0", "0"], { key }) as string[];
    await transport.call(["ZINCRBY", key, "1000", member!], { key });
    tamper.zset!.says = /member "\d+:[^"]*" has score \d+, expected \d+/;
  } else {
    await transport.call(tamper[type]!.command, { key });
  }
  const failed = await verifyFill(transport, fill, { sample: 500 });
  const content = failed.checks.find((check) => check.name === "content")!;
  assert.equal(content.ok, false, `${type}: tampering fails verify`);
  assert.match(content.detail, new RegExp(`index ${index}\\) differs: `), type);
  assert.match(content.detail, tamper[type]!.says, `${type}: ${content.detail}`);
}

Deno.test("each shape alone on a standalone server: exact count, TYPE, cardinalities, verify, tamper", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    for (const type of Object.keys(SHAPES)) await checkType(transport, type, `t:${type}:`);
  });
});

Deno.test("each shape alone on a 3+3 cluster: exact count, TYPE, cardinalities, verify, tamper", async () => {
  await using local = await startLocalRedis({ cluster: true });
  await withTransport(local, async (transport) => {
    for (const type of Object.keys(SHAPES)) await checkType(transport, type, `t:${type}:`);
  });
});

const MIX: KeyspaceShape[] = [
  { type: "string", share: 70, options: { "value-size": "64:60,1KiB:30,4KiB:10" } },
  { type: "hash", share: 20, options: { fields: "2-6", "field-size": "16-64" } },
  { type: "zset", share: 10, options: { members: "3-8" } },
];

Deno.test("a three-shape mix lands within 1% of its shares, and the same seed writes the same contents on a cluster", async () => {
  const params = keyspaceOf(MIX, 20000, "mix:");
  await using standalone = await startLocalRedis();
  await using cluster = await startLocalRedis({ cluster: true });
  const read = async (transport: Transport) => {
    const fill = await runFill(transport, {
      keyspace: params,
      flushed: true,
      logger: memoryLogger(),
    });
    const result = await verifyFill(transport, fill, { sample: 2000 });
    assert.ok(result.ok, JSON.stringify(result.checks.filter((check) => !check.ok)));
    const counts = await scanTypes(transport, "mix:");
    assert.equal(Object.values(counts).reduce((sum, count) => sum + count, 0), 20000);
    for (const [type, share] of [["string", 70], ["hash", 20], ["zset", 10]] as const) {
      assert.ok(
        Math.abs(counts[type]! - 200 * share) <= 200,
        `${type}: ${counts[type]} keys for a share of ${share}%`,
      );
    }
    const keyspace = new Keyspace(params);
    const contents: unknown[] = [];
    for (let index = 0; index < 20000; index += 251) {
      const key = keyspace.keyString(index);
      const type = await transport.call(["TYPE", key], { key });
      const command = type === "string"
        ? ["GET", key]
        : type === "hash"
        ? ["HGETALL", key]
        : ["ZRANGE", key, "0", "-1", "WITHSCORES"];
      const reply = await transport.call(command, { key });
      contents.push([type, type === "hash" ? Object.entries(reply as object).sort() : reply]);
    }
    return contents;
  };
  const one = await withTransport(standalone, read);
  const other = await withTransport(cluster, read);
  assert.deepEqual(one, other, "same seed, same shapes: same contents");
});

Deno.test("weighted value sizes: 10,000 sampled strings follow the weights within 2% per bucket", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    const shapes = [{
      type: "string",
      share: 1,
      options: { "value-size": "64:60,1KiB:30,4KiB:10" },
    }];
    const params = keyspaceOf(shapes, 10000, "w:");
    await runFill(transport, { keyspace: params, logger: memoryLogger() });
    const keyspace = new Keyspace(params);
    const buckets = new Map<number, number>();
    const lengths = await Promise.all(
      Array.from({ length: 10000 }, (_, index) => {
        const key = keyspace.keyString(index);
        return transport.call(["STRLEN", key], { key });
      }),
    );
    for (const length of lengths) {
      buckets.set(Number(length), (buckets.get(Number(length)) ?? 0) + 1);
    }
    assert.deepEqual([...buckets.keys()].sort((a, b) => a - b), [64, 1024, 4096]);
    for (const [size, share] of [[64, 0.6], [1024, 0.3], [4096, 0.1]] as const) {
      assert.ok(
        Math.abs(buckets.get(size)! / 10000 - share) <= 0.02,
        `${size}: ${buckets.get(size)}`,
      );
    }
  });
});

Deno.test("acked mode with a TTL: every type's replies are counted without errors, and the TTL is set", async () => {
  await using local = await startLocalRedis();
  await withTransport(local, async (transport) => {
    for (const type of Object.keys(SHAPES)) {
      const params = {
        ...keyspaceOf([{ type, share: 1, options: SHAPES[type]!.options }], 500, `a:${type}:`),
        ttl: { min: 100, max: 200 },
      };
      const fill = await runFill(transport, {
        keyspace: params,
        acked: true,
        logger: memoryLogger(),
      });
      assert.equal(fill.errors, 0, `${type}: ${fill.nodes[0]?.firstErrors}`);
      assert.equal(fill.nodes[0]!.acked, 500, `${type}: one counted reply per key`);
      const result = await verifyFill(transport, fill, { sample: 100 });
      assert.ok(result.ok, `${type}: ${JSON.stringify(result.checks.filter((c) => !c.ok))}`);
      const key = new Keyspace(params).keyString(3);
      const ttl = Number(await transport.call(["TTL", key], { key }));
      assert.ok(ttl > 90 && ttl <= 200, `${type}: TTL ${ttl}`);
    }
  });
});
