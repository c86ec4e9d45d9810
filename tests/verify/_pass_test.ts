import assert from "node:assert/strict";
import { Keyspace } from "../../lib/fill/keyspace.ts";
import { ReplyParser, type RespValue } from "../../lib/resp/parser.ts";
import { KeyCommands } from "../../lib/verify/_encode.ts";
import { keyGroups } from "../../lib/verify/_pass.ts";

Deno.test("keyGroups() gives each slot's indices in the range, at most maxKeys per group", () => {
  // Slots 3 and 5 of indices [0, 16384 * 5 + 4): 3, 16387, … (6 keys) and 5, … (5 keys).
  const end = 16384 * 5 + 4;
  const groups = keyGroups(Int32Array.of(3, 5), 0, end, 4);
  assert.deepEqual(groups, [
    { first: 3, stride: 16384, count: 4, slot: 3 },
    { first: 3 + 4 * 16384, stride: 16384, count: 2, slot: 3 },
    { first: 5, stride: 16384, count: 4, slot: 5 },
    { first: 5 + 4 * 16384, stride: 16384, count: 1, slot: 5 },
  ]);
  // A shard's range starts mid-way: slot 3 from 16387.
  assert.deepEqual(keyGroups(Int32Array.of(3), 16384, 16384 * 2 + 3, 256), [
    { first: 16387, stride: 16384, count: 1, slot: 3 },
  ]);
  assert.deepEqual(keyGroups(Int32Array.of(7), 0, 7, 256), []);
});

Deno.test("keyGroups() without slots gives runs of consecutive indices", () => {
  assert.deepEqual(keyGroups(undefined, 10, 20, 4), [
    { first: 10, stride: 1, count: 4, slot: -1 },
    { first: 14, stride: 1, count: 4, slot: -1 },
    { first: 18, stride: 1, count: 2, slot: -1 },
  ]);
});

Deno.test("KeyCommands encodes a command over keys first + k * stride as RESP", () => {
  const keyspace = new Keyspace({ count: 40000, keySize: 40, valueSize: 8, seed: 1, prefix: "p:" });
  const commands = new KeyCommands(keyspace);
  const out = new Uint8Array(commands.commandBytes("EXISTS", 3));
  assert.equal(commands.encode("EXISTS", 2, 16384, 3, out, 0), out.length);
  const parsed: RespValue[] = [];
  // A command is a RESP array of bulk strings: the reply parser reads it back.
  new ReplyParser((value) => parsed.push(value)).push(out);
  const [array] = parsed as Uint8Array[][];
  assert.deepEqual(
    array!.map((item) => new TextDecoder().decode(item)),
    ["EXISTS", keyspace.keyString(2), keyspace.keyString(16386), keyspace.keyString(32770)],
  );
});
