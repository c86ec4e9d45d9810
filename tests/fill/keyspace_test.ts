import { flagOf } from "../../lib/cli/fill_flags.ts";
import assert from "node:assert/strict";
import calculateSlot from "cluster-key-slot";
import { UsageError } from "../../lib/errors.ts";
import { keyCount, Keyspace, parseShard, parseTtl, shardRange } from "../../lib/fill/keyspace.ts";

const params = { count: 100_000, keySize: 512, valueSize: 512, seed: 7, prefix: "redfill:" };

Deno.test("keyCount() is ceil(size / (key + value))", () => {
  assert.equal(keyCount(64 * 1024 * 1024, 512, 512), 65536);
  assert.equal(keyCount(1025, 512, 512), 2);
  assert.equal(keyCount(0, 512, 512), 0);
});

Deno.test("Keyspace.key() puts key i in slot i mod 16384, printable, exactly keySize bytes", () => {
  const keyspace = new Keyspace(params);
  for (const index of [0, 1, 16383, 16384, 40_000, 99_999]) {
    const key = keyspace.keyString(index);
    assert.equal(key.length, 512);
    assert.match(key, /^redfill:\{[0-9A-Za-z]{3}\}\d{5}x+$/);
    assert.equal(calculateSlot(key), index % 16384);
    assert.ok(key.includes(String(index).padStart(5, "0")));
  }
});

Deno.test("Keyspace keys are distinct and values are pure functions of (seed, i)", () => {
  const a = new Keyspace(params);
  const b = new Keyspace(params);
  const other = new Keyspace({ ...params, seed: 8 });
  const keys = new Set<string>();
  for (let index = 0; index < 5000; index++) keys.add(a.keyString(index));
  assert.equal(keys.size, 5000);
  assert.deepEqual(a.value(1234), b.value(1234));
  assert.notDeepEqual(a.value(1234), other.value(1234));
  assert.notDeepEqual(a.value(1), a.value(2));
  assert.equal(a.value(5).length, 512);
  assert.ok(a.value(5).every((byte) => byte >= 0x21 && byte <= 0x7e));
});

Deno.test("Keyspace rejects a key size too small to hold prefix, tag and index", () => {
  assert.throws(
    () => new Keyspace({ ...params, keySize: 16 }),
    (error: unknown) =>
      error instanceof UsageError &&
      error.message ===
        'Key size 16 is too small to hold the prefix "redfill:", a slot tag and 5-digit indices: use key-size 18 or more, or a shorter prefix',
  );
  // The error mentions the step's options: a file names them by path, the CLI by flag.
  let error: unknown;
  try {
    new Keyspace({ ...params, keySize: 16 });
  } catch (thrown) {
    error = thrown;
  }
  assert.ok(error instanceof UsageError);
  assert.match(error.sentence.render({ step: "fill" }), /use fill\.key-size 18 .* fill\.prefix$/);
  assert.match(
    error.sentence.render({ step: "fill", name: flagOf }),
    /use --key-size 18 or more, or a shorter --prefix$/,
  );
  // The smallest size that fits works, and keys stay distinct.
  const tight = new Keyspace({ ...params, keySize: 18 });
  assert.notEqual(tight.keyString(1), tight.keyString(2));
});

Deno.test("Keyspace rejects a prefix with braces or spaces", () => {
  assert.throws(() => new Keyspace({ ...params, prefix: "a{b" }), UsageError);
  assert.throws(() => new Keyspace({ ...params, prefix: "a b" }), UsageError);
});

Deno.test("Keyspace.ttl() stays inside the range and is deterministic", () => {
  const keyspace = new Keyspace({ ...params, ttl: { min: 60, max: 120 } });
  for (let index = 0; index < 1000; index++) {
    const ttl = keyspace.ttl(index);
    assert.ok(ttl >= 60 && ttl <= 120);
    assert.equal(ttl, keyspace.ttl(index));
  }
  assert.equal(new Keyspace(params).ttl(3), 0);
});

Deno.test("shardRange() parts are disjoint and their union is exactly 0 … N-1", () => {
  for (const count of [0, 1, 7, 65536, 100_001]) {
    for (const parts of [1, 2, 3, 7]) {
      let next = 0;
      for (let index = 0; index < parts; index++) {
        const range = shardRange(count, { index, count: parts });
        assert.equal(range.start, next);
        next = range.end;
      }
      assert.equal(next, count);
    }
  }
});

Deno.test("parseShard() and parseTtl() reject bad text with one sentence", () => {
  assert.deepEqual(parseShard("1/3"), { index: 1, count: 3 });
  assert.throws(() => parseShard("3/3"), /Invalid shard "3\/3": expected k\/n with 0 ≤ k < n/);
  assert.deepEqual(parseTtl("60-120"), { min: 60, max: 120 });
  assert.deepEqual(parseTtl(30), { min: 30, max: 30 });
  assert.throws(() => parseTtl("120-60"), /Invalid ttl "120-60"/);
  assert.throws(() => parseTtl("0"), UsageError);
});
