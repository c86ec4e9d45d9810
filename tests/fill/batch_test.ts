import assert from "node:assert/strict";
import { BatchEncoder, countIndices, SlotCursor } from "../../lib/fill/batch.ts";
import { Keyspace } from "../../lib/fill/keyspace.ts";

const ALL = Int32Array.from({ length: 16384 }, (_, slot) => slot);

/** Parses a buffer of SET commands back into [key, value, ...rest] arrays. */
function parseCommands(buffer: Uint8Array): string[][] {
  const text = new TextDecoder().decode(buffer);
  const commands: string[][] = [];
  let at = 0;
  while (at < text.length) {
    const headerEnd = text.indexOf("\r\n", at);
    const count = Number(text.slice(at + 1, headerEnd));
    at = headerEnd + 2;
    const args: string[] = [];
    for (let k = 0; k < count; k++) {
      const sizeEnd = text.indexOf("\r\n", at);
      const size = Number(text.slice(at + 1, sizeEnd));
      args.push(text.slice(sizeEnd + 2, sizeEnd + 2 + size));
      assert.equal(text.slice(sizeEnd + 2 + size, sizeEnd + 4 + size), "\r\n");
      at = sizeEnd + 4 + size;
    }
    commands.push(args);
  }
  return commands;
}

Deno.test("BatchEncoder.fill() writes whole SET commands with each key's expected value", () => {
  const keyspace = new Keyspace({
    count: 3000,
    keySize: 40,
    valueSize: 100,
    seed: 3,
    prefix: "t:",
  });
  const encoder = new BatchEncoder(keyspace);
  const buffer = new Uint8Array(64 * 1024);
  const cursor = new SlotCursor(ALL, 0, 3000);
  const seen: number[] = [];
  for (let round = 0; round < 10; round++) {
    const sent: number[] = [];
    const batch = encoder.fill(buffer, cursor, sent);
    if (batch.keys === 0) break;
    const commands = parseCommands(buffer.subarray(0, batch.length));
    assert.equal(commands.length, batch.keys);
    commands.forEach((command, k) => {
      const index = sent[k]!;
      assert.deepEqual(command, [
        "SET",
        keyspace.keyString(index),
        new TextDecoder().decode(keyspace.value(index)),
      ]);
    });
    seen.push(...sent);
  }
  assert.deepEqual(seen, Array.from({ length: 3000 }, (_, index) => index));
});

Deno.test("BatchEncoder adds EX with each key's TTL", () => {
  const keyspace = new Keyspace({
    count: 50,
    keySize: 30,
    valueSize: 10,
    seed: 1,
    prefix: "t:",
    ttl: { min: 5, max: 500 },
  });
  const encoder = new BatchEncoder(keyspace);
  const buffer = new Uint8Array(16 * 1024);
  const sent: number[] = [];
  const batch = encoder.fill(buffer, new SlotCursor(ALL, 0, 50), sent);
  const commands = parseCommands(buffer.subarray(0, batch.length));
  assert.equal(commands.length, 50);
  commands.forEach((command, k) => {
    assert.equal(command[3], "EX");
    assert.equal(command[4], String(keyspace.ttl(sent[k]!)));
  });
});

Deno.test("SlotCursor walks only its slots within the range, and total() agrees", () => {
  const slots = Int32Array.from([1, 5, 16383]);
  const cursor = new SlotCursor(slots, 10, 50_000);
  const got: number[] = [];
  for (let index = cursor.next(); index >= 0; index = cursor.next()) got.push(index);
  const expected: number[] = [];
  for (let index = 10; index < 50_000; index++) {
    if ([1, 5, 16383].includes(index % 16384)) expected.push(index);
  }
  assert.deepEqual(got, expected);
  assert.equal(countIndices(slots, 10, 50_000), expected.length);
  assert.equal(new SlotCursor(slots, 10, 50_000).total(), expected.length);
});

Deno.test("BatchEncoder.allocate() buffers hold the same commands and keep their value pool intact", () => {
  const keyspace = new Keyspace({
    count: 5000,
    keySize: 32,
    valueSize: 700,
    seed: 4,
    prefix: "a:",
  });
  const encoder = new BatchEncoder(keyspace);
  const arena = encoder.allocate(64 * 1024);
  assert.equal(encoder.capacity(arena), 64 * 1024);
  assert.ok(arena.length > 64 * 1024);
  const tail = arena.slice(64 * 1024);
  const plain = new Uint8Array(64 * 1024);
  const fromArena = new SlotCursor(ALL, 0, 5000);
  const fromPlain = new SlotCursor(ALL, 0, 5000);
  for (let round = 0; round < 100; round++) {
    const a = encoder.fill(arena, fromArena);
    const b = encoder.fill(plain, fromPlain);
    assert.deepEqual(a, b);
    if (a.keys === 0) break;
    assert.deepEqual(arena.subarray(0, a.length), plain.subarray(0, b.length));
  }
  assert.deepEqual(arena.subarray(64 * 1024), tail, "commands never spill into the pool copy");
});

Deno.test("BatchEncoder.allocateShared() buffers share one pool copy, hold the same commands and stay in their bytes", () => {
  for (const ttl of [undefined, { min: 60, max: 120 }]) {
    const keyspace = new Keyspace({
      count: 5000,
      keySize: 40,
      valueSize: 300,
      seed: 9,
      prefix: "s:",
      ...(ttl ? { ttl } : {}),
    });
    const encoder = new BatchEncoder(keyspace);
    const usable = 16 * 1024;
    const buffers = encoder.allocateShared(usable, 3);
    assert.equal(buffers.length, 3);
    const base = new Uint8Array(buffers[0]!.buffer);
    assert.equal(base.length, 3 * usable + keyspace.valuePool.length, "one pool copy in all");
    for (const [k, buffer] of buffers.entries()) {
      assert.equal(buffer.buffer, base.buffer);
      assert.equal(buffer.byteOffset, k * usable);
      assert.equal(buffer.length, usable);
      assert.equal(encoder.capacity(buffer), usable);
    }
    const cursors = buffers.map((_, k) => new SlotCursor(ALL.filter((s) => s % 3 === k), 0, 5000));
    const plains = buffers.map((_, k) => new SlotCursor(ALL.filter((s) => s % 3 === k), 0, 5000));
    const plain = new Uint8Array(usable);
    for (let round = 0; round < 200; round++) {
      let keys = 0;
      for (const [k, buffer] of buffers.entries()) {
        const others = buffers.filter((other) => other !== buffer).map((other) => other.slice());
        const a = encoder.fill(buffer, cursors[k]!);
        const b = encoder.fill(plain, plains[k]!);
        assert.deepEqual(a, b);
        assert.deepEqual(buffer.subarray(0, a.length), plain.subarray(0, b.length));
        assert.deepEqual(
          buffers.filter((other) => other !== buffer),
          others,
          "filling one buffer leaves the others as they were",
        );
        keys += a.keys;
      }
      if (keys === 0) break;
    }
    assert.deepEqual(base.subarray(3 * usable), keyspace.valuePool, "the pool copy is intact");
    // One command at an offset, as the ASKING writer encodes them.
    const one = new Uint8Array(encoder.maxCommandBytes);
    const end = encoder.encodeOne(4321, buffers[1]!, 100);
    assert.equal(end - 100, encoder.encodeOne(4321, one, 0));
    assert.deepEqual(buffers[1]!.subarray(100, end), one.subarray(0, end - 100));
  }
});
