/** The planning parts of a fill to a memory level: how a slice spreads over the masters, and the main table's doubling. */
import assert from "node:assert/strict";
import { keySpread, sliceEnd, untilTableDoubles } from "../../lib/fill/until_memory.ts";
import type { NodeInfo } from "../../lib/types.ts";

function master(id: string, slots: Array<[number, number]>): NodeInfo {
  return { id, host: "127.0.0.1", port: 1, role: "master", slots };
}

const THREE = [
  master("a", [[0, 5461]]),
  master("b", [[5462, 10922]]),
  master("c", [[10923, 16383]]),
];

Deno.test("sliceEnd() cuts a slice where the first master its slots reach would go over", () => {
  const spread = keySpread(THREE)!;
  // From index 0 the slots of a come first: 100 keys for a end the slice at index 100.
  assert.equal(sliceEnd(spread, 0, [100, 1e9, 1e9]), 100);
  // A whole pass gives a 5462 keys, b and c 5461: two passes fit 10924 on a.
  assert.equal(sliceEnd(spread, 0, [10924, 10922, 10922]), 32768);
  // From index 5462 (b's first slot), b's 5461 and c's 5461 come before a's next.
  assert.equal(sliceEnd(spread, 5462, [0, 1e9, 1e9]), 16384);
  // A master at or above its target takes nothing: the slice ends before its next slot.
  assert.equal(sliceEnd(spread, 100, [-5, 1e9, 1e9]), 100);
});

Deno.test("sliceEnd() spreads evenly when the masters do not cover every slot", () => {
  assert.equal(keySpread([master("a", [[0, 99]])]), undefined);
  assert.equal(sliceEnd(undefined, 10, [100, 50.5, 70]), 10 + 151);
});

Deno.test("untilTableDoubles() keeps a slice past a full main table only when the doubled table fits too", () => {
  assert.equal(untilTableDoubles(1000, 800 * 20, 800), 20);
  // 32768 buckets: past them a table of 65536 (512 KiB) comes before the old one is freed.
  assert.equal(untilTableDoubles(32000, 800 * 1000, 800), 768);
  assert.equal(untilTableDoubles(32000, 800 * 2000, 800), (800 * 2000 - 16 * 32768) / 800);
});
