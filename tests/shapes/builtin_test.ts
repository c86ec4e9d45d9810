import assert from "node:assert/strict";
import { compareContents, type Contents } from "../../lib/shapes/contents.ts";
import { ReplyParser, type RespValue } from "../../lib/resp/parser.ts";
import { testMix } from "./_keys.ts";

const TYPES = ["string", "hash", "list", "set", "zset", "stream"] as const;

/** Encodes key i and returns its commands as words. */
function encoded(type: string, options: Record<string, unknown>, index: number, ttl = 0) {
  const generator = testMix([{ type, share: 1, options }], { ttl }).generators[0]!;
  const bytes = generator.layout(index);
  assert.ok(bytes <= generator.maxCommandBytes, "within the bound");
  const out = new Uint8Array(bytes + 8);
  assert.equal(generator.encode(out, 0), bytes, "layout() gives the exact size");
  const commands: string[][] = [];
  new ReplyParser((value: RespValue) =>
    commands.push((value as Uint8Array[]).map((word) => new TextDecoder().decode(word)))
  ).push(out.subarray(0, bytes));
  assert.equal(commands.length, generator.commands);
  return { commands, generator };
}

Deno.test("built-in shapes write one key per command, DEL first, and recompute what they wrote", () => {
  for (const type of TYPES) {
    const { commands, generator } = encoded(type, {}, 42, 60);
    for (const words of commands) assert.equal(words[1], "k:0000000042", `${type}: one key`);
    const contents = generator.contents(42);
    assert.equal(contents.type, type);
    if (type === "string") {
      assert.deepEqual(commands[0]!.slice(0, 1), ["SET"]);
      assert.deepEqual(commands[0]!.slice(3), ["EX", "60"]);
    } else {
      assert.equal(commands[0]![0], "DEL");
      assert.deepEqual(commands.at(-1), ["EXPIRE", "k:0000000042", "60"]);
    }
  }
});

Deno.test("a hash has its fields and field sizes inside their ranges", () => {
  for (let index = 0; index < 200; index++) {
    const { generator } = encoded("hash", { fields: "10-50", "field-size": "16-128" }, index);
    const contents = generator.contents(index) as Extract<Contents, { type: "hash" }>;
    assert.ok(contents.fields.length >= 10 && contents.fields.length <= 50);
    for (const [name, value] of contents.fields) {
      assert.match(name, /^f\d+$/);
      assert.ok(value.length >= 16 && value.length <= 128);
    }
  }
});

Deno.test("set and zset members are unique within a key; zset scores in range", () => {
  const set = encoded("set", { members: 300, "member-size": 4 }, 9).generator.contents(9);
  assert.equal(set.type, "set");
  if (set.type === "set") assert.equal(new Set(set.members).size, 300);
  const zset = encoded("zset", { members: 50, scores: "10-20" }, 9).generator.contents(9);
  if (zset.type !== "zset") throw new Error("not a zset");
  assert.equal(new Set(zset.members.map(([member]) => member)).size, 50);
  for (const [, score] of zset.members) assert.ok(score >= 10 && score <= 20);
});

Deno.test("a stream's entries have explicit increasing ids", () => {
  const { commands } = encoded("stream", { entries: 3, fields: 2 }, 5);
  assert.deepEqual(commands.slice(1).map((words) => [words[0], words[2]]), [
    ["XADD", "1-1"],
    ["XADD", "1-2"],
    ["XADD", "1-3"],
  ]);
});

Deno.test("key i's contents are a pure function of (seed, i)", () => {
  for (const type of TYPES) {
    const a = testMix([{ type, share: 1, options: {} }], { seed: 7 }).generators[0]!;
    const b = testMix([{ type, share: 1, options: {} }], { seed: 7 }).generators[0]!;
    const c = testMix([{ type, share: 1, options: {} }], { seed: 8 }).generators[0]!;
    b.contents(1); // another key laid out first changes nothing
    assert.deepEqual(a.contents(3), b.contents(3), type);
    assert.notDeepEqual(a.contents(3), c.contents(3), type);
  }
});

Deno.test("compressibility makes that fraction of each value one repeated byte", () => {
  const { generator } = encoded("string", { "value-size": 1000 }, 1);
  const plain = (generator.contents(1) as { value: string }).value;
  const squeezed = testMix([{ type: "string", share: 1, options: { "value-size": 1000 } }], {
    compressibility: 0.5,
  }).generators[0]!.contents(1) as { value: string };
  assert.equal(squeezed.value.length, 1000);
  assert.equal(squeezed.value.slice(0, 500), plain.slice(0, 500));
  assert.equal(squeezed.value.slice(500), ".".repeat(500));
});

Deno.test("a mix gives each shape its share of every range, within 1%", () => {
  const mix = testMix([
    { type: "string", share: 70, options: {} },
    { type: "hash", share: 20, options: {} },
    { type: "zset", share: 10, options: {} },
  ]);
  for (const [start, end] of [[0, 10000], [12345, 112345], [0, 1000]]) {
    const counts = mix.counts(start!, end!);
    const total = end! - start!;
    [70, 20, 10].forEach((share, k) => {
      assert.ok(Math.abs(counts[k]! - (total * share) / 100) <= total * 0.01, `${counts}`);
    });
  }
});

