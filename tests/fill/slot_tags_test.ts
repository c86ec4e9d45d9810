import assert from "node:assert/strict";
import calculateSlot from "cluster-key-slot";
import { SLOT_COUNT } from "../../lib/cluster/slots.ts";
import { slotTagTable, TAG_LENGTH } from "../../lib/fill/slot_tags.ts";

Deno.test("slotTagTable() has a printable tag for every slot that hashes to it", () => {
  const table = slotTagTable();
  assert.equal(table.bytes.length, SLOT_COUNT * TAG_LENGTH);
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const tag = table.tag(slot);
    assert.match(tag, /^[0-9A-Za-z]{3}$/);
    assert.equal(calculateSlot(`{${tag}}anything`), slot);
  }
  assert.equal(slotTagTable(), table);
});

Deno.test("slotTagTable() keeps the first alphanumeric tag of each slot, so keys never change", () => {
  // The table the keys were first written with: candidates as strings, in alphabet order.
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const expected = new Array<string | undefined>(SLOT_COUNT);
  let filled = 0;
  for (const a of alphabet) {
    for (const b of alphabet) {
      for (const c of alphabet) {
        const slot = calculateSlot(a + b + c);
        if (expected[slot] === undefined) {
          expected[slot] = a + b + c;
          filled++;
        }
      }
    }
  }
  assert.equal(filled, SLOT_COUNT);
  const table = slotTagTable();
  for (let slot = 0; slot < SLOT_COUNT; slot++) assert.equal(table.tag(slot), expected[slot]);
  assert.deepEqual([0, 1, 42, 8191, 16383].map((slot) => table.tag(slot)), [
    "06S",
    "2Gx",
    "5kK",
    "6xN",
    "6ZJ",
  ]);
});