Deno.test("compareContents() names what differs in each type", () => {
  const words = (...list: string[]) => list.map((word) => new TextEncoder().encode(word));
  assert.equal(
    compareContents({ type: "list", elements: ["a", "b"] }, words("a")),
    "has 1 elements, expected 2",
  );
  assert.equal(
    compareContents({ type: "zset", members: [["m", 3]] }, words("m", "5")),
    'member "m" has score 5, expected 3',
  );
  assert.equal(compareContents({ type: "set", members: ["a", "b"] }, words("b", "a")), "match");
  assert.equal(
    compareContents({ type: "set", members: ["a", "b"] }, words("b", "c")),
    'member "a" is missing',
  );
  assert.equal(
    compareContents(
      { type: "stream", entries: [{ id: "1-1", fields: [["f0", "x"]] }] },
      [[words("1-1")[0]!, words("f0", "y")]],
    ),
    'field "f0" of entry 1-1 differs',
  );
  assert.equal(compareContents({ type: "string", value: "ab" }, null), "missing");
});

Deno.test("ShapeBatchEncoder.fillAsking() puts an ASKING before every command of a key", async () => {
  const { Keyspace } = await import("../../lib/fill/keyspace.ts");
  const { ShapeBatchEncoder, shapeMixOf, commandEnds, EXTRA_COMMAND } = await import(
    "../../lib/fill/shape_batch.ts"
  );
  const { ListCursor } = await import("../../lib/fill/bulk_writer.ts");
  const keyspace = new Keyspace({
    count: 10,
    keySize: 16,
    valueSize: 8,
    seed: 1,
    prefix: "p:",
    shapes: [{ type: "stream", share: 1, options: { entries: 2, fields: 1, "field-size": 4 } }],
  });
  const encoder = new ShapeBatchEncoder(shapeMixOf(keyspace));
  const asking = new TextEncoder().encode("*1\r\n$6\r\nASKING\r\n");
  const sent: number[] = [];
  const out = new Uint8Array(4096);
  const batch = encoder.fillAsking(out, new ListCursor([3, 4]), sent, asking, -1);
  assert.equal(batch.keys, 2);
  const words: string[] = [];
  let from = 0;
  for (const to of commandEnds(out, 0, batch.length)) {
    const text = new TextDecoder().decode(out.subarray(from, to));
    words.push(text.split("\r\n")[2]!);
    from = to;
  }
  assert.deepEqual(words.slice(0, 6), ["ASKING", "DEL", "ASKING", "XADD", "ASKING", "XADD"]);
  assert.deepEqual(sent.slice(0, 6), [-1, EXTRA_COMMAND - 3, -1, EXTRA_COMMAND - 3, -1, 3]);
});

Deno.test("ShapeBatchEncoder.fill() into its own buffers (values copied from their pool copy) writes what encode() writes anywhere", async () => {
  const { Keyspace } = await import("../../lib/fill/keyspace.ts");
  const { ShapeBatchEncoder, shapeMixOf } = await import("../../lib/fill/shape_batch.ts");
  const { ListCursor } = await import("../../lib/fill/bulk_writer.ts");
  for (const compressibility of [0, 0.5]) {
    const keyspace = new Keyspace({
      count: 2000,
      keySize: 24,
      valueSize: 8,
      seed: 3,
      prefix: "p:",
      ttl: { min: 1, max: 100000 },
      compressibility,
      shapes: [
        { type: "string", share: 1, options: { "value-size": "4:50,64:30,4KiB:20" } },
        { type: "hash", share: 1, options: { fields: "1-20", "field-size": "8-40" } },
        { type: "list", share: 1, options: { elements: 10, "element-size": 12 } },
        { type: "set", share: 1, options: { members: "1-9", "member-size": 33 } },
        { type: "zset", share: 1, options: { members: "1-30", "member-size": "16-300" } },
        { type: "stream", share: 1, options: { entries: "1-5", fields: "1-3", "field-size": 5 } },
      ],
    });
    const encoder = new ShapeBatchEncoder(shapeMixOf(keyspace));
    const [first, second] = encoder.allocateShared(64 * 1024, 2);
    const indices = Array.from({ length: 2000 }, (_, i) => i);
    const cursor = new ListCursor(indices);
    const filled: Uint8Array[] = [];
    for (let k = 0;; k++) {
      const out = k % 2 === 0 ? first! : second!;
      const batch = encoder.fill(out, cursor);
      if (batch.keys === 0) break;
      filled.push(out.slice(0, batch.length));
    }
    const expected = new Uint8Array(filled.reduce((sum, part) => sum + part.length, 0));
    let end = 0;
    const one = new Uint8Array(encoder.maxCommandBytes);
    for (const index of indices) {
      const length = encoder.encodeOne(index, one, 0);
      expected.set(one.subarray(0, length), end);
      end += length;
    }
    assert.equal(end, expected.length, `compressibility ${compressibility}: the same length`);
    let at = 0;
    for (const part of filled) {
      assert.deepEqual(part, expected.subarray(at, at + part.length), `bytes at ${at}`);
      at += part.length;
    }
  }
});
